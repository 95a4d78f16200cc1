/**
 * TCP view (RFC 9293): sport (0), dport (2), seq (4), ack (8), data offset and
 * reserved bits (12), flags (13), window (14), checksum (16), urgent (18),
 * options (20 .. doff*4).
 * Invariants: callers have checked 20 bytes (parseIPv4 does). Option walks
 * take the option end from the caller and never read past it; they walk the
 * way the kernel's xt_tcpudp / xt_tcpmss do (kinds 0 and 1 are one byte, a
 * zero length advances one byte, EOL does not stop the walk).
 */
import { rd16, rd32, wr16 } from './bytes.js';
import { csumReplace16 } from './checksum.js';

export const TCP_HLEN = 20;
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;
export const TCPOLEN_MSS = 4;

export const tcpSport = (b: Uint8Array, l4: number): number => rd16(b, l4);
export const tcpDport = (b: Uint8Array, l4: number): number => rd16(b, l4 + 2);
export const tcpSeq = (b: Uint8Array, l4: number): number => rd32(b, l4 + 4);
export const tcpAck = (b: Uint8Array, l4: number): number => rd32(b, l4 + 8);
/** Header length in bytes (data offset * 4); may be < 20 or beyond the segment in a malformed one. */
export const tcpHdrLen = (b: Uint8Array, l4: number): number => (b[l4 + 12] >>> 4) << 2;
/** The four reserved bits (the LOG target's RES=, bit 0 is AccECN's AE). */
export const tcpResBits = (b: Uint8Array, l4: number): number => b[l4 + 12] & 0x0f;
export const tcpFlags = (b: Uint8Array, l4: number): number => b[l4 + 13];
export const tcpWindow = (b: Uint8Array, l4: number): number => rd16(b, l4 + 14);
export const tcpChecksum = (b: Uint8Array, l4: number): number => rd16(b, l4 + 16);
export const tcpUrgPtr = (b: Uint8Array, l4: number): number => rd16(b, l4 + 18);

/** Port rewrites with the checksum updated (RFC 1624). */
export function setTcpSport(b: Uint8Array, l4: number, port: number): void {
  const old = rd16(b, l4);
  wr16(b, l4, port);
  csumReplace16(b, l4 + 16, old, port & 0xffff);
}

export function setTcpDport(b: Uint8Array, l4: number, port: number): void {
  const old = rd16(b, l4 + 2);
  wr16(b, l4 + 2, port);
  csumReplace16(b, l4 + 16, old, port & 0xffff);
}

/**
 * Offset of the first option of `kind` in the options of the segment at l4,
 * whose header is hdrLen bytes (pass min(doff*4, bytes available)); -1 if
 * absent. Walks like the kernel's tcp_find_option (xt_tcpudp).
 */
export function tcpOptionFind(b: Uint8Array, l4: number, hdrLen: number, kind: number): number {
  const end = l4 + hdrLen;
  let i = l4 + TCP_HLEN;
  while (i < end) {
    const k = b[i];
    if (k === kind) return i;
    if (k < 2 || i + 1 >= end) i++;
    else i += b[i + 1] || 1;
  }
  return -1;
}

/** Offset of a well-formed MSS option (kind 2, length 4, fully inside the header), or -1. */
export function tcpMssOptionOff(b: Uint8Array, l4: number, hdrLen: number): number {
  const end = l4 + hdrLen;
  let i = l4 + TCP_HLEN;
  while (i < end) {
    const k = b[i];
    if (k === TCPOPT_MSS && end - i >= TCPOLEN_MSS && b[i + 1] === TCPOLEN_MSS) return i;
    if (k < 2 || i + 1 >= end) i++;
    else i += b[i + 1] || 1;
  }
  return -1;
}

/** The MSS option's value, or -1 when there is none. */
export function tcpMss(b: Uint8Array, l4: number, hdrLen: number): number {
  const o = tcpMssOptionOff(b, l4, hdrLen);
  return o < 0 ? -1 : rd16(b, o + 2);
}

/**
 * Rewrite the MSS option's value, updating the checksum (the value may sit at
 * an odd distance from the header start). Returns false when there is no MSS option.
 */
export function setTcpMss(b: Uint8Array, l4: number, hdrLen: number, mss: number): boolean {
  const o = tcpMssOptionOff(b, l4, hdrLen);
  if (o < 0) return false;
  const old = rd16(b, o + 2);
  wr16(b, o + 2, mss);
  csumReplace16(b, l4 + 16, old, mss & 0xffff, ((o + 2 - l4) & 1) === 1);
  return true;
}
