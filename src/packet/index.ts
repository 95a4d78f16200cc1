/**
 * src/packet: byte formats only (views, checksums, builders, fragmentation).
 * One import point for the layers above; nothing here knows about rules,
 * routing or state.
 */
export * from './bytes.js';
export * from './checksum.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './icmp.js';
export * from './tcp.js';
export * from './udp.js';
export * from './rewrite.js';
export * from './parse.js';
export * from './build.js';
export * from './fragment.js';
export * from './refragment.js';
export { PacketContext } from './context.js';
export { DropReason, DROP_REASON_NAMES, DROP_REASON_COUNT } from './drop-reason.js';
