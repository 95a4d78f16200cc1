/**
 * -j HMARK (net/netfilter/xt_HMARK.c, IPv4): skb->mark = a hash of the
 * packet's (or its connection's) tuple, scaled into [0, modulus) plus offset.
 * - Packet mode: source/destination address under the prefix masks; the
 *   protocol; for TCP/UDP/DCCP/ESP/SCTP/UDP-Lite the 4 bytes at the L4 header
 *   (AH: at +4, the SPI), masked with port-mask and OR-ed with port-set, the
 *   two 16-bit halves ordered so that both directions hash alike. ICMP errors
 *   hash the quoted inner header instead; fragments hash without ports. A
 *   packet too short for the header the kernel reads keeps its mark.
 * - ct mode (--hmark-tuple ct): the original source and the reply source (and
 *   their ports) of the connection; no connection = the mark is left alone.
 * - Addresses are swapped so the smaller comes first (jhash_3words(src, dst,
 *   ports, rnd)), then XOR (proto & proto-mask). Always CONTINUE.
 */
import type { PacketContext } from '../../packet/context.js';
import type { CtView } from '../host.js';
import type { HmarkTarget } from '../../iptables/ext/hmark-target.js';
import { jhash3words, reciprocalScale } from '../jhash.js';
import { Verdict } from '../verdict.js';

/** XT_HMARK_* bit numbers (linux/netfilter/xt_HMARK.h). */
export const HmarkBit = {
  SADDR_MASK: 0, DADDR_MASK: 1, SPI: 2, SPI_MASK: 3, SPORT: 4, DPORT: 5, SPORT_MASK: 6, DPORT_MASK: 7,
  PROTO_MASK: 8, RND: 9, MODULUS: 10, OFFSET: 11, CT: 12, METHOD_L3: 13, METHOD_L3_4: 14,
} as const;

const ICMP = 1;

function rd32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** hmark_swap_ports: mask/set the raw port bytes, larger port in the high half. */
function swapPorts(raw: number, t: HmarkTarget): number {
  const hp = ((raw & t.portMask) | t.portSet) >>> 0;
  const src = hp >>> 16, dst = hp & 0xffff;
  return (dst > src ? (dst << 16) | src : (src << 16) | dst) >>> 0;
}

function portsOffset(proto: number): number {
  switch (proto) {
    case 6: case 17: case 33: case 50: case 132: case 136: return 0;
    case 51: return 4;
    default: return -1;
  }
}

function hash(src: number, dst: number, ports: number, proto: number, t: HmarkTarget): number {
  if (dst < src) { const x = src; src = dst; dst = x; }
  const h = (jhash3words(src, dst, ports, t.hashrnd) ^ (proto & t.protoMask)) >>> 0;
  return (reciprocalScale(h, t.modulus) + t.offset) >>> 0;
}

/** Packet-mode tuple hash, or -1 when the kernel gives up (header not in the packet). */
function packetHash(t: HmarkTarget, ctx: PacketContext): number {
  const b = ctx.buf, end = ctx.l3Off + ctx.ipTotLen;
  let nh = ctx.l3Off;
  if (ctx.proto === ICMP) {
    // get_inner_hdr: an ICMP error quotes the packet it is about; hash that one.
    const icmp = nh + ctx.ipHdrLen;
    if (icmp + 8 <= end) {
      const type = b[icmp]!;
      if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) {
        nh = icmp + 8;
        if (nh + 20 > end) return -1;
      }
    }
  }
  const src = (rd32(b, nh + 12) & t.srcMask) >>> 0;
  const dst = (rd32(b, nh + 16) & t.dstMask) >>> 0;
  const proto = b[nh + 9]!;
  let ports = 0;
  const frag = ((b[nh + 6]! << 8) | b[nh + 7]!) & 0x3fff;
  if (proto !== ICMP && frag === 0) {
    const off = portsOffset(proto);
    const at = nh + (b[nh]! & 0x0f) * 4 + off;
    if (off >= 0 && at + 4 <= end) ports = swapPorts(rd32(b, at), t);
  }
  return hash(src, dst, ports, proto, t);
}

function ctHash(t: HmarkTarget, ctx: PacketContext, ct: CtView): number {
  if (!ct.has(ctx)) return -1;
  const src = (ct.origSrc(ctx) & t.srcMask) >>> 0;
  const dst = (ct.replSrc(ctx) & t.dstMask) >>> 0;
  const proto = ct.proto(ctx);
  const ports = proto !== ICMP ? swapPorts(((ct.origSrcPort(ctx) << 16) | ct.replSrcPort(ctx)) >>> 0, t) : 0;
  return hash(src, dst, ports, proto, t);
}

export function targetHmark(t: HmarkTarget, ctx: PacketContext, ct: CtView): Verdict {
  const h = t.flags & (1 << HmarkBit.CT) ? ctHash(t, ctx, ct) : packetHash(t, ctx);
  if (h >= 0) ctx.mark = h;
  return Verdict.CONTINUE;
}
