/**
 * The Internet checksum (RFC 1071): full sums over byte ranges, the TCP/UDP
 * pseudo-header, and incremental updates (RFC 1624 eqn. 3:
 * HC' = ~(~HC + ~m + m')).
 *
 * Invariants:
 * - Sums are plain numbers, unfolded until csumFold; words are big-endian
 *   16-bit. A range added to a running sum must start at an even distance
 *   from the start of the checksummed data (every use here does).
 * - Values written to packets are the complemented, folded 16 bits.
 * - UDP: a checksum field of 0 means "none" (left alone by updates), and a
 *   computed 0 is sent as 0xffff (RFC 768).
 * - No allocation; nothing here can throw.
 */
import { rd16, wr16 } from './bytes.js';

/**
 * One's complement sum (unfolded) of buf[off, off+len) added to `sum`. An odd
 * trailing byte counts as its high half. Exact up to 2^53, far beyond any packet.
 */
export function csumPartial(buf: Uint8Array, off: number, len: number, sum: number): number {
  let i = off;
  const end = off + len;
  const end8 = off + (len & ~7);
  let s = sum;
  // Four 16-bit words per round. Measured (Node 20): ~2.4 GB/s on 1480 bytes;
  // reading 32-bit words is 2x slower (the >>> 0 makes doubles), and split
  // high/low byte sums are no faster. The sum stays a small integer.
  while (i < end8) {
    s += ((buf[i] << 8) | buf[i + 1]) + ((buf[i + 2] << 8) | buf[i + 3]) +
      ((buf[i + 4] << 8) | buf[i + 5]) + ((buf[i + 6] << 8) | buf[i + 7]);
    i += 8;
  }
  while (i + 1 < end) {
    s += (buf[i] << 8) | buf[i + 1];
    i += 2;
  }
  if (i < end) s += buf[i] << 8;
  return s;
}

