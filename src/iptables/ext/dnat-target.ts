/** -j DNAT: built with SNAT's code (see SNAT.ts). */
export { dnatTarget } from './snat-target.js';
