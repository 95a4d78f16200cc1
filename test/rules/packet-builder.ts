/**
 * Test packets: real bytes (optional Ethernet header, IPv4 with options,
 * TCP with options / UDP / ICMP, valid checksums) and the PacketContext the
 * parser would fill for them. Only for tests of rule evaluation.
 */
import { PacketContext } from '../../src/packet/context.js';

export interface PacketSpec {
  eth?: { src: number[]; dst?: number[] } | null;
  /** Bytes before the frame in the buffer (offsets are absolute). */
  lead?: number;
  tos?: number; ttl?: number; id?: number; df?: boolean; mf?: boolean; fragOff?: number;
  proto?: number;
  saddr?: number; daddr?: number;
  ipOptions?: number[];
  sport?: number; dport?: number;
  tcpFlags?: number; seq?: number; ack?: number; window?: number;
  tcpOptions?: number[];
  icmpType?: number; icmpCode?: number;
  payload?: number;
}

export const ip = (s: string): number => s.split('.').reduce((a, o) => (a * 256 + Number(o)), 0) >>> 0;

function put16(b: Uint8Array, at: number, v: number): void { b[at] = (v >>> 8) & 0xff; b[at + 1] = v & 0xff; }
function put32(b: Uint8Array, at: number, v: number): void { put16(b, at, v >>> 16); put16(b, at + 2, v & 0xffff); }

export function checksum(b: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < len; i += 2) sum += (b[off + i]! << 8) | (i + 1 < len ? b[off + i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

/** True when the IP header checksum of ctx's packet verifies. */
export function ipChecksumOk(ctx: PacketContext): boolean {
  return checksum(ctx.buf, ctx.l3Off, ctx.ipHdrLen) === 0;
}

/** True when the TCP/UDP checksum (with pseudo-header) verifies. */
export function l4ChecksumOk(ctx: PacketContext): boolean {
  const len = ctx.ipTotLen - ctx.ipHdrLen;
  const pseudo = (ctx.saddr >>> 16) + (ctx.saddr & 0xffff) + (ctx.daddr >>> 16) + (ctx.daddr & 0xffff) + ctx.proto + len;
  return checksum(ctx.buf, ctx.l3Off + ctx.ipHdrLen, len, pseudo) === 0;
}

export function buildPacket(spec: PacketSpec = {}): PacketContext {
  const proto = spec.proto ?? 6;
  const lead = spec.lead ?? 0;
  const l2 = spec.eth ? 14 : 0;
  const ipOpts = spec.ipOptions ?? [];
  const ihl = 20 + ((ipOpts.length + 3) & ~3);
  const tcpOpts = spec.tcpOptions ?? [];
  const first = (spec.fragOff ?? 0) === 0;
  const l4h = !first ? 0 : proto === 6 ? 20 + ((tcpOpts.length + 3) & ~3) : proto === 17 || proto === 1 ? 8 : 0;
  const payload = spec.payload ?? 0;
  const tot = ihl + l4h + payload;
  const b = new Uint8Array(lead + l2 + tot + 7);
  const f = lead, l3 = lead + l2, l4 = l3 + ihl;
  if (spec.eth) {
    b.set(spec.eth.dst ?? [2, 0, 0, 0, 0, 1], f);
    b.set(spec.eth.src, f + 6);
    put16(b, f + 12, 0x0800);
  }
  b[l3] = 0x40 | (ihl / 4);
  b[l3 + 1] = spec.tos ?? 0;
  put16(b, l3 + 2, tot);
  put16(b, l3 + 4, spec.id ?? 0x1234);
  put16(b, l3 + 6, (spec.df ? 0x4000 : 0) | (spec.mf ? 0x2000 : 0) | (spec.fragOff ?? 0));
  b[l3 + 8] = spec.ttl ?? 64;
  b[l3 + 9] = proto;
  const saddr = spec.saddr ?? ip('10.0.0.1'), daddr = spec.daddr ?? ip('10.0.1.2');
  put32(b, l3 + 12, saddr);
  put32(b, l3 + 16, daddr);
  b.set(ipOpts, l3 + 20);
  put16(b, l3 + 10, checksum(b, l3, ihl));
  const sport = spec.sport ?? 40000, dport = spec.dport ?? 80;
  if (first && proto === 6) {
    put16(b, l4, sport); put16(b, l4 + 2, dport);
    put32(b, l4 + 4, spec.seq ?? 1000); put32(b, l4 + 8, spec.ack ?? 0);
    b[l4 + 12] = (l4h / 4) << 4; b[l4 + 13] = spec.tcpFlags ?? 0x02;
    put16(b, l4 + 14, spec.window ?? 29200);
    b.set(tcpOpts, l4 + 20);
  } else if (first && proto === 17) {
    put16(b, l4, sport); put16(b, l4 + 2, dport); put16(b, l4 + 4, 8 + payload);
  } else if (first && proto === 1) {
    b[l4] = spec.icmpType ?? 8; b[l4 + 1] = spec.icmpCode ?? 0; put16(b, l4 + 4, 0x77); put16(b, l4 + 6, 1);
  }
  for (let i = 0; i < payload; i++) b[l4 + l4h + i] = (i * 7) & 0xff;
  if (first && (proto === 6 || proto === 17)) {
    const len = tot - ihl;
    const pseudo = (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + proto + len;
    put16(b, l4 + (proto === 6 ? 16 : 6), checksum(b, l4, len, pseudo));
  } else if (first && proto === 1) {
    put16(b, l4 + 2, checksum(b, l4, tot - ihl));
  }

  const ctx = new PacketContext();
  ctx.buf = b;
  ctx.frameOff = f; ctx.frameLen = l2 + tot; ctx.l2Len = l2;
  ctx.l3Off = l3; ctx.ipHdrLen = ihl; ctx.ipTotLen = tot; ctx.tos = b[l3 + 1]!;
  ctx.ipId = spec.id ?? 0x1234; ctx.fragOff = spec.fragOff ?? 0; ctx.mf = spec.mf ? 1 : 0; ctx.df = spec.df ? 1 : 0;
  ctx.ttl = b[l3 + 8]!; ctx.proto = proto; ctx.saddr = saddr; ctx.daddr = daddr;
  if (first && l4h > 0) {
    ctx.l4Off = l4; ctx.l4Len = tot - ihl;
    if (proto === 6 || proto === 17) { ctx.sport = sport; ctx.dport = dport; }
    if (proto === 6) {
      ctx.tcpFlags = b[l4 + 13]!; ctx.tcpSeq = spec.seq ?? 1000; ctx.tcpAck = spec.ack ?? 0;
      ctx.tcpHdrLen = l4h; ctx.tcpWindow = spec.window ?? 29200;
    }
    if (proto === 1) { ctx.icmpType = b[l4]!; ctx.icmpCode = b[l4 + 1]!; ctx.icmpId = 0x77; ctx.icmpSeq = 1; }
  } else {
    ctx.l4Off = -1; ctx.l4Len = 0;
  }
  ctx.inIf = 1; ctx.outIf = 2;
  return ctx;
}

/** MSS option bytes. */
export const mssOpt = (mss: number): number[] => [2, 4, mss >>> 8, mss & 0xff];
