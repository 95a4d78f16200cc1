/**
 * Conntrack tuples as four numbers: source, destination, a 32-bit "ports"
 * word and the protocol. For TCP/UDP ports = sport << 16 | dport; for ICMP
 * (nf_conntrack_proto_icmp) ports = id << 16 | type << 8 | code, so the reply
 * tuple of an echo is the same id with the inverse type; other protocols use
 * ports = 0 (the generic tracker: addresses and protocol).
 * Invariants:
 * - A Tuple is a reusable scratch record: functions fill one the caller owns;
 *   nothing here allocates.
 * - All fields are unsigned 32-bit numbers (>>> 0).
 */
import type { PacketContext } from '../packet/context.js';

export class Tuple {
  src = 0;
  dst = 0;
  ports = 0;
  proto = 0;
}

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_UDPLITE = 136;

/** ICMP query types and their replies (ECHO/TIMESTAMP/INFO/ADDRESS); -1: no inverse. */
const ICMP_INVERSE = new Int8Array(256).fill(-1);
for (const [a, b] of [[8, 0], [13, 14], [15, 16], [17, 18]]) {
  ICMP_INVERSE[a] = b;
  ICMP_INVERSE[b] = a;
}

/** The ICMP type answering `t`, or -1 when t has no inverse (so cannot be tracked as a query). */
export function icmpInverse(t: number): number {
  return ICMP_INVERSE[t & 0xff];
}

/** ICMP types that may start a connection (icmp_new's valid_new). */
export function icmpStartsConnection(t: number): boolean {
  return t === 8 || t === 13 || t === 15 || t === 17;
}

/** ICMP error types (icmp_is_err): DEST_UNREACH, SOURCE_QUENCH, REDIRECT, TIME_EXCEEDED, PARAMETERPROB. */
export function icmpIsError(t: number): boolean {
  return t === 3 || t === 4 || t === 5 || t === 11 || t === 12;
}

/** Whether a protocol has ports in its tuple. */
export function hasPorts(proto: number): boolean {
  return proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_UDPLITE || proto === 132 || proto === 33;
}

/**
 * Fill `t` from the parsed packet. False when the packet has no usable L4
 * header for a protocol that needs one (the caller marks it INVALID).
 */
export function tupleOf(ctx: PacketContext, t: Tuple): boolean {
  t.src = ctx.saddr;
  t.dst = ctx.daddr;
  const p = ctx.proto;
  t.proto = p;
  if (hasPorts(p)) {
    if (ctx.l4Off < 0) return false;
    t.ports = ((ctx.sport << 16) | ctx.dport) >>> 0;
    return true;
  }
  if (p === PROTO_ICMP) {
    if (ctx.l4Off < 0) return false;
    t.ports = ((ctx.icmpId << 16) | (ctx.icmpType << 8) | ctx.icmpCode) >>> 0;
    return true;
  }
  t.ports = 0;
  return true;
}

/** The reply-direction tuple of `o` into `r` (nf_ct_invert_tuple). False when ICMP has no inverse type. */
export function invert(o: Tuple, r: Tuple): boolean {
  const src = o.src;
  r.src = o.dst;
  r.dst = src;
  r.proto = o.proto;
  if (hasPorts(o.proto)) {
    r.ports = ((o.ports << 16) | (o.ports >>> 16)) >>> 0;
    return true;
  }
  if (o.proto === PROTO_ICMP) {
    const inv = icmpInverse((o.ports >>> 8) & 0xff);
    if (inv < 0) return false;
    r.ports = ((o.ports & 0xffff00ff) | (inv << 8)) >>> 0;
    return true;
  }
  r.ports = 0;
  return true;
}

export const sportOf = (ports: number): number => ports >>> 16;
export const dportOf = (ports: number): number => ports & 0xffff;
