/**
 * The five dispatch dimensions of rule boxes and decision trees (source,
 * destination, protocol key, source port, destination port). A leaf module:
 * the tree builder runs on a worker thread and needs these without loading
 * box.ts, which loads the extension registry.
 */
export const DIMS = 5;
export const D_SRC = 0;
export const D_DST = 1;
export const D_PROTO = 2;
export const D_SPORT = 3;
export const D_DPORT = 4;
/** Largest value per dimension (inclusive). */
export const DIM_MAX: readonly number[] = [0xffffffff, 0xffffffff, 511, 0xffff, 0xffff];
