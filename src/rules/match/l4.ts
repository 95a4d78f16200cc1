/**
 * Matches that read the transport header: tcp, udp, icmp, ah/esp, multiport,
 * tcpmss. Invariants: on a non-first fragment (or when the L4 header is absent,
 * ctx.l4Off < 0) each returns false, inverted or not, as the kernel's do
 * (xt_tcpudp, ip_tables icmp_match, xt_multiport, xt_esp/xt_ah). Kernel
 * "hotdrop" cases (truncated headers, a TCP fragment at offset 1) are the
 * parser's business in rawgate: it drops those packets before rules run.
 * Ports and SPIs are read from ctx; TCP options are walked in ctx.buf.
 */
import type { PacketContext } from '../../packet/context.js';
import type { IcmpMatch, MultiportMatch, SpiMatch, TcpMatch, TcpmssMatch, UdpMatch } from '../matches.js';

const inRange = (v: number, lo: number, hi: number): boolean => v >= lo && v <= hi;

export function matchTcp(m: TcpMatch, ctx: PacketContext): boolean {
  if (ctx.l4Off < 0) return false;
  if (inRange(ctx.sport, m.sport.lo, m.sport.hi) === m.invSport) return false;
  if (inRange(ctx.dport, m.dport.lo, m.dport.hi) === m.invDport) return false;
  if (((ctx.tcpFlags & m.flagsMask) === m.flagsCmp) === m.invFlags) return false;
  if (m.option !== 0) {
    if (ctx.tcpHdrLen < 20) return false;
    if (hasTcpOption(ctx, m.option) === m.invOption) return false;
  }
  return true;
}

/**
 * tcp_find_option's walk over the options (ctx.buf[l4Off+20 .. l4Off+tcpHdrLen)):
 * kinds 0 and 1 are one byte, others skip their length byte (0 read as 1).
 */
export function hasTcpOption(ctx: PacketContext, kind: number): boolean {
  const buf = ctx.buf;
  const start = ctx.l4Off + 20;
  const end = Math.min(ctx.l4Off + ctx.tcpHdrLen, buf.length);
  for (let i = start; i < end;) {
    const k = buf[i]!;
    if (k === kind) return true;
    if (k < 2) i++;
    else {
      const len = i + 1 < end ? buf[i + 1]! : 0;
      i += len === 0 ? 1 : len;
    }
  }
  return false;
}

/** Offset in ctx.buf of the MSS option's value (kind 2, length 4) or -1 (xt_tcpmss's walk). */
export function findMssOption(ctx: PacketContext): number {
  if (ctx.l4Off < 0 || ctx.tcpHdrLen < 20) return -1;
  const buf = ctx.buf;
  const start = ctx.l4Off + 20;
  const end = Math.min(ctx.l4Off + ctx.tcpHdrLen, buf.length);
  for (let i = start; i < end;) {
    const k = buf[i]!;
    if (k === 2 && end - i >= 4 && buf[i + 1] === 4) return i + 2;
    if (k < 2) i++;
    else {
      const len = i + 1 < end ? buf[i + 1]! : 0;
      i += len === 0 ? 1 : len;
    }
  }
  return -1;
}

export function matchUdp(m: UdpMatch, ctx: PacketContext): boolean {
  if (ctx.l4Off < 0) return false;
  return inRange(ctx.sport, m.sport.lo, m.sport.hi) !== m.invSport
    && inRange(ctx.dport, m.dport.lo, m.dport.hi) !== m.invDport;
}

export function matchIcmp(m: IcmpMatch, ctx: PacketContext): boolean {
  if (ctx.l4Off < 0) return false;
  const hit = m.type === 255 || (ctx.icmpType === m.type && ctx.icmpCode >= m.codeLo && ctx.icmpCode <= m.codeHi);
  return hit !== m.invert;
}

export function matchSpi(m: SpiMatch, ctx: PacketContext): boolean {
  if (ctx.l4Off < 0) return false;
  return inRange(ctx.spi >>> 0, m.spiLo >>> 0, m.spiHi >>> 0) !== m.invert;
}

/** ports_match_v1: the first port or range that hits decides; none hitting gives `invert`. */
export function matchMultiport(m: MultiportMatch, ctx: PacketContext): boolean {
  if (ctx.l4Off < 0) return false;
  const src = ctx.sport, dst = ctx.dport, ports = m.ports;
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    if ((m.which !== 'dst' && inRange(src, p.lo, p.hi)) || (m.which !== 'src' && inRange(dst, p.lo, p.hi))) return !m.invert;
  }
  return m.invert;
}

/** xt_tcpmss: the MSS option's value in [lo, hi]; no option gives `invert`. */
export function matchTcpmss(m: TcpmssMatch, ctx: PacketContext): boolean {
  if (ctx.l4Off < 0 || ctx.tcpHdrLen < 20) return false;
  const at = findMssOption(ctx);
  if (at < 0) return m.invert;
  const mss = (ctx.buf[at]! << 8) | ctx.buf[at + 1]!;
  return inRange(mss, m.lo, m.hi) !== m.invert;
}
