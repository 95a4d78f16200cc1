/**
 * Matches that read the transport header: tcp, udp, icmp, ah/esp, ipcomp,
 * multiport, tcpmss, dccp, sctp. Invariants: on a non-first fragment (or when the L4 header is absent,
 * ctx.l4Off < 0) each returns false, inverted or not, as the kernel's do
 * (xt_tcpudp, ip_tables icmp_match, xt_multiport, xt_esp/xt_ah). Kernel
 * "hotdrop" cases (truncated headers, a TCP fragment at offset 1) are the
 * parser's business in rawgate: it drops those packets before rules run.
 * Ports and SPIs are read from ctx; TCP options are walked in ctx.buf.
 * ipcomp reads the CPI at l4Off + 2; a truncated header does not match (the
 * kernel hotdrops it; matches cannot drop in rawgate).
 * dccp (xt_dccp) and sctp (xt_sctp) read their header at ctx.l4Off and
 * combine their tests as the kernel does: a test only when its option was
 * given, each XOR its "!"; a header too short to read makes the match false.
 * Allocation-free per packet (sctp's "all" keeps one scratch map per rule).
 */
import type { PacketContext } from '../../packet/context.js';
import type { DccpMatch } from '../../iptables/ext/dccp.js';
import type { IcmpMatch } from '../../iptables/ext/icmp.js';
import type { MultiportMatch } from '../../iptables/ext/multiport.js';
import type { SctpMatch } from '../../iptables/ext/sctp.js';
import type { SpiMatch } from '../../iptables/ext/ah.js';
import type { TcpMatch } from '../../iptables/ext/tcp.js';
import type { TcpmssMatch } from '../../iptables/ext/tcpmss.js';
import type { UdpMatch } from '../../iptables/ext/udp.js';
import type { IpcompMatch } from '../../iptables/ext/ipcomp.js';

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

export function matchIpcomp(m: IpcompMatch, ctx: PacketContext): boolean {
  if (ctx.fragOff !== 0 || ctx.l4Off < 0 || ctx.l4Len < 4) return false;
  const cpi = (ctx.buf[ctx.l4Off + 2]! << 8) | ctx.buf[ctx.l4Off + 3]!;
  return (cpi >= m.lo && cpi <= m.hi) !== m.invert;
}

const rd16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

/** __dccp_packet_hdr_len by packet type. */
function dccpTypeHdrLen(type: number): number {
  if (type === 2) return 0; // DATA
  if (type === 3 || type === 4 || type === 5 || type === 6 || type === 8 || type === 9) return 8; // ack bits
  if (type === 0) return 4; // REQUEST
  return 12; // RESPONSE, RESET and others
}

/** A dccp/sctp port test: absent (undefined) passes; else in range XOR "!". */
function optRange(v: number, r: { lo: number; hi: number } | undefined, inv: boolean | undefined): boolean {
  return r === undefined || ((v >= r.lo && v <= r.hi) !== (inv === true));
}

export function bindDccp(m: DccpMatch): (ctx: PacketContext) => boolean {
  return (ctx) => {
    if (ctx.l4Off < 0 || ctx.fragOff !== 0 || ctx.l4Len < 12) return false;
    const b = ctx.buf, o = ctx.l4Off;
    if (!optRange(rd16(b, o), m.sport, m.invSport) || !optRange(rd16(b, o + 2), m.dport, m.invDport)) return false;
    const type = (b[o + 8]! >> 1) & 0x0f;
    if (m.types !== undefined && ((m.types & (1 << type)) !== 0) === (m.invTypes === true)) return false;
    if (m.option !== undefined) {
      const x = b[o + 8]! & 1;
      const hdr = 12 + (x ? 4 : 0) + dccpTypeHdrLen(type);
      const doff = b[o + 4]! * 4;
      if (doff < hdr || doff > ctx.l4Len) return false;
      let found = false;
      for (let i = hdr; i < doff;) {
        const op = b[o + i]!;
        if (op === m.option) { found = true; break; }
        if (op < 2) i++;
        else i += i + 1 < doff ? b[o + i + 1]! || 1 : 1;
      }
      if (found === (m.invOption === true)) return false;
    }
    return true;
  };
}

export function bindSctp(m: SctpMatch): (ctx: PacketContext) => boolean {
  const map = new Uint8Array(256);
  for (const c of m.chunks) map[c] = 1;
  const scratch = new Uint8Array(256);
  const flags = m.flags;
  const matchFlags = (type: number, f: number): boolean => {
    for (const x of flags) if (x.chunktype === type) return (f & x.mask) === x.flag;
    return true;
  };
  const chunkTest = (ctx: PacketContext): boolean | undefined => {
    const b = ctx.buf, base = ctx.l3Off, end = ctx.ipTotLen;
    let off = ctx.ipHdrLen + 12;
    if (m.chunkMatch === 'all') scratch.set(map);
    do {
      if (off + 4 > end) return undefined;
      const type = b[base + off]!, f = b[base + off + 1]!, len = rd16(b, base + off + 2);
      if (len === 0) return undefined;
      off += (len + 3) & ~3;
      if (map[type]) {
        if (m.chunkMatch === 'any') { if (matchFlags(type, f)) return true; }
        else if (m.chunkMatch === 'all') { if (matchFlags(type, f)) scratch[type] = 0; }
        else if (!matchFlags(type, f)) return false;
      } else if (m.chunkMatch === 'only') {
        return false;
      }
    } while (off < end);
    if (m.chunkMatch === 'all') {
      for (let i = 0; i < 256; i++) if (scratch[i] !== 0) return false;
      return true;
    }
    return m.chunkMatch === 'only';
  };
  return (ctx) => {
    if (ctx.l4Off < 0 || ctx.fragOff !== 0 || ctx.l4Len < 12) return false;
    const b = ctx.buf, o = ctx.l4Off;
    if (!optRange(rd16(b, o), m.sport, m.invSport) || !optRange(rd16(b, o + 2), m.dport, m.invDport)) return false;
    if (m.chunksGiven) {
      const r = chunkTest(ctx);
      if (r === undefined) return false;
      if (r === (m.invChunks === true)) return false;
    }
    return true;
  };
}
