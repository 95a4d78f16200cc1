/**
 * ICMP view (RFC 792): type (0), code (1), checksum (2), rest of header (4..8):
 * id/seq for queries, next-hop MTU (6) for 3/4 (RFC 1191), pointer (4) for
 * parameter problem, gateway (4) for redirect; errors quote the offending IP
 * header + data from offset 8.
 * Invariant: callers have checked 8 bytes (parseIPv4 does before setting l4Off).
 */
import { rd16, rd32, wr16 } from './bytes.js';
import { csumReplace16 } from './checksum.js';

export const ICMP_HLEN = 8;
export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_ROUTERADVERT = 9;
export const ICMP_ROUTERSOLICIT = 10;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMPREPLY = 14;
export const ICMP_INFO_REQUEST = 15;
export const ICMP_INFO_REPLY = 16;
export const ICMP_ADDRESS = 17;
export const ICMP_ADDRESSREPLY = 18;

/** Codes for ICMP_DEST_UNREACH. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_SR_FAILED = 5;
export const ICMP_NET_UNKNOWN = 6;
export const ICMP_HOST_UNKNOWN = 7;
export const ICMP_NET_ANO = 9;
export const ICMP_HOST_ANO = 10;
export const ICMP_PKT_FILTERED = 13;
/** Codes for ICMP_TIME_EXCEEDED. */
export const ICMP_EXC_TTL = 0;
export const ICMP_EXC_FRAGTIME = 1;

export const icmpType = (b: Uint8Array, l4: number): number => b[l4];
export const icmpCode = (b: Uint8Array, l4: number): number => b[l4 + 1];
export const icmpChecksum = (b: Uint8Array, l4: number): number => rd16(b, l4 + 2);
export const icmpId = (b: Uint8Array, l4: number): number => rd16(b, l4 + 4);
export const icmpSeq = (b: Uint8Array, l4: number): number => rd16(b, l4 + 6);
/** The 32-bit rest-of-header word. */
export const icmpRest = (b: Uint8Array, l4: number): number => rd32(b, l4 + 4);
/** Next-hop MTU of a 3/4 "fragmentation needed" (0 from pre-RFC 1191 routers). */
export const icmpNextHopMtu = (b: Uint8Array, l4: number): number => rd16(b, l4 + 6);
/** Gateway address of a redirect. */
export const icmpGateway = (b: Uint8Array, l4: number): number => rd32(b, l4 + 4);
/** Pointer of a parameter problem. */
export const icmpPointer = (b: Uint8Array, l4: number): number => b[l4 + 4];
/** Offset of the quoted IP header in an error. */
export const icmpQuotedOff = (l4: number): number => l4 + ICMP_HLEN;

/** Error types: they quote a packet, and no ICMP error is sent about them. */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** Query types carrying an identifier and sequence (echo, timestamp, info, address mask). */
export function isIcmpQuery(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

/** Set the query identifier (NAT of echo), updating the ICMP checksum. */
export function setIcmpId(b: Uint8Array, l4: number, id: number): void {
  const old = rd16(b, l4 + 4);
  wr16(b, l4 + 4, id);
  csumReplace16(b, l4 + 2, old, id & 0xffff);
}
