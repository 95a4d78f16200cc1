/**
 * The LOG target's line in the kernel's format (net/netfilter/nf_log_syslog.c,
 * Linux 6.18), so grep habits and log parsers keep working:
 *   <prefix>IN=<in> OUT=<out> [MAC=<dst>:<src>:<type> ]SRC=.. DST=.. LEN=.. TOS=0x.. PREC=0x.. TTL=.. ID=..
 *   [CE ][DF ][MF ][FRAG:n ][OPT (..) ]PROTO=... [UID=u GID=g ][MARK=0x.. ]
 * Each field is followed by a space, so the line ends with one (except where
 * the kernel itself stops on "TRUNCATED" / "OPT (TRUNCATED)").
 *
 * Like the kernel, the line is built from the packet bytes (the IP header at
 * ctx.l3Off, ctx.ipTotLen bytes long = skb->len), not from the parsed fields;
 * only the metadata (devices, mark, uid/gid) comes from ctx. Decisions that
 * follow the kernel exactly:
 * - MAC= is printed whenever there is an input device (PREROUTING/INPUT/
 *   FORWARD), as "MAC= " when the port has no L2 header (TUN). With
 *   --log-macdecode an Ethernet port prints MACSRC/MACDST[/VPROTO VID]/MACPROTO.
 *   After a VLAN tag the ethertype printed is the inner one (the kernel has
 *   untagged the frame before IP sees it).
 * - CE is the reserved IP flag 0x8000 (not the ECN bits of TOS).
 * - RES= is the 3 reserved TCP bits (0x0E000000 >> 22); the AE bit (ex-NS) is
 *   printed as "AE " before CWR (Linux ≥ 6.15).
 * - Non-first fragments print only PROTO=TCP/UDP/UDPLITE/ICMP/ESP; AH prints nothing.
 * - A TCP/UDP header that does not fit, an IP option or TCP option run that
 *   does not fit, ends the line there: no UID/MARK follow (the kernel returns).
 * - ICMP errors (3, 4, 5, 11) quote the inner packet in "[...] ", one level
 *   deep, with the same flags; 12 prints PARAMETER and does not recurse; 5
 *   prints GATEWAY and then recurses.
 * This runs only for packets that hit a LOG rule (string building is allowed
 * here; a global rate bound belongs to the operations issue).
 */
import type { PacketContext } from '../packet/context.js';

const HEX = '0123456789abcdef';

/** LOG flag bits as the model stores them (xt_LOG.h XT_LOG_*; see iptables/ext/log-target.ts). */
export const LogFlags = { TCP_SEQ: 0x01, TCP_OPT: 0x02, IP_OPT: 0x04, UID: 0x08, MACDECODE: 0x20 } as const;

/** ICMP types whose fixed part must be present before the kernel decodes it (required_len[]). */
const ICMP_REQUIRED: readonly number[] = [4, 0, 0, 28, 28, 28, 0, 0, 4, 0, 0, 28, 28, 20, 20, 0, 0, 12, 12];

