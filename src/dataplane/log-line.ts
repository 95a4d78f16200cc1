/**
 * The LOG target's line in the kernel's format (nf_log_syslog.c), so grep
 * habits and log parsers keep working:
 *   <prefix>IN=<in> OUT=<out> MAC=<dst>:<src>:<type> SRC=.. DST=.. LEN=.. TOS=0x.. PREC=0x.. TTL=.. ID=.. [DF ]PROTO=...
 * Each field is followed by a space, so the line ends with one.
 * This runs only for packets that hit a LOG rule (string building is allowed
 * here; a global rate bound belongs to the operations issue).
 */
import type { PacketContext } from '../packet/context.js';

const HEX = '0123456789abcdef';

function ip(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function hex2(n: number): string {
  return HEX[(n >> 4) & 15] + HEX[n & 15];
}

/** LOG flags bits as the model stores them. */
export const LogFlags = { TCP_SEQ: 1, TCP_OPT: 2, IP_OPT: 4, UID: 8 } as const;

export function formatLogLine(ctx: PacketContext, prefix: string, flags: number, inName: string, outName: string): string {
  const b = ctx.buf;
  let s = `${prefix}IN=${inName} OUT=${outName} `;
  if (ctx.inIf >= 0 && ctx.l2Len > 0) {
    const f = ctx.frameOff;
    const parts: string[] = [];
    for (let i = 0; i < 12; i++) parts.push(hex2(b[f + i]));
    // The ethertype the kernel prints is the one after any VLAN tag it stripped.
    const t = f + ctx.l2Len - 2;
    parts.push(hex2(b[t]), hex2(b[t + 1]));
    s += `MAC=${parts.join(':')} `;
  }
  const l3 = ctx.l3Off;
  s += `SRC=${ip(ctx.saddr)} DST=${ip(ctx.daddr)} LEN=${ctx.ipTotLen} `;
  s += `TOS=0x${hex2(ctx.tos & 0x1e).toUpperCase()} PREC=0x${hex2(ctx.tos & 0xe0).toUpperCase()} `;
  s += `TTL=${ctx.ttl} ID=${ctx.ipId} `;
  if ((ctx.tos & 3) === 3) s += 'CE ';
  if (ctx.df) s += 'DF ';
  if (ctx.mf) s += 'MF ';
  if (ctx.fragOff) s += `FRAG:${ctx.fragOff} `;
  if ((flags & LogFlags.IP_OPT) !== 0 && ctx.ipHdrLen > 20) {
    s += `OPT (${hexRun(b, l3 + 20, ctx.ipHdrLen - 20)}) `;
  }
  s += protoPart(ctx, flags);
  if ((flags & LogFlags.UID) !== 0 && ctx.local && ctx.uid >= 0) s += `UID=${ctx.uid} GID=${ctx.gid} `;
  if (ctx.mark !== 0) s += `MARK=0x${(ctx.mark >>> 0).toString(16)} `;
  return s;
}

function hexRun(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += hex2(b[off + i]).toUpperCase();
  return s;
}

function protoPart(ctx: PacketContext, flags: number): string {
  const b = ctx.buf;
  const l4 = ctx.l4Off;
  switch (ctx.proto) {
    case 6: {
      if (ctx.fragOff !== 0 || l4 < 0) return 'PROTO=TCP ';
      let s = `PROTO=TCP SPT=${ctx.sport} DPT=${ctx.dport} `;
      if ((flags & LogFlags.TCP_SEQ) !== 0) s += `SEQ=${ctx.tcpSeq >>> 0} ACK=${ctx.tcpAck >>> 0} `;
      s += `WINDOW=${ctx.tcpWindow} RES=0x${hex2(b[l4 + 12] & 0x0e)} `;
      const fl = ctx.tcpFlags;
      if (b[l4 + 12] & 0x01) s += 'AE ';
      if (fl & 0x80) s += 'CWR ';
      if (fl & 0x40) s += 'ECE ';
      if (fl & 0x20) s += 'URG ';
      if (fl & 0x10) s += 'ACK ';
      if (fl & 0x08) s += 'PSH ';
      if (fl & 0x04) s += 'RST ';
      if (fl & 0x02) s += 'SYN ';
      if (fl & 0x01) s += 'FIN ';
      s += `URGP=${(b[l4 + 18] << 8) | b[l4 + 19]} `;
      if ((flags & LogFlags.TCP_OPT) !== 0 && ctx.tcpHdrLen > 20) s += `OPT (${hexRun(b, l4 + 20, ctx.tcpHdrLen - 20)}) `;
      return s;
    }
    case 17:
      if (ctx.fragOff !== 0 || l4 < 0) return 'PROTO=UDP ';
      return `PROTO=UDP SPT=${ctx.sport} DPT=${ctx.dport} LEN=${(b[l4 + 4] << 8) | b[l4 + 5]} `;
    case 1: {
      if (ctx.fragOff !== 0 || l4 < 0) return 'PROTO=ICMP ';
      let s = `PROTO=ICMP TYPE=${ctx.icmpType} CODE=${ctx.icmpCode} `;
      const t = ctx.icmpType;
      if (t === 0 || t === 8) s += `ID=${ctx.icmpId} SEQ=${ctx.icmpSeq} `;
      else if (t === 12) s += `PARAMETER=${b[l4 + 4]} `;
      else if (t === 5) s += `GATEWAY=${ip(((b[l4 + 4] << 24) | (b[l4 + 5] << 16) | (b[l4 + 6] << 8) | b[l4 + 7]) >>> 0)} `;
      else if (t === 3 || t === 4 || t === 11) {
        s += `[${innerPart(b, l4 + 8, ctx.l3Off + ctx.ipTotLen)}] `;
        if (t === 3 && ctx.icmpCode === 4) s += `MTU=${(b[l4 + 6] << 8) | b[l4 + 7]} `;
      }
      return s;
    }
    case 50:
    case 51:
      if (ctx.fragOff !== 0 || l4 < 0) return `PROTO=${ctx.proto === 50 ? 'ESP' : 'AH'} `;
      return `PROTO=${ctx.proto === 50 ? 'ESP' : 'AH'} SPI=0x${(ctx.spi >>> 0).toString(16)} `;
    default:
      return `PROTO=${ctx.proto} `;
  }
}

/** The quoted packet of an ICMP error, one level deep, as the kernel prints it. */
function innerPart(b: Uint8Array, off: number, end: number): string {
  if (end - off < 20) return 'INCOMPLETE ';
  const ihl = (b[off] & 15) * 4;
  const saddr = ((b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15]) >>> 0;
  const daddr = ((b[off + 16] << 24) | (b[off + 17] << 16) | (b[off + 18] << 8) | b[off + 19]) >>> 0;
  const tos = b[off + 1];
  const flagsFrag = (b[off + 6] << 8) | b[off + 7];
  let s = `SRC=${ip(saddr)} DST=${ip(daddr)} LEN=${(b[off + 2] << 8) | b[off + 3]} `;
  s += `TOS=0x${hex2(tos & 0x1e).toUpperCase()} PREC=0x${hex2(tos & 0xe0).toUpperCase()} `;
  s += `TTL=${b[off + 8]} ID=${(b[off + 4] << 8) | b[off + 5]} `;
  if (flagsFrag & 0x4000) s += 'DF ';
  if (flagsFrag & 0x2000) s += 'MF ';
  if (flagsFrag & 0x1fff) s += `FRAG:${flagsFrag & 0x1fff} `;
  const proto = b[off + 9];
  const l4 = off + ihl;
  if ((flagsFrag & 0x1fff) === 0 && end - l4 >= 8) {
    const sp = (b[l4] << 8) | b[l4 + 1];
    const dp = (b[l4 + 2] << 8) | b[l4 + 3];
    if (proto === 17) return s + `PROTO=UDP SPT=${sp} DPT=${dp} LEN=${(b[l4 + 4] << 8) | b[l4 + 5]} `;
    if (proto === 6) return s + `PROTO=TCP SPT=${sp} DPT=${dp} `;
    if (proto === 1) return s + `PROTO=ICMP TYPE=${b[l4]} CODE=${b[l4 + 1]} `;
  }
  return s + `PROTO=${proto} `;
}
