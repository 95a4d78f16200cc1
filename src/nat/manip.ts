/**
 * Rewriting a packet's addresses and ports for NAT (nf_nat_ipv4_manip_pkt,
 * the l4 manip functions, nf_nat_icmp_reply_translation), with incremental
 * checksums (RFC 1624) where the kernel updates them and a full ICMP
 * checksum where it recomputes one.
 * Invariants:
 * - Works on bytes already validated by the parser (the outer header, the L4
 *   header); the inner packet of an ICMP error is bounds-checked here.
 * - Updates the context's parsed fields with the bytes, so rules after the
 *   NAT entry (and routing) see the translated packet.
 * - Allocates nothing.
 */
import type { PacketContext } from '../packet/context.js';
import { csumReplace16, csumReplace32, setIcmpChecksum, udpCsumReplace16, udpCsumReplace32 } from '../packet/checksum.js';

/** Which side a manip rewrites (NF_NAT_MANIP_SRC / _DST). */
export const Manip = { SRC: 0, DST: 1 } as const;

const rd16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const rd32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const wr16 = (b: Uint8Array, o: number, v: number): void => { b[o] = v >>> 8; b[o + 1] = v & 255; };
const wr32 = (b: Uint8Array, o: number, v: number): void => { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255; };

/** ICMP types tracked by id (echo, timestamp, info, address mask and their replies). */
function icmpQuery(t: number): boolean {
  return t === 0 || t === 8 || (t >= 13 && t <= 18);
}

/**
 * Rewrite one IPv4 packet at l3 in buf: the source (SRC) or destination (DST)
 * address to `addr` and its L4 "port" to `port` (TCP/UDP port; ICMP query id
 * whichever the side). `l4Avail` is how many L4 bytes are present: a TCP
 * checksum is only fixed when the whole 20-byte header is (as the kernel,
 * for quoted packets). Returns nothing; never fails on validated input.
 */
export function manipIp(buf: Uint8Array, l3: number, l4: number, l4Avail: number, proto: number, side: number, addr: number, port: number): void {
  const at = side === Manip.SRC ? l3 + 12 : l3 + 16;
  const oldAddr = rd32(buf, at);
  if (l4 >= 0) {
    if (proto === 6 && l4Avail >= 20) {
      const po = side === Manip.SRC ? l4 : l4 + 2;
      const oldPort = rd16(buf, po);
      csumReplace32(buf, l4 + 16, oldAddr, addr);
      if (oldPort !== port) {
        wr16(buf, po, port);
        csumReplace16(buf, l4 + 16, oldPort, port);
      }
    } else if (proto === 6 && l4Avail >= 4) {
      wr16(buf, side === Manip.SRC ? l4 : l4 + 2, port);
    } else if (proto === 17 && l4Avail >= 8) {
      const po = side === Manip.SRC ? l4 : l4 + 2;
      const oldPort = rd16(buf, po);
      udpCsumReplace32(buf, l4 + 6, oldAddr, addr);
      if (oldPort !== port) {
        wr16(buf, po, port);
        udpCsumReplace16(buf, l4 + 6, oldPort, port);
      }
    } else if (proto === 1 && l4Avail >= 8 && icmpQuery(buf[l4])) {
      const oldId = rd16(buf, l4 + 4);
      if (oldId !== port) {
        wr16(buf, l4 + 4, port);
        csumReplace16(buf, l4 + 2, oldId, port);
      }
    }
  }
  if (oldAddr !== addr) {
    wr32(buf, at, addr);
    csumReplace32(buf, l3 + 10, oldAddr, addr);
  }
}

/** manipIp on the packet in ctx, then its parsed fields follow. */
export function manipPacket(ctx: PacketContext, side: number, addr: number, port: number): void {
  manipIp(ctx.buf, ctx.l3Off, ctx.l4Off, ctx.l4Len, ctx.proto, side, addr, port);
  if (side === Manip.SRC) {
    ctx.saddr = addr;
    if (ctx.proto === 6 || ctx.proto === 17) ctx.sport = port;
  } else {
    ctx.daddr = addr;
    if (ctx.proto === 6 || ctx.proto === 17) ctx.dport = port;
  }
  if (ctx.proto === 1 && icmpQuery(ctx.icmpType)) ctx.icmpId = port;
}

/**
 * An ICMP error about a NATed connection (nf_nat_icmp_reply_translation):
 * the quoted packet gets the opposite manip (innerSide) to innerAddr/innerPort,
 * the ICMP checksum is recomputed over the message, then the outer header gets
 * `side` to outerAddr (addresses only: an error has no id to translate).
 * False when the quoted header is too short to translate.
 */
export function translateIcmpError(ctx: PacketContext, innerSide: number, innerAddr: number, innerPort: number, side: number, outerAddr: number): boolean {
  const buf = ctx.buf;
  const inner = ctx.l4Off + 8;
  const avail = ctx.l4Len - 8;
  if (avail < 20) return false;
  const ihl = (buf[inner] & 0x0f) << 2;
  if (ihl < 20 || avail < ihl) return false;
  manipIp(buf, inner, avail >= ihl + 4 ? inner + ihl : -1, avail - ihl, buf[inner + 9], innerSide, innerAddr, innerPort);
  setIcmpChecksum(buf, ctx.l4Off, ctx.l4Len);
  manipIp(buf, ctx.l3Off, -1, 0, 1, side, outerAddr, 0);
  if (side === Manip.SRC) ctx.saddr = outerAddr;
  else ctx.daddr = outerAddr;
  return true;
}
