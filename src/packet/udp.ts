/**
 * UDP view (RFC 768): sport (0), dport (2), length (4), checksum (6).
 * Invariants: callers have checked 8 bytes (parseIPv4 does). A zero checksum
 * means "none" and setters leave it zero.
 */
import { rd16, wr16 } from './bytes.js';
import { udpCsumReplace16 } from './checksum.js';

export const UDP_HLEN = 8;

export const udpSport = (b: Uint8Array, l4: number): number => rd16(b, l4);
export const udpDport = (b: Uint8Array, l4: number): number => rd16(b, l4 + 2);
export const udpLen = (b: Uint8Array, l4: number): number => rd16(b, l4 + 4);
export const udpChecksum = (b: Uint8Array, l4: number): number => rd16(b, l4 + 6);

export function setUdpSport(b: Uint8Array, l4: number, port: number): void {
  const old = rd16(b, l4);
  wr16(b, l4, port);
  udpCsumReplace16(b, l4 + 6, old, port & 0xffff);
}

export function setUdpDport(b: Uint8Array, l4: number, port: number): void {
  const old = rd16(b, l4 + 2);
  wr16(b, l4 + 2, port);
  udpCsumReplace16(b, l4 + 6, old, port & 0xffff);
}
