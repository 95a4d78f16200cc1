/** -j DNAT: built with SNAT's code (see snat-target.ts). */
export { dnatTarget } from './snat-target.js';
