/**
 * The tutorial's `unclean` match, rawgate's definition (the kernel's
 * ipt_unclean is long gone). A packet is unclean when any of these holds:
 * - IP: IHL < 5, total length < header length, IP options that do not parse
 *   (an option other than EOL/NOP with length < 2 or running past the header),
 *   a fragment whose offset + payload exceeds 65535, a non-last fragment
 *   whose payload is not a multiple of 8 bytes;
 * - TCP (first fragment): data offset < 5 or past the IP payload, source or
 *   destination port 0, flag combinations no stack sends: none of
 *   FIN/SYN/RST/ACK/PSH/URG (NULL), SYN+FIN, SYN+RST, FIN+RST, FIN without ACK;
 * - UDP (first fragment): destination port 0, UDP length < 8 or larger than
 *   the IP payload;
 * - ICMP (first fragment): fewer than 8 bytes.
 * Invariant: reads ctx and ctx.buf within the IP header/payload bounds only.
 */
import type { PacketContext } from '../../packet/context.js';

const FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;

function badIpOptions(ctx: PacketContext): boolean {
  const buf = ctx.buf;
  const end = ctx.l3Off + ctx.ipHdrLen;
  if (end > buf.length) return true;
  for (let i = ctx.l3Off + 20; i < end;) {
    const k = buf[i]!;
    if (k === 0) return false; // EOL: the rest is padding
    if (k === 1) { i++; continue; }
    if (i + 1 >= end) return true;
    const len = buf[i + 1]!;
    if (len < 2 || i + len > end) return true;
    i += len;
  }
  return false;
}

export function isUnclean(ctx: PacketContext): boolean {
  if (ctx.ipHdrLen < 20 || ctx.ipTotLen < ctx.ipHdrLen) return true;
  if (ctx.ipHdrLen > 20 && badIpOptions(ctx)) return true;
  const payload = ctx.ipTotLen - ctx.ipHdrLen;
  if (ctx.fragOff * 8 + payload > 65535) return true;
  if (ctx.mf !== 0 && (payload & 7) !== 0) return true;
  if (ctx.fragOff !== 0 || ctx.l4Off < 0) return false;
  switch (ctx.proto) {
    case 6: {
      if (ctx.tcpHdrLen < 20 || ctx.tcpHdrLen > ctx.l4Len) return true;
      if (ctx.sport === 0 || ctx.dport === 0) return true;
      const f = ctx.tcpFlags;
      if ((f & 0x3f) === 0) return true;
      if ((f & (SYN | FIN)) === (SYN | FIN) || (f & (SYN | RST)) === (SYN | RST) || (f & (FIN | RST)) === (FIN | RST)) return true;
      if ((f & FIN) !== 0 && (f & ACK) === 0) return true;
      return false;
    }
    case 17: {
      if (ctx.dport === 0) return true;
      if (ctx.l4Len < 8) return true;
      const at = ctx.l4Off + 4;
      if (at + 2 > ctx.buf.length) return true;
      const ulen = (ctx.buf[at]! << 8) | ctx.buf[at + 1]!;
      return ulen < 8 || ulen > ctx.l4Len;
    }
    case 1:
      return ctx.l4Len < 8;
    default:
      return false;
  }
}
