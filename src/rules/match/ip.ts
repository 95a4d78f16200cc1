/**
 * Matches on IP header fields: dscp, tos, ttl, length, iprange, ecn.
 * Invariants: read ctx fields only (ecn's TCP bits from ctx.tcpFlags, false on
 * a non-first fragment as the ECE/CWR test needs the TCP header); allocation-free.
 */
import type { PacketContext } from '../../packet/context.js';
import type { DscpMatch } from '../../iptables/ext/dscp.js';
import type { EcnMatch } from '../../iptables/ext/ecn.js';
import type { IprangeMatch } from '../../iptables/ext/iprange.js';
import type { LengthMatch } from '../../iptables/ext/length.js';
import type { TosMatch } from '../../iptables/ext/tos.js';
import type { TtlMatch } from '../../iptables/ext/ttl.js';

export function matchDscp(m: DscpMatch, ctx: PacketContext): boolean {
  return ((ctx.tos >> 2) === m.dscp) !== m.invert;
}

export function matchTos(m: TosMatch, ctx: PacketContext): boolean {
  return ((ctx.tos & m.mask) === m.value) !== m.invert;
}

export function matchTtl(m: TtlMatch, ctx: PacketContext): boolean {
  switch (m.mode) {
    case 'eq': return ctx.ttl === m.value;
    case 'ne': return ctx.ttl !== m.value;
    case 'lt': return ctx.ttl < m.value;
    case 'gt': return ctx.ttl > m.value;
  }
}

export function matchLength(m: LengthMatch, ctx: PacketContext): boolean {
  return (ctx.ipTotLen >= m.lo && ctx.ipTotLen <= m.hi) !== m.invert;
}

export function matchIprange(m: IprangeMatch, ctx: PacketContext): boolean {
  if (m.src !== undefined) {
    const a = ctx.saddr >>> 0;
    if ((a >= m.src.lo >>> 0 && a <= m.src.hi >>> 0) === (m.invSrc === true)) return false;
  }
  if (m.dst !== undefined) {
    const a = ctx.daddr >>> 0;
    if ((a >= m.dst.lo >>> 0 && a <= m.dst.hi >>> 0) === (m.invDst === true)) return false;
  }
  return true;
}

const ECE = 0x40, CWR = 0x80;

/** xt_ecn: IP ECT codepoint test, then the TCP ECE / CWR bit tests (each "!"-able). */
export function matchEcn(m: EcnMatch, ctx: PacketContext): boolean {
  if (m.ect !== undefined && ((ctx.tos & 3) === m.ect) === (m.invEct === true)) return false;
  if (m.ece === true || m.cwr === true) {
    if (ctx.l4Off < 0 || ctx.proto !== 6) return false;
    if (m.ece === true && ((ctx.tcpFlags & ECE) !== 0) === (m.invEce === true)) return false;
    if (m.cwr === true && ((ctx.tcpFlags & CWR) !== 0) === (m.invCwr === true)) return false;
  }
  return true;
}
