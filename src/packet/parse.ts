/**
 * The per-packet parser: Ethernet (one optional 802.1Q tag), IPv4, and the
 * fixed L4 header, into the reused PacketContext. A malformed packet is a
 * DropReason, never an exception, and nothing is allocated.
 *
 * Invariants and decisions:
 * - Every parsed field of ctx is written on every call (L2, IPv4, L4);
 *   pipeline metadata (inIf, mark, ct*, ...) is not touched.
 * - Checks, in order: Ethernet header (14/18) → FRAME_TRUNCATED; ethertype
 *   ≠ IPv4 → NOT_IPV4 (use ethertypeOf to tell ARP apart); version → IP_BAD_VERSION;
 *   < 20 bytes → IP_TRUNCATED; IHL < 5 or beyond the frame → IP_BAD_IHL;
 *   total length beyond the frame or < IHL*4 → IP_BAD_TOTAL_LENGTH;
 *   header checksum → IP_BAD_CHECKSUM. The IP header fields are filled once
 *   the header is known to fit (so a drop can still be logged with them).
 * - Bytes after the IP total length (Ethernet padding) are ignored: ipTotLen
 *   is authoritative.
 * - Non-first fragments: l4Off = -1, every L4 field 0.
 * - A first fragment (or whole packet) too short for the fixed L4 header the
 *   kernel's matches read (TCP 20, UDP/UDP-Lite/ICMP/ESP 8, AH/SCTP/DCCP 12)
 *   is NOT dropped here: parse returns NONE with l4Off = -1 and fragOff = 0,
 *   like the kernel, which forwards it unless something reads the header —
 *   then the tcp/udp/icmp match hotdrops it. checkL4(ctx) says
 *   L4_TRUNCATED for that case; matches and local delivery use it.
 * - Other protocols: l4Off is the payload start (l4Len may be 0).
 * - pktType from the destination MAC alone (broadcast/multicast/host); a port
 *   that knows its MAC refines it with pktTypeOf (OTHERHOST).
 * - tcpHdrLen is doff*4 as sent (may be < 20 or beyond l4Len when malformed;
 *   pass min(tcpHdrLen, l4Len) to option walks).
 */
import type { PacketContext } from './context.js';
import { DropReason } from './drop-reason.js';
import { rd16, rd32 } from './bytes.js';
import { ipHeaderChecksumOk } from './checksum.js';
import { ETH_HLEN, ETH_P_8021Q, ETH_P_IP, ETH_VLAN_HLEN, PacketType, pktTypeNoMac } from './ethernet.js';
import { isIcmpQuery } from './icmp.js';

/** Minimum L4 header parsed per protocol (0: none required). */
export function l4HeaderMin(proto: number): number {
  switch (proto) {
    case 6: return 20; // TCP
    case 17: case 136: case 1: case 50: return 8; // UDP, UDP-Lite, ICMP, ESP
    case 51: case 132: case 33: return 12; // AH, SCTP, DCCP
    default: return 0;
  }
}

function clearL4(ctx: PacketContext): void {
  ctx.l4Off = -1;
  ctx.l4Len = 0;
  ctx.sport = 0;
  ctx.dport = 0;
  ctx.tcpFlags = 0;
  ctx.tcpSeq = 0;
  ctx.tcpAck = 0;
  ctx.tcpHdrLen = 0;
  ctx.tcpWindow = 0;
  ctx.icmpType = 0;
  ctx.icmpCode = 0;
  ctx.icmpId = 0;
  ctx.icmpSeq = 0;
  ctx.spi = 0;
}

function clearL3(ctx: PacketContext): void {
  ctx.ipHdrLen = 0;
  ctx.ipTotLen = 0;
  ctx.tos = 0;
  ctx.ipId = 0;
  ctx.fragOff = 0;
  ctx.mf = 0;
  ctx.df = 0;
  ctx.ttl = 0;
  ctx.proto = 0;
  ctx.saddr = 0;
  ctx.daddr = 0;
}

/**
 * Parse a frame: Ethernet (l2 = true) or a bare IP packet (l2 = false, TUN).
 * Sets buf/frameOff/frameLen/l2Len/vlanTci/pktType, then as parseIPv4.
 */
export function parseFrame(ctx: PacketContext, buf: Uint8Array, off: number, len: number, l2: boolean): DropReason {
  ctx.buf = buf;
  ctx.frameOff = off;
  ctx.frameLen = len;
  if (!l2) {
    ctx.l2Len = 0;
    ctx.vlanTci = -1;
    ctx.pktType = PacketType.HOST;
    return parseIPv4(ctx, buf, off, len);
  }
  ctx.l2Len = 0;
  ctx.vlanTci = -1;
  ctx.pktType = PacketType.HOST;
  if (len < ETH_HLEN) return notIp(ctx, off, DropReason.FRAME_TRUNCATED);
  ctx.pktType = pktTypeNoMac(buf, off);
  let type = rd16(buf, off + 12);
  let hl = ETH_HLEN;
  if (type === ETH_P_8021Q) {
    if (len < ETH_VLAN_HLEN) return notIp(ctx, off, DropReason.FRAME_TRUNCATED);
    ctx.vlanTci = rd16(buf, off + 14);
    type = rd16(buf, off + 16);
    hl = ETH_VLAN_HLEN;
  }
  ctx.l2Len = hl;
  if (type !== ETH_P_IP) return notIp(ctx, off + hl, DropReason.NOT_IPV4);
  return parseIPv4(ctx, buf, off + hl, len - hl);
}

