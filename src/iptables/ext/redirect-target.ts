/** -j REDIRECT: built with MASQUERADE's code (see masquerade-target.ts). */
export { redirectTarget } from './masquerade-target.js';