/** Fold an unfolded sum to 16 bits (end-around carry). Not complemented. */
export function csumFold(sum: number): number {
  let s = sum;
  while (s > 0x7fffffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The checksum to write for buf[off, off+len) with an initial sum: ~fold & 0xffff. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  return ~csumFold(csumPartial(buf, off, len, initial)) & 0xffff;
}

/** Unfolded TCP/UDP pseudo-header sum: source, destination, protocol, L4 length. */
export function pseudoHeaderSum(saddr: number, daddr: number, proto: number, l4Len: number): number {
  return (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + proto + l4Len;
}

// ---------------------------------------------------------------- IPv4 header

/** The IPv4 header checksum for the header at l3Off of hdrLen bytes (its own field counted as 0). */
export function ipHeaderChecksum(buf: Uint8Array, l3Off: number, hdrLen: number): number {
  const o = l3Off;
  let s = ((buf[o] << 8) | buf[o + 1]) + ((buf[o + 2] << 8) | buf[o + 3]) +
    ((buf[o + 4] << 8) | buf[o + 5]) + ((buf[o + 6] << 8) | buf[o + 7]) +
    ((buf[o + 8] << 8) | buf[o + 9]) +
    ((buf[o + 12] << 8) | buf[o + 13]) + ((buf[o + 14] << 8) | buf[o + 15]) +
    ((buf[o + 16] << 8) | buf[o + 17]) + ((buf[o + 18] << 8) | buf[o + 19]);
  if (hdrLen > 20) s = csumPartial(buf, o + 20, hdrLen - 20, s);
  return ~csumFold(s) & 0xffff;
}

/** True when the header checksum verifies (the sum over the header, field included, is 0xffff). */
export function ipHeaderChecksumOk(buf: Uint8Array, l3Off: number, hdrLen: number): boolean {
  const o = l3Off;
  let s = ((buf[o] << 8) | buf[o + 1]) + ((buf[o + 2] << 8) | buf[o + 3]) +
    ((buf[o + 4] << 8) | buf[o + 5]) + ((buf[o + 6] << 8) | buf[o + 7]) +
    ((buf[o + 8] << 8) | buf[o + 9]) + ((buf[o + 10] << 8) | buf[o + 11]) +
    ((buf[o + 12] << 8) | buf[o + 13]) + ((buf[o + 14] << 8) | buf[o + 15]) +
    ((buf[o + 16] << 8) | buf[o + 17]) + ((buf[o + 18] << 8) | buf[o + 19]);
  if (hdrLen > 20) s = csumPartial(buf, o + 20, hdrLen - 20, s);
  return csumFold(s) === 0xffff;
}

/** Recompute and store the IPv4 header checksum (IHL read from the header). */
export function setIpChecksum(buf: Uint8Array, l3Off: number): void {
  wr16(buf, l3Off + 10, ipHeaderChecksum(buf, l3Off, (buf[l3Off] & 0x0f) << 2));
}

// ---------------------------------------------------------------- L4 (full)

function pseudoOf(buf: Uint8Array, l3Off: number, proto: number, l4Len: number): number {
  return ((buf[l3Off + 12] << 8) | buf[l3Off + 13]) + ((buf[l3Off + 14] << 8) | buf[l3Off + 15]) +
    ((buf[l3Off + 16] << 8) | buf[l3Off + 17]) + ((buf[l3Off + 18] << 8) | buf[l3Off + 19]) + proto + l4Len;
}

/** Sum of the segment at l4Off (l4Len bytes) with the pseudo-header of the IPv4 header at l3Off. */
function l4Sum(buf: Uint8Array, l3Off: number, l4Off: number, l4Len: number, proto: number): number {
  return csumFold(csumPartial(buf, l4Off, l4Len, pseudoOf(buf, l3Off, proto, l4Len)));
}

/** Compute and store the TCP checksum (addresses from the IPv4 header at l3Off). */
export function setTcpChecksum(buf: Uint8Array, l3Off: number, l4Off: number, l4Len: number): void {
  buf[l4Off + 16] = 0;
  buf[l4Off + 17] = 0;
  wr16(buf, l4Off + 16, ~l4Sum(buf, l3Off, l4Off, l4Len, 6) & 0xffff);
}

/** Compute and store the UDP checksum; a computed 0 is stored as 0xffff. */
export function setUdpChecksum(buf: Uint8Array, l3Off: number, l4Off: number, l4Len: number): void {
  buf[l4Off + 6] = 0;
  buf[l4Off + 7] = 0;
  const c = ~l4Sum(buf, l3Off, l4Off, l4Len, 17) & 0xffff;
  wr16(buf, l4Off + 6, c === 0 ? 0xffff : c);
}

/** Compute and store the ICMP checksum over the whole message (no pseudo-header). */
export function setIcmpChecksum(buf: Uint8Array, l4Off: number, len: number): void {
  buf[l4Off + 2] = 0;
  buf[l4Off + 3] = 0;
  wr16(buf, l4Off + 2, internetChecksum(buf, l4Off, len));
}

export function tcpChecksumOk(buf: Uint8Array, l3Off: number, l4Off: number, l4Len: number): boolean {
  return l4Sum(buf, l3Off, l4Off, l4Len, 6) === 0xffff;
}

/** A zero UDP checksum means "not computed" and is accepted. */
export function udpChecksumOk(buf: Uint8Array, l3Off: number, l4Off: number, l4Len: number): boolean {
  if (buf[l4Off + 6] === 0 && buf[l4Off + 7] === 0) return true;
  return l4Sum(buf, l3Off, l4Off, l4Len, 17) === 0xffff;
}

export function icmpChecksumOk(buf: Uint8Array, l4Off: number, len: number): boolean {
  return csumFold(csumPartial(buf, l4Off, len, 0)) === 0xffff;
}

// ---------------------------------------------------------------- incremental (RFC 1624)

/** HC' for a 16-bit word changing from oldv to newv. */
export function csumUpdate16(hc: number, oldv: number, newv: number): number {
  let s = (~hc & 0xffff) + (~oldv & 0xffff) + (newv & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** HC' for a 32-bit field (two aligned words) changing from oldv to newv. */
export function csumUpdate32(hc: number, oldv: number, newv: number): number {
  let s = (~hc & 0xffff) + (~(oldv >>> 16) & 0xffff) + (~oldv & 0xffff) + (newv >>> 16) + (newv & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

const swap16 = (v: number): number => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);

/**
 * Update the checksum stored at `at` for a 16-bit value changing from oldv to
 * newv. `odd` says the value sits at an odd distance from the start of the
 * checksummed data (e.g. a TCP option value after a NOP): its contribution to
 * the sum is then byte-swapped.
 */
export function csumReplace16(buf: Uint8Array, at: number, oldv: number, newv: number, odd = false): void {
  if (odd) {
    oldv = swap16(oldv);
    newv = swap16(newv);
  }
  wr16(buf, at, csumUpdate16(rd16(buf, at), oldv, newv));
}

/** Update the checksum stored at `at` for an aligned 32-bit value (an address) changing. */
export function csumReplace32(buf: Uint8Array, at: number, oldv: number, newv: number): void {
  wr16(buf, at, csumUpdate32(rd16(buf, at), oldv, newv));
}

/** As csumReplace16 for a UDP checksum: a 0 field stays 0 (none); a result of 0 becomes 0xffff. */
export function udpCsumReplace16(buf: Uint8Array, at: number, oldv: number, newv: number): void {
  const hc = rd16(buf, at);
  if (hc === 0) return;
  const r = csumUpdate16(hc, oldv, newv);
  wr16(buf, at, r === 0 ? 0xffff : r);
}

/** As csumReplace32 for a UDP checksum (zero rules as udpCsumReplace16). */
export function udpCsumReplace32(buf: Uint8Array, at: number, oldv: number, newv: number): void {
  const hc = rd16(buf, at);
  if (hc === 0) return;
  const r = csumUpdate32(hc, oldv, newv);
  wr16(buf, at, r === 0 ? 0xffff : r);
}