function notIp(ctx: PacketContext, l3Off: number, reason: DropReason): DropReason {
  ctx.l3Off = l3Off;
  clearL3(ctx);
  clearL4(ctx);
  return reason;
}

/**
 * Parse the IPv4 packet at l3Off with `avail` bytes of frame left. Sets
 * ctx.buf and ctx.l3Off and every IPv4 and L4 field; L2 fields are untouched.
 */
export function parseIPv4(ctx: PacketContext, buf: Uint8Array, l3Off: number, avail: number): DropReason {
  ctx.buf = buf;
  ctx.l3Off = l3Off;
  clearL4(ctx);
  if (avail < 1) return notIp(ctx, l3Off, DropReason.IP_TRUNCATED);
  const b0 = buf[l3Off];
  if ((b0 >>> 4) !== 4) return notIp(ctx, l3Off, DropReason.IP_BAD_VERSION);
  if (avail < 20) return notIp(ctx, l3Off, DropReason.IP_TRUNCATED);
  const hl = (b0 & 0x0f) << 2;
  if (hl < 20 || hl > avail) return notIp(ctx, l3Off, DropReason.IP_BAD_IHL);

  const tot = rd16(buf, l3Off + 2);
  const frag = rd16(buf, l3Off + 6);
  const proto = buf[l3Off + 9];
  ctx.ipHdrLen = hl;
  ctx.ipTotLen = tot;
  ctx.tos = buf[l3Off + 1];
  ctx.ipId = rd16(buf, l3Off + 4);
  ctx.fragOff = frag & 0x1fff;
  ctx.mf = (frag >>> 13) & 1;
  ctx.df = (frag >>> 14) & 1;
  ctx.ttl = buf[l3Off + 8];
  ctx.proto = proto;
  ctx.saddr = rd32(buf, l3Off + 12);
  ctx.daddr = rd32(buf, l3Off + 16);
  if (tot > avail || tot < hl) return DropReason.IP_BAD_TOTAL_LENGTH;
  if (!ipHeaderChecksumOk(buf, l3Off, hl)) return DropReason.IP_BAD_CHECKSUM;

  if ((frag & 0x1fff) !== 0) return DropReason.NONE;
  const l4 = l3Off + hl;
  const l4Len = tot - hl;
  if (l4Len < l4HeaderMin(proto)) return DropReason.NONE; // truncated: see checkL4
  ctx.l4Off = l4;
  ctx.l4Len = l4Len;
  switch (proto) {
    case 6: // TCP
      ctx.sport = rd16(buf, l4);
      ctx.dport = rd16(buf, l4 + 2);
      ctx.tcpSeq = rd32(buf, l4 + 4);
      ctx.tcpAck = rd32(buf, l4 + 8);
      ctx.tcpHdrLen = (buf[l4 + 12] >>> 4) << 2;
      ctx.tcpFlags = buf[l4 + 13];
      ctx.tcpWindow = rd16(buf, l4 + 14);
      break;
    case 17: case 136: case 132: case 33: // UDP, UDP-Lite, SCTP, DCCP: ports first
      ctx.sport = rd16(buf, l4);
      ctx.dport = rd16(buf, l4 + 2);
      break;
    case 1: { // ICMP
      const t = buf[l4];
      ctx.icmpType = t;
      ctx.icmpCode = buf[l4 + 1];
      if (isIcmpQuery(t)) {
        ctx.icmpId = rd16(buf, l4 + 4);
        ctx.icmpSeq = rd16(buf, l4 + 6);
      }
      break;
    }
    case 50: // ESP
      ctx.spi = rd32(buf, l4);
      break;
    case 51: // AH
      ctx.spi = rd32(buf, l4 + 4);
      break;
  }
  return DropReason.NONE;
}

/**
 * L4_TRUNCATED when the packet is a first fragment (or whole) whose L4
 * header was too short to parse, else NONE. For a successfully parsed ctx.
 */
export function checkL4(ctx: PacketContext): DropReason {
  return ctx.l4Off < 0 && ctx.fragOff === 0 && l4HeaderMin(ctx.proto) > 0 ? DropReason.L4_TRUNCATED : DropReason.NONE;
}

/** True when the TCP data offset is sane: 20 ≤ doff*4 ≤ the segment (options readable). */
export function tcpHeaderSane(ctx: PacketContext): boolean {
  return ctx.tcpHdrLen >= 20 && ctx.tcpHdrLen <= ctx.l4Len;
}
