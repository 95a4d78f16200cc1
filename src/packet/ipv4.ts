/**
 * IPv4 header view (RFC 791): ver/IHL (0), TOS (1), total length (2), id (4),
 * flags+fragment offset (6), TTL (8), protocol (9), checksum (10), saddr (12),
 * daddr (16), options (20 .. IHL*4).
 * Invariants: callers have checked the header once (parseIPv4 does: version,
 * IHL, total length within the frame); after that no accessor can fail.
 * Addresses are unsigned 32-bit numbers. Setters keep the header checksum
 * right (RFC 1624); rewrite.ts also fixes the TCP/UDP pseudo-header sum.
 */
import { rd16, rd32, wr16, wr32 } from './bytes.js';
import { csumReplace16, csumReplace32 } from './checksum.js';

export const IP_MIN_HLEN = 20;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFMASK = 0x1fff;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_SCTP = 132;
export const IPPROTO_DCCP = 33;
export const IPPROTO_UDPLITE = 136;

/** IP option kinds (the copied flag is 0x80). */
export const IPOPT_END = 0;
export const IPOPT_NOOP = 1;
export const IPOPT_COPIED = 0x80;
export const IPOPT_RR = 7;
export const IPOPT_TS = 68;
export const IPOPT_LSRR = 131;
export const IPOPT_SSRR = 137;
export const IPOPT_RA = 148;

export const ipVersion = (b: Uint8Array, l3: number): number => b[l3] >>> 4;
/** IHL in 32-bit words. */
export const ipIhl = (b: Uint8Array, l3: number): number => b[l3] & 0x0f;
/** Header length in bytes (IHL * 4). */
export const ipHdrLen = (b: Uint8Array, l3: number): number => (b[l3] & 0x0f) << 2;
export const ipTos = (b: Uint8Array, l3: number): number => b[l3 + 1];
export const ipTotLen = (b: Uint8Array, l3: number): number => rd16(b, l3 + 2);
export const ipId = (b: Uint8Array, l3: number): number => rd16(b, l3 + 4);
/** The 16-bit flags + fragment offset word. */
export const ipFragWord = (b: Uint8Array, l3: number): number => rd16(b, l3 + 6);
export const ipDf = (b: Uint8Array, l3: number): boolean => (b[l3 + 6] & 0x40) !== 0;
export const ipMf = (b: Uint8Array, l3: number): boolean => (b[l3 + 6] & 0x20) !== 0;
/** Fragment offset in 8-byte units. */
export const ipFragOff = (b: Uint8Array, l3: number): number => rd16(b, l3 + 6) & IP_OFFMASK;
/** True for any fragment (MF set or offset ≠ 0). */
export const ipIsFragment = (b: Uint8Array, l3: number): boolean => (rd16(b, l3 + 6) & (IP_MF | IP_OFFMASK)) !== 0;
export const ipTtl = (b: Uint8Array, l3: number): number => b[l3 + 8];
export const ipProto = (b: Uint8Array, l3: number): number => b[l3 + 9];
export const ipChecksum = (b: Uint8Array, l3: number): number => rd16(b, l3 + 10);
export const ipSaddr = (b: Uint8Array, l3: number): number => rd32(b, l3 + 12);
export const ipDaddr = (b: Uint8Array, l3: number): number => rd32(b, l3 + 16);
/** Options region: [ipOptionsOff, ipOptionsOff + ipOptionsLen). */
export const ipOptionsOff = (l3: number): number => l3 + IP_MIN_HLEN;
export const ipOptionsLen = (b: Uint8Array, l3: number): number => ((b[l3] & 0x0f) << 2) - IP_MIN_HLEN;

// ---------------------------------------------------------------- setters (checksum kept right)

export function setIpTtl(b: Uint8Array, l3: number, ttl: number): void {
  const old = rd16(b, l3 + 8);
  b[l3 + 8] = ttl & 0xff;
  csumReplace16(b, l3 + 10, old, rd16(b, l3 + 8));
}

/** TTL - 1 with the kernel's ip_decrease_ttl checksum trick; returns the new TTL. */
export function decrementTtl(b: Uint8Array, l3: number): number {
  let c = rd16(b, l3 + 10) + 0x0100;
  c = (c + (c >= 0xffff ? 1 : 0)) & 0xffff;
  wr16(b, l3 + 10, c);
  return (b[l3 + 8] = (b[l3 + 8] - 1) & 0xff);
}

export function setIpTos(b: Uint8Array, l3: number, tos: number): void {
  const old = rd16(b, l3);
  b[l3 + 1] = tos & 0xff;
  csumReplace16(b, l3 + 10, old, rd16(b, l3));
}

export function setIpId(b: Uint8Array, l3: number, id: number): void {
  const old = rd16(b, l3 + 4);
  wr16(b, l3 + 4, id);
  csumReplace16(b, l3 + 10, old, id & 0xffff);
}

/** Replace the flags + fragment-offset word. */
export function setIpFragWord(b: Uint8Array, l3: number, word: number): void {
  const old = rd16(b, l3 + 6);
  wr16(b, l3 + 6, word);
  csumReplace16(b, l3 + 10, old, word & 0xffff);
}

/** Set the source address; fixes the IP header checksum only (rewrite.ts does L4 too). */
export function setIpSaddr(b: Uint8Array, l3: number, addr: number): void {
  const old = rd32(b, l3 + 12);
  wr32(b, l3 + 12, addr);
  csumReplace32(b, l3 + 10, old, addr >>> 0);
}

export function setIpDaddr(b: Uint8Array, l3: number, addr: number): void {
  const old = rd32(b, l3 + 16);
  wr32(b, l3 + 16, addr);
  csumReplace32(b, l3 + 10, old, addr >>> 0);
}

// ---------------------------------------------------------------- options

/**
 * Offset of the first IP option of `kind` in the header at l3, or -1 (absent,
 * or the options are malformed before reaching it: a length < 2 or beyond the
 * header ends the walk).
 */
export function ipOptionFind(b: Uint8Array, l3: number, kind: number): number {
  let o = l3 + IP_MIN_HLEN;
  const end = l3 + ((b[l3] & 0x0f) << 2);
  while (o < end) {
    const k = b[o];
    if (k === IPOPT_END) return kind === IPOPT_END ? o : -1;
    if (k === IPOPT_NOOP) {
      if (kind === IPOPT_NOOP) return o;
      o++;
      continue;
    }
    if (o + 1 >= end) return -1;
    const l = b[o + 1];
    if (l < 2 || o + l > end) return -1;
    if (k === kind) return o;
    o += l;
  }
  return -1;
}
