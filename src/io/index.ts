/** The packet I/O layer: ports over TUN, TAP and AF_PACKET sharing one slab. */
export { COUNTER_NAMES, loadNative, packageRoot } from './native.js';
export type { CounterName } from './native.js';
export { Slab, openSlab, currentSlab, SLOT_FREE, SLOT_JS, SLOT_TXQ } from './slab.js';
export type { SlabOptions } from './slab.js';
export { Port, openPort } from './port.js';
export type {
  AfPacketOptions, BatchCallback, PortCounters, PortErrorCallback, PortKind, PortOptions, TapOptions, TunOptions,
} from './port.js';
