/**
 * Port-and-header matches of the less common transports: -m dccp (xt_dccp)
 * and -m sctp (xt_sctp). Both read the header at ctx.l4Off (never on a
 * non-first fragment) and combine their tests as the kernel does: a test
 * only when its option was given, each XOR its "!". A header too short to
 * read makes the match false (the kernel also drops such a packet —
 * "hotdrop" — which a match cannot do in rawgate).
 * Allocation-free per packet (sctp's "all" keeps one scratch map per rule).
 */
import type { PacketContext } from '../../packet/context.js';
import type { DccpMatch, SctpMatch } from '../matches.js';

const rd16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

/** __dccp_packet_hdr_len by packet type. */
function dccpTypeHdrLen(type: number): number {
  if (type === 2) return 0; // DATA
  if (type === 3 || type === 4 || type === 5 || type === 6 || type === 8 || type === 9) return 8; // ack bits
  if (type === 0) return 4; // REQUEST
  return 12; // RESPONSE, RESET and others
}

function inRange(v: number, r: { lo: number; hi: number } | undefined, inv: boolean | undefined): boolean {
  return r === undefined || ((v >= r.lo && v <= r.hi) !== (inv === true));
}

export function bindDccp(m: DccpMatch): (ctx: PacketContext) => boolean {
  return (ctx) => {
    if (ctx.l4Off < 0 || ctx.fragOff !== 0 || ctx.l4Len < 12) return false;
    const b = ctx.buf, o = ctx.l4Off;
    if (!inRange(rd16(b, o), m.sport, m.invSport) || !inRange(rd16(b, o + 2), m.dport, m.invDport)) return false;
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
    if (!inRange(rd16(b, o), m.sport, m.invSport) || !inRange(rd16(b, o + 2), m.dport, m.invDport)) return false;
    if (m.chunksGiven) {
      const r = chunkTest(ctx);
      if (r === undefined) return false;
      if (r === (m.invChunks === true)) return false;
    }
    return true;
  };
}
