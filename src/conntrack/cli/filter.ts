/**
 * Which entries a parsed command selects, as conntrack(8) decides it: the
 * kernel's dump filter (family, mark, and for -L the status), then the tool's
 * nfct_filter() (NAT, mark, network masks) and its attribute comparison of
 * every tuple field, state, status, zone and id given. Invariants: pure
 * functions of (ParsedCommand, CtRecord); a field not given matches anything;
 * rawgate's table is IPv4-only, so an IPv6 family selects nothing.
 */
import type { ParsedCommand, TupleQuery } from './args.js';
import { OPT, OPT_COMPARISON } from './options.js';
import type { CtRecord, CtTupleRecord } from './types.js';

/** Where the entries come from: a -L dump also filters on status in the kernel. */
export type FilterSite = 'list' | 'delete' | 'event' | 'get';

const netmask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

function tupleMatches(q: TupleQuery, t: CtTupleRecord): boolean {
  return (q.src === undefined || q.src === t.src) && (q.dst === undefined || q.dst === t.dst) &&
    (q.sport === undefined || q.sport === t.sport) && (q.dport === undefined || q.dport === t.dport) &&
    (q.icmpType === undefined || q.icmpType === t.icmpType) && (q.icmpCode === undefined || q.icmpCode === t.icmpCode) &&
    (q.icmpId === undefined || q.icmpId === t.icmpId);
}

/** The original-direction comparison (NFCT_CMP_ORIG): protocol and the orig tuple. */
export function origMatches(p: ParsedCommand, r: CtRecord): boolean {
  return (p.proto === undefined || p.proto === r.proto) && tupleMatches(p.orig, r.orig);
}

/** The reply-direction comparison (NFCT_CMP_REPL). */
export function replyMatches(p: ParsedCommand, r: CtRecord): boolean {
  return (p.proto === undefined || p.proto === r.proto) && tupleMatches(p.reply, r.reply);
}

/** filter_network(): -s/-d given with a prefix. */
function networkMatches(p: ParsedCommand, r: CtRecord): boolean {
  if (p.srcNet) {
    const m = netmask(p.srcNet.prefix);
    if (((r.orig.src & m) >>> 0) !== ((p.srcNet.addr & m) >>> 0)) return false;
  }
  if (p.dstNet) {
    const m = netmask(p.dstNet.prefix);
    if (((r.orig.dst & m) >>> 0) !== ((p.dstNet.addr & m) >>> 0)) return false;
  }
  return true;
}

/**
 * The 16-bit layer 4 halves of a tuple as libnetfilter_conntrack compares
 * them (a union): ports, or for ICMP the id (source) and type<<8|code
 * (destination), so an echo's request and reply halves always differ.
 */
function l4src(proto: number, t: CtTupleRecord): number {
  return proto === 1 || proto === 58 ? t.icmpId : PORT_PROTOS.has(proto) ? t.sport : 0;
}
function l4dst(proto: number, t: CtTupleRecord): number {
  return proto === 1 || proto === 58 ? ((t.icmpType << 8) | t.icmpCode) : PORT_PROTOS.has(proto) ? t.dport : 0;
}
const PORT_PROTOS = new Set([6, 17, 33, 132, 136]);

/** filter_nat(): --src-nat / --dst-nat / --any-nat, with an optional address and port. */
export function natMatches(p: ParsedCommand, r: CtRecord): boolean {
  const any = (p.options & OPT.ANY_NAT) !== 0;
  const wantSrc = any || (p.options & OPT.SRC_NAT) !== 0;
  const wantDst = any || (p.options & OPT.DST_NAT) !== 0;
  if (!wantSrc && !wantDst) return true;
  const side = (q: { addr?: number; port?: number } | undefined, isNat: boolean, isPat: boolean, addr: number, port: number): boolean => {
    if (q?.addr === undefined && q?.port === undefined) return isNat || isPat;
    if (q.addr !== undefined && !(isNat && q.addr === addr)) return false;
    if (q.port !== undefined && !(isPat && q.port === port)) return false;
    return true;
  };
  const hasSrc = wantSrc && side(p.srcNat, r.reply.dst !== r.orig.src, l4dst(r.proto, r.reply) !== l4src(r.proto, r.orig), r.reply.dst, r.reply.dport);
  const hasDst = wantDst && side(p.dstNat, r.reply.src !== r.orig.dst, l4src(r.proto, r.reply) !== l4dst(r.proto, r.orig), r.reply.src, r.reply.sport);
  if (any) return hasSrc || hasDst;
  if (wantSrc && wantDst) return hasSrc && hasDst;
  return wantSrc ? hasSrc : hasDst;
}

/** Does the command select this entry? */
export function selects(p: ParsedCommand, r: CtRecord, site: FilterSite): boolean {
  if (p.family === 'ipv6') return false;
  const km = p.kernelMark;
  if ((site === 'list' || site === 'delete') && km && ((r.mark & km.mask) >>> 0) !== km.value >>> 0) return false;
  if (p.options & OPT.MARK && ((r.mark & p.mark.mask) >>> 0) !== p.mark.value >>> 0) return false;
  if (site === 'list' && p.status && ((r.status & p.status.kernelMask) >>> 0) !== p.status.kernelValue) return false;
  if (!natMatches(p, r) || !networkMatches(p, r)) return false;
  if (!(p.options & OPT_COMPARISON)) return true;
  if (!origMatches(p, r) || !tupleMatches(p.reply, r.reply)) return false;
  if (p.tcpState !== undefined && r.tcpState !== p.tcpState) return false;
  if (p.status && (r.status & p.status.bits) !== p.status.bits) return false;
  if (p.zone !== undefined && r.zone !== p.zone) return false;
  if (p.origZone !== undefined && r.zone !== p.origZone) return false;
  if (p.replyZone !== undefined && r.zone !== p.replyZone) return false;
  if (p.id !== undefined && r.id >>> 0 !== p.id) return false;
  return true;
}

/** -U's selection (update_cb): NAT, networks, id and the tuples given; mark and status are what it sets. */
export function selectsForUpdate(p: ParsedCommand, r: CtRecord): boolean {
  if (p.family === 'ipv6' || !natMatches(p, r) || !networkMatches(p, r)) return false;
  if (p.id !== undefined && r.id >>> 0 !== p.id) return false;
  if (p.options & (OPT.ORIG_SRC | OPT.ORIG_DST | OPT.PROTO) && !origMatches(p, r)) return false;
  if (p.options & (OPT.REPL_SRC | OPT.REPL_DST | OPT.PROTO) && !replyMatches(p, r)) return false;
  return true;
}

/** -G: the kernel's lookup of one tuple, in either direction, in the zone given (default 0). */
export function findByTuple(p: ParsedCommand, entries: Iterable<CtRecord>): CtRecord | undefined {
  const zone = p.zone ?? 0;
  const q: TupleQuery = { ...p.orig, icmpId: p.proto === 1 ? (p.orig.icmpId ?? 0) : p.orig.icmpId };
  for (const r of entries) {
    if (r.proto !== p.proto || r.zone !== zone) continue;
    if (tupleMatches(q, r.orig) || tupleMatches(q, r.reply)) return r;
  }
  return undefined;
}
