/**
 * The net layer: interfaces, routing (LPM), neighbours (ARP) and ICMP rate
 * limiting, as typed-array structures the dataplane calls per packet.
 * Invariant: this barrel only re-exports; nothing here has state.
 */

export * from './interfaces.js';
export * from './routes.js';
export * from './route-config.js';
export * from './neighbours.js';
export * from './icmp-limit.js';
