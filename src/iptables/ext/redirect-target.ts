/** -j REDIRECT: built with MASQUERADE's code (see MASQUERADE.ts). */
export { redirectTarget } from './masquerade-target.js';
