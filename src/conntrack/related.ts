/**
 * RELATED ICMP errors (nf_conntrack_icmpv4_error / nf_conntrack_inet_error):
 * the error quotes the packet it answers; that packet's tuple, inverted, is
 * the direction the error travels in, and it must be a known connection whose
 * destination in that direction is the error's outer destination.
 * Invariant: reads only inside ctx's ICMP payload (bounds checked once),
 * fills the caller's scratch tuples, allocates nothing.
 */
import type { PacketContext } from '../packet/context.js';
import { InvalidReason } from './invalid.js';
import type { ConntrackTable } from './table.js';
import { PROTO_ICMP, type Tuple, hasPorts, invert } from './tuple.js';

const rd16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const rd32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/**
 * The hash node (slot * 2 + dir) of the connection an ICMP error in ctx is
 * about, or a negated InvalidReason. `t` and `r` are scratch tuples.
 */
export function relatedLookup(ctx: PacketContext, table: ConntrackTable, t: Tuple, r: Tuple, now: number): number {
  const buf = ctx.buf;
  const inner = ctx.l4Off + 8;
  const avail = ctx.l4Len - 8;
  if (avail < 20 || (buf[inner] >>> 4) !== 4) return -InvalidReason.ICMP_ERROR_BAD_INNER;
  const ihl = (buf[inner] & 0x0f) << 2;
  // nf_ct_get_tuplepr needs the inner header and the first 8 bytes of its L4 header.
  if (ihl < 20 || avail < ihl + 8) return -InvalidReason.ICMP_ERROR_BAD_INNER;
  if ((rd16(buf, inner + 6) & 0x1fff) !== 0) return -InvalidReason.ICMP_ERROR_BAD_INNER;
  const proto = buf[inner + 9];
  const l4 = inner + ihl;
  t.src = rd32(buf, inner + 12);
  t.dst = rd32(buf, inner + 16);
  t.proto = proto;
  if (hasPorts(proto)) t.ports = rd32(buf, l4);
  else if (proto === PROTO_ICMP) t.ports = ((rd16(buf, l4 + 4) << 16) | (buf[l4] << 8) | buf[l4 + 1]) >>> 0;
  else t.ports = 0;
  if (!invert(t, r)) return -InvalidReason.ICMP_ERROR_BAD_INNER;
  const node = table.find(r, ctx.ctZone, now);
  if (node < 0) return -InvalidReason.ICMP_ERROR_NO_CONNECTION;
  if (table.dst(node) !== ctx.daddr) return -InvalidReason.ICMP_ERROR_BAD_OUTER;
  return node;
}