function rd16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function rd32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function ipAt(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** %02x */
function hex2(n: number): string {
  return HEX[(n >> 4) & 15] + HEX[n & 15];
}

/** %02X */
function hex2u(n: number): string {
  return hex2(n).toUpperCase();
}

/** Bytes as %02X each, no separator. */
function hexRun(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += hex2(b[off + i]);
  return s.toUpperCase();
}

/** %pM */
function macAt(b: Uint8Array, o: number): string {
  let s = hex2(b[o]);
  for (let i = 1; i < 6; i++) s += ':' + hex2(b[o + i]);
  return s;
}

/** The kernel's "skb->len - offset" printed with %u (wraps when negative). */
function u32(n: number): number {
  return n >>> 0;
}

/** The line being built (shared by the outer and the quoted packet). */
interface Out {
  s: string;
}

export function formatLogLine(ctx: PacketContext, prefix: string, flags: number, inName: string, outName: string): string {
  const out: Out = { s: `${prefix}IN=${inName} OUT=${outName} ` };
  if (ctx.inIf >= 0) out.s += macPart(ctx, flags);
  const end = ctx.l3Off + ctx.ipTotLen;
  if (!dumpIPv4(out, ctx.buf, ctx.l3Off, end, flags, true)) return out.s;
  if ((flags & LogFlags.UID) !== 0 && ctx.local && ctx.uid >= 0) out.s += `UID=${ctx.uid >>> 0} GID=${ctx.gid >>> 0} `;
  if (ctx.mark !== 0) out.s += `MARK=0x${(ctx.mark >>> 0).toString(16)} `;
  return out.s;
}

/** dump_mac_header for an input device. */
function macPart(ctx: PacketContext, flags: number): string {
  const b = ctx.buf;
  const f = ctx.frameOff;
  if (ctx.l2Len <= 0) return 'MAC= '; // no hard header (TUN): the kernel prints "MAC=" and the space
  // The ethertype the kernel shows is the one after any VLAN tag it stripped.
  const t = f + ctx.l2Len - 2;
  if ((flags & LogFlags.MACDECODE) !== 0) {
    let s = `MACSRC=${macAt(b, f + 6)} MACDST=${macAt(b, f)} `;
    if (ctx.l2Len >= 18) s += `VPROTO=${hex2(b[f + 12])}${hex2(b[f + 13])} VID=${rd16(b, f + 14) & 0x0fff} `;
    return s + `MACPROTO=${hex2(b[t])}${hex2(b[t + 1])} `;
  }
  let s = 'MAC=' + hex2(b[f]);
  for (let i = 1; i < 12; i++) s += ':' + hex2(b[f + i]);
  return s + `:${hex2(b[t])}:${hex2(b[t + 1])} `;
}

/**
 * dump_ipv4_packet for the header at `iph`, with the packet (skb) ending at
 * `end`. `top` is false for the packet quoted in an ICMP error. Returns false
 * when the kernel returns early (the caller then adds no UID/MARK).
 */
function dumpIPv4(out: Out, b: Uint8Array, iph: number, end: number, flags: number, top: boolean): boolean {
  if (end - iph < 20) {
    out.s += 'TRUNCATED';
    return false;
  }
  const ihl = (b[iph] & 15) * 4;
  const tos = b[iph + 1];
  const fo = rd16(b, iph + 6);
  const frag = fo & 0x1fff;
  let s = `SRC=${ipAt(b, iph + 12)} DST=${ipAt(b, iph + 16)} `;
  s += `LEN=${rd16(b, iph + 2)} TOS=0x${hex2u(tos & 0x1e)} PREC=0x${hex2u(tos & 0xe0)} TTL=${b[iph + 8]} ID=${rd16(b, iph + 4)} `;
  if (fo & 0x8000) s += 'CE ';
  if (fo & 0x4000) s += 'DF ';
  if (fo & 0x2000) s += 'MF ';
  if (frag !== 0) s += `FRAG:${frag} `;
  if ((flags & LogFlags.IP_OPT) !== 0 && ihl > 20) {
    if (iph + ihl > end) {
      out.s += s + 'TRUNCATED';
      return false;
    }
    s += `OPT (${hexRun(b, iph + 20, ihl - 20)}) `;
  }
  out.s += s;

  const l4 = iph + ihl;
  const avail = end - l4;
  const proto = b[iph + 9];
  switch (proto) {
    case 6:
      return tcpPart(out, b, l4, end, frag, flags);
    case 17:
    case 136: {
      out.s += proto === 17 ? 'PROTO=UDP ' : 'PROTO=UDPLITE ';
      if (frag !== 0) return true;
      if (avail < 8) {
        out.s += `INCOMPLETE [${u32(avail)} bytes] `;
        return false;
      }
      out.s += `SPT=${rd16(b, l4)} DPT=${rd16(b, l4 + 2)} LEN=${rd16(b, l4 + 4)} `;
      return true;
    }
    case 1:
      icmpPart(out, b, l4, end, frag, flags, top);
      return true;
    case 51: // AH: nothing at all for a non-first fragment
      if (frag !== 0) return true;
      out.s += 'PROTO=AH ';
      out.s += avail < 12 ? `INCOMPLETE [${u32(avail)} bytes] ` : `SPI=0x${rd32(b, l4 + 4).toString(16)} `;
      return true;
    case 50:
      out.s += 'PROTO=ESP ';
      if (frag !== 0) return true;
      out.s += avail < 8 ? `INCOMPLETE [${u32(avail)} bytes] ` : `SPI=0x${rd32(b, l4).toString(16)} `;
      return true;
    default:
      out.s += `PROTO=${proto} `;
      return true;
  }
}

/** nf_log_dump_tcp_header. */
function tcpPart(out: Out, b: Uint8Array, l4: number, end: number, frag: number, flags: number): boolean {
  out.s += 'PROTO=TCP ';
  if (frag !== 0) return true;
  if (end - l4 < 20) {
    out.s += `INCOMPLETE [${u32(end - l4)} bytes] `;
    return false;
  }
  let s = `SPT=${rd16(b, l4)} DPT=${rd16(b, l4 + 2)} `;
  if ((flags & LogFlags.TCP_SEQ) !== 0) s += `SEQ=${rd32(b, l4 + 4)} ACK=${rd32(b, l4 + 8)} `;
  const b12 = b[l4 + 12];
  const fl = b[l4 + 13];
  s += `WINDOW=${rd16(b, l4 + 14)} RES=0x${hex2((b12 & 0x0e) << 2)} `;
  if (b12 & 0x01) s += 'AE ';
  if (fl & 0x80) s += 'CWR ';
  if (fl & 0x40) s += 'ECE ';
  if (fl & 0x20) s += 'URG ';
  if (fl & 0x10) s += 'ACK ';
  if (fl & 0x08) s += 'PSH ';
  if (fl & 0x04) s += 'RST ';
  if (fl & 0x02) s += 'SYN ';
  if (fl & 0x01) s += 'FIN ';
  s += `URGP=${rd16(b, l4 + 18)} `;
  const hl = (b12 >> 4) * 4;
  if ((flags & LogFlags.TCP_OPT) !== 0 && hl > 20) {
    if (l4 + hl > end) {
      out.s += s + 'OPT (TRUNCATED)';
      return false;
    }
    s += `OPT (${hexRun(b, l4 + 20, hl - 20)}) `;
  }
  out.s += s;
  return true;
}

/** The IPPROTO_ICMP case of dump_ipv4_packet (never ends the line early). */
function icmpPart(out: Out, b: Uint8Array, l4: number, end: number, frag: number, flags: number, top: boolean): void {
  out.s += 'PROTO=ICMP ';
  if (frag !== 0) return;
  const avail = end - l4;
  if (avail < 8) {
    out.s += `INCOMPLETE [${u32(avail)} bytes] `;
    return;
  }
  const type = b[l4];
  const code = b[l4 + 1];
  out.s += `TYPE=${type} CODE=${code} `;
  const req = type < ICMP_REQUIRED.length ? ICMP_REQUIRED[type] : 0;
  if (req !== 0 && avail < req) {
    out.s += `INCOMPLETE [${avail} bytes] `;
    return;
  }
  switch (type) {
    case 0: // echo reply
    case 8: // echo
      out.s += `ID=${rd16(b, l4 + 4)} SEQ=${rd16(b, l4 + 6)} `;
      return;
    case 12: // parameter problem
      out.s += `PARAMETER=${b[l4 + 4]} `;
      return;
    case 3: // destination unreachable
    case 4: // source quench
    case 5: // redirect
    case 11: // time exceeded
      if (type === 5) out.s += `GATEWAY=${ipAt(b, l4 + 4)} `;
      if (top) {
        // Only one level: the quoted packet's own errors are not expanded.
        out.s += '[';
        dumpIPv4(out, b, l4 + 8, end, flags, false);
        out.s += '] ';
      }
      if (type === 3 && code === 4) out.s += `MTU=${rd16(b, l4 + 6)} `;
      return;
    default:
      return;
  }
}
