/**
 * fast-check arbitraries for the JIT property tests: random rulesets (filter,
 * mangle and nat tables, user chains with jumps/gotos as a DAG, RETURN,
 * negations including `! -s 0/0`, tcp/udp/icmp/mark matches the JIT inlines,
 * matches it calls out to (multiport, length, ttl, tos, iprange, state, string,
 * and the stateful limit, recent, quota, statistic nth and hashlimit), non-terminating targets that rewrite the packet
 * (MARK, TOS, TTL, CLASSIFY) or call the host (LOG, NFLOG, CONNMARK, NOTRACK),
 * terminating ones (REJECT, QUEUE, NAT in the nat table)) and random packets
 * drawn from small pools so that rules actually match.
 */
import fc from 'fast-check';
import { PacketContext } from '../../src/packet/context.js';
import type { Match } from '../../src/rules/matches.js';
import type { Chain, Rule, Ruleset, TableName } from '../../src/rules/model.js';
import { emptyRule, Frag, newTable } from '../../src/rules/model.js';
import type { Target } from '../../src/rules/targets.js';

const ADDRS = [0x0a000001, 0x0a000102, 0x0a0001ff, 0x0a010203, 0xc0a80101, 0xc0a80164, 0x08080808, 0xffffffff];
const PREFIX = [0, 8, 16, 24, 30, 32];
const PORTS = [0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65535];
const IFACES = ['eth0', 'eth1', 'eth+', 'lo', 'e+', '+'];

const maskOf = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

const addrMask = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ADDRS), fc.constantFrom(...PREFIX)).map(([a, l]) => [(a & maskOf(l)) >>> 0, maskOf(l)] as const) },
  // Non-contiguous masks (legal in iptables, print in dotted form).
  { weight: 1, arbitrary: fc.constantFrom(...ADDRS).map((a) => [(a & 0xff00ff00) >>> 0, 0xff00ff00] as const) },
);

const portRange = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ lo: 0, hi: 0xffff }) },
  { weight: 4, arbitrary: fc.constantFrom(...PORTS).map((p) => ({ lo: p, hi: p })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...PORTS), fc.constantFrom(...PORTS)).map(([a, b]) => ({ lo: Math.min(a, b), hi: Math.max(a, b) })) },
);

const tcpMatch: fc.Arbitrary<Match> = fc.record({
  sport: portRange, invSport: fc.boolean(), dport: portRange, invDport: fc.boolean(),
  flags: fc.oneof(fc.constant([0, 0] as const), fc.constant([0x17, 0x02] as const), fc.constant([0x12, 0x12] as const)),
  invFlags: fc.boolean(),
}).map((r) => ({
  name: 'tcp' as const, sport: r.sport, invSport: r.invSport, dport: r.dport, invDport: r.invDport,
  flagsMask: r.flags[0], flagsCmp: r.flags[1], invFlags: r.flags[0] !== 0 && r.invFlags, option: 0, invOption: false,
}));
const udpMatch: fc.Arbitrary<Match> = fc.record({ sport: portRange, invSport: fc.boolean(), dport: portRange, invDport: fc.boolean() })
  .map((r) => ({ name: 'udp' as const, ...r }));
const icmpMatch: fc.Arbitrary<Match> = fc.record({ type: fc.constantFrom(255, 0, 3, 8), code: fc.constantFrom([0, 255], [3, 3], [0, 0]), invert: fc.boolean() })
  .map((r) => ({ name: 'icmp' as const, type: r.type, codeLo: r.code[0]!, codeHi: r.code[1]!, invert: r.invert }));
const markMatch: fc.Arbitrary<Match> = fc.record({ mark: fc.constantFrom(0, 1, 2, 0x10, 0xffffffff), mask: fc.constantFrom(0xffffffff, 0xff, 0x1), invert: fc.boolean() })
  .map((r) => ({ name: 'mark' as const, mark: (r.mark & r.mask) >>> 0, mask: r.mask, invert: r.invert }));
const multiport: fc.Arbitrary<Match> = fc.record({ which: fc.constantFrom('src' as const, 'dst' as const, 'any' as const), ports: fc.array(portRange, { minLength: 1, maxLength: 3 }), invert: fc.boolean() })
  .map((r) => ({ name: 'multiport' as const, ...r }));
const comment: fc.Arbitrary<Match> = fc.constantFrom('ssh', 'web */ tricky', 'x\ny').map((c) => ({ name: 'comment' as const, comment: c }));
const limit: fc.Arbitrary<Match> = fc.constantFrom(1, 3).map((burst) => ({ name: 'limit' as const, avg: 10000, burst }));
const length: fc.Arbitrary<Match> = fc.record({ r: fc.constantFrom<[number, number]>([0, 100], [60, 1500]), invert: fc.boolean() })
  .map(({ r: [lo, hi], invert }) => ({ name: 'length' as const, lo: lo!, hi: hi!, invert }));
const ttl: fc.Arbitrary<Match> = fc.record({ mode: fc.constantFrom('eq' as const, 'ne' as const, 'lt' as const, 'gt' as const), value: fc.constantFrom(1, 63, 64, 128) })
  .map((r) => ({ name: 'ttl' as const, ...r }));
const tos: fc.Arbitrary<Match> = fc.record({ value: fc.constantFrom(0, 0x10, 0x08), mask: fc.constantFrom(0xff, 0x3f), invert: fc.boolean() })
  .map((r) => ({ name: 'tos' as const, value: r.value & r.mask, mask: r.mask, invert: r.invert }));
const iprange: fc.Arbitrary<Match> = fc.record({ lo: fc.constantFrom(...ADDRS), n: fc.constantFrom(0, 1, 0x1ff), invSrc: fc.boolean(), dst: fc.boolean() })
  .map((r) => {
    const range = { lo: r.lo, hi: Math.min(0xffffffff, r.lo + r.n) };
    return r.dst ? { name: 'iprange' as const, dst: range, invDst: r.invSrc } : { name: 'iprange' as const, src: range, invSrc: r.invSrc };
  });
const state: fc.Arbitrary<Match> = fc.record({ state: fc.constantFrom(1, 2, 4, 8, 6), invert: fc.boolean() })
  .map((r) => ({ name: 'state' as const, state: r.state, invState: r.invert }));
const recent: fc.Arbitrary<Match> = fc.record({
  mode: fc.constantFrom('set' as const, 'rcheck' as const, 'update' as const, 'remove' as const), invert: fc.boolean(),
  seconds: fc.constantFrom(0, 60), hitcount: fc.constantFrom(0, 2), side: fc.constantFrom('source' as const, 'dest' as const), list: fc.constantFrom('A', 'B'),
}).map((r) => ({ name: 'recent' as const, mode: r.mode, invert: r.invert, seconds: r.seconds, reap: false, hitcount: r.hitcount, rttl: false, listName: r.list, mask: 0xffffffff, side: r.side }));

// Stateful and payload matches the JIT calls out to: quota, statistic nth, hashlimit, string.
const quota: fc.Arbitrary<Match> = fc.record({ q: fc.constantFrom('0', '100', '1000'), invert: fc.boolean() })
  .map((r) => ({ name: 'quota' as const, quota: r.q, invert: r.invert }));
const nth: fc.Arbitrary<Match> = fc.record({ every: fc.constantFrom(0, 1, 2), invert: fc.boolean() })
  .map((r) => ({ name: 'statistic' as const, mode: 'nth' as const, invert: r.invert, probability: 0, every: r.every, packet: 0 }));
const hashlimit: fc.Arbitrary<Match> = fc.record({ mode: fc.constantFrom(4, 1, 4 | 8, 4 | 0x10), burst: fc.constantFrom(1, 2), name: fc.constantFrom('h1', 'h2') })
  .map((r) => ({
    name: 'hashlimit' as const, hashName: r.name, mode: r.mode, avg: 1_000_000, burst: r.burst, size: 0, max: 0,
    gcInterval: 1000, expire: 10_000, srcmask: 32, dstmask: 32, interval: 0,
  }));
const str: fc.Arbitrary<Match> = fc.record({ pat: fc.constantFrom<number[]>([0], [0, 7], [0x45]), invert: fc.boolean() })
  .map((r): Match => ({ name: 'string' as const, algo: 'bm', pattern: [...r.pat], from: 0, to: 0xffff, invert: r.invert, icase: false }));

function matchesFor(proto: number): fc.Arbitrary<Match[]> {
  const l4 = proto === 6 ? [tcpMatch] : proto === 17 ? [udpMatch] : proto === 1 ? [icmpMatch] : [];
  const mp = proto === 6 || proto === 17 ? [multiport] : [];
  return fc.array(fc.oneof(...l4, ...l4, ...mp, markMatch, markMatch, comment, limit, length, ttl, tos, iprange, state, recent, quota, nth, hashlimit, str), { maxLength: 3 });
}

const NAT_TARGETS: Target[] = [
  { kind: 'DNAT', range: { minIp: 0x0a000002, maxIp: 0x0a000002, minPort: 0, maxPort: 0, basePort: 0 }, random: false, randomFully: false, persistent: false },
  { kind: 'SNAT', range: { minIp: 0xc0a80101, maxIp: 0xc0a80101, minPort: 0, maxPort: 0, basePort: 0 }, random: false, randomFully: false, persistent: false },
  { kind: 'MASQUERADE', minPort: 0, maxPort: 0, random: false, randomFully: false },
];

function targetArb(users: string[], table: TableName): fc.Arbitrary<Target> {
  const opts: fc.Arbitrary<Target>[] = [
    fc.constantFrom<Target>(
      { kind: 'verdict', verdict: 'ACCEPT' }, { kind: 'verdict', verdict: 'DROP' }, { kind: 'verdict', verdict: 'RETURN' },
      { kind: 'none' }, { kind: 'MARK', value: 7, mask: 0xff, form: 'set' }, { kind: 'MARK', value: 1, mask: 0x1, form: 'or' },
      { kind: 'LOG', level: 4, prefix: 'p ', flags: 0 },
    ),
    fc.constantFrom<Target>(
      { kind: 'verdict', verdict: 'QUEUE' }, { kind: 'REJECT', with: 'icmp-port-unreachable' },
      { kind: 'NFLOG', group: 2, prefix: 'nf' }, { kind: 'CONNMARK', mode: 'set', ctmark: 5, ctmask: 0xff, nfmask: 0, form: 'set-xmark' },
      { kind: 'NOTRACK' }, { kind: 'TRACE' }, { kind: 'CLASSIFY', priority: 0x10002 },
      { kind: 'TOS', value: 0x10, mask: 0x3f, form: 'set' }, { kind: 'TTL', mode: 'dec', value: 1 }, { kind: 'TTL', mode: 'set', value: 64 },
    ),
  ];
  if (table === 'nat') opts.push(fc.constantFrom(...NAT_TARGETS));
  if (users.length > 0) {
    opts.push(fc.constantFrom(...users).chain((c) => fc.constantFrom<Target>({ kind: 'jump', chain: c }, { kind: 'goto', chain: c })));
  }
  return fc.oneof(...opts);
}

function anyRuleArb(users: string[], acl: number, table: TableName, verdictsOnly = false): fc.Arbitrary<Rule> {
  if (verdictsOnly) return aclRuleArb(users, table, true);
  if (acl <= 0) return ruleArb(users, table);
  return fc.oneof({ weight: Math.round(acl * 100), arbitrary: aclRuleArb(users, table) }, { weight: Math.round((1 - acl) * 100), arbitrary: ruleArb(users, table) });
}

function ruleArb(users: string[], table: TableName): fc.Arbitrary<Rule> {
  return fc.record({
    src: addrMask, invSrc: fc.boolean(), dst: addrMask, invDst: fc.boolean(),
    inIface: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(...IFACES) }), invIn: fc.boolean(),
    outIface: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(...IFACES) }), invOut: fc.boolean(),
    proto: fc.constantFrom(0, 0, 6, 6, 17, 1), invProto: fc.boolean(),
    frag: fc.constantFrom<Frag>(Frag.ANY, Frag.ANY, Frag.ANY, Frag.NON_FIRST, Frag.FIRST_OR_UNFRAGMENTED),
    target: targetArb(users, table),
    // `! -s 0/0` (never matches) now and then.
    invAny: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  }).chain((g) => matchesFor(g.invProto ? 0 : g.proto).map((matches) => {
    const r = emptyRule();
    r.src = g.src[0]; r.srcMask = g.src[1]; r.invSrc = g.invSrc && (g.src[1] !== 0 || g.invAny);
    r.dst = g.dst[0]; r.dstMask = g.dst[1]; r.invDst = g.invDst && (g.dst[1] !== 0 || g.invAny);
    r.inIface = g.inIface; r.invIn = g.invIn;
    r.outIface = g.outIface; r.invOut = g.invOut;
    r.proto = g.proto; r.invProto = g.proto !== 0 && g.invProto;
    r.frag = g.frag; r.matches = matches; r.target = g.target;
    return r;
  }));
}

/** An ACL-like rule (addresses, protocol, ports, verdict): what the dispatch trees are for. */
const VERDICTS: Target[] = [
  { kind: 'verdict', verdict: 'ACCEPT' }, { kind: 'verdict', verdict: 'DROP' }, { kind: 'verdict', verdict: 'ACCEPT' },
  { kind: 'verdict', verdict: 'RETURN' }, { kind: 'verdict', verdict: 'QUEUE' },
];

function aclRuleArb(users: string[], table: TableName, verdictsOnly = false): fc.Arbitrary<Rule> {
  return fc.record({
    src: addrMask, dst: addrMask, proto: fc.constantFrom(6, 17, 6, 0), sport: portRange, dport: portRange,
    target: verdictsOnly ? fc.constantFrom(...VERDICTS) : fc.oneof({ weight: 4, arbitrary: fc.constantFrom<Target>({ kind: 'verdict', verdict: 'ACCEPT' }, { kind: 'verdict', verdict: 'DROP' }) },
      { weight: 1, arbitrary: targetArb(users, table) }),
  }).map((g) => {
    const r = emptyRule();
    [r.src, r.srcMask] = g.src; [r.dst, r.dstMask] = g.dst; r.proto = g.proto; r.target = g.target;
    if (g.proto !== 0) r.matches.push(g.proto === 6
      ? { name: 'tcp', sport: g.sport, invSport: false, dport: g.dport, invDport: false, flagsMask: 0, flagsCmp: 0, invFlags: false, option: 0, invOption: false }
      : { name: 'udp', sport: g.sport, invSport: false, dport: g.dport, invDport: false });
    return r;
  });
}

export interface RulesetShape {
  maxRules: number; minRules?: number; /** Share of ACL-like rules (0..1). */ acl?: number;
  /** ACL rules with verdict targets only (ACCEPT/DROP/RETURN/QUEUE): the JIT's first-match-per-tree path. */
  verdictsOnly?: boolean;
}

/** A ruleset: filter, mangle and nat tables, up to 3 user chains per table, jumps only "downwards" (no loops). */
export function rulesetArb(shape: RulesetShape = { maxRules: 24 }): fc.Arbitrary<Ruleset> {
  const tableArb = (name: TableName): fc.Arbitrary<[TableName, Chain[]]> =>
    fc.integer({ min: 0, max: 3 }).chain((nUser) => {
      const users = Array.from({ length: nUser }, (_, i) => `U${i}`);
      const builtin = newTable(name);
      const chainArbs = [...builtin.chains.keys()].map((c) =>
        fc.tuple(fc.array(anyRuleArb(users, shape.acl ?? 0, name, shape.verdictsOnly), { minLength: shape.minRules ?? 0, maxLength: shape.maxRules, size: 'max' }), fc.constantFrom<'ACCEPT' | 'DROP'>('ACCEPT', 'DROP'))
          .map(([rules, policy]): Chain => ({ name: c, policy, rules, pkts: 0, bytes: 0 })));
      const userArbs = users.map((u, i) =>
        fc.array(anyRuleArb(users.slice(i + 1), shape.acl ?? 0, name), { maxLength: shape.maxRules, size: 'max' }).map((rules): Chain => ({ name: u, policy: null, rules, pkts: 0, bytes: 0 })));
      return fc.tuple(...chainArbs, ...userArbs).map((chains) => [name, chains] as [TableName, Chain[]]);
    });
  return fc.tuple(tableArb('filter'), tableArb('mangle'), tableArb('nat')).map((ts) => {
    const tables = new Map();
    for (const [name, chains] of ts) {
      const t = newTable(name);
      t.chains = new Map(chains.map((c) => [c.name, c]));
      tables.set(name, t);
    }
    return { tables };
  });
}

export interface PacketSpec {
  saddr: number; daddr: number; proto: number; sport: number; dport: number; frag: number;
  tcpFlags: number; icmpType: number; icmpCode: number; mark: number; inIf: number; outIf: number; totLen: number;
  tos: number; ttl: number; ctState: number;
}

const addrNear = fc.tuple(fc.constantFrom(...ADDRS), fc.constantFrom(0, 0, 1, 0x100, 0xff)).map(([a, x]) => (a ^ x) >>> 0);

export const packetArb: fc.Arbitrary<PacketSpec> = fc.record({
  saddr: addrNear, daddr: addrNear, proto: fc.constantFrom(1, 6, 6, 17, 17, 47),
  sport: fc.constantFrom(...PORTS, 2, 30000), dport: fc.constantFrom(...PORTS, 81, 5000),
  frag: fc.constantFrom(0, 0, 0, 0, 1, 2),
  tcpFlags: fc.constantFrom(0x02, 0x12, 0x10, 0x11, 0x04),
  icmpType: fc.constantFrom(0, 3, 8), icmpCode: fc.constantFrom(0, 3, 1),
  mark: fc.constantFrom(0, 1, 2, 7, 0x10, 0xffffffff),
  inIf: fc.constantFrom(-1, 0, 1, 2), outIf: fc.constantFrom(-1, 0, 1, 2),
  totLen: fc.integer({ min: 20, max: 1500 }),
  tos: fc.constantFrom(0, 0x10, 0x08, 0x12), ttl: fc.constantFrom(0, 1, 64, 128, 255), ctState: fc.constantFrom(0, 1, 2, 4, 8),
});

/**
 * Fill a context as the parser would: no L4 on non-first fragments, ports only
 * for tcp/udp. A fresh 20-byte IP header backs the fields TOS/TTL rewrite.
 */
export function fillContext(ctx: PacketContext, p: PacketSpec, hook: number): PacketContext {
  const buf = new Uint8Array(64);
  buf[0] = 0x45; buf[1] = p.tos; buf[8] = p.ttl; buf[9] = p.proto;
  ctx.buf = buf; ctx.l3Off = 0; ctx.ipHdrLen = 20; ctx.tos = p.tos; ctx.ttl = p.ttl;
  ctx.ctState = p.ctState; ctx.priority = 0;
  ctx.saddr = p.saddr; ctx.daddr = p.daddr; ctx.proto = p.proto;
  ctx.fragOff = p.frag === 2 ? 10 : 0; ctx.mf = p.frag === 1 ? 1 : 0;
  const l4 = ctx.fragOff === 0 && (p.proto === 6 || p.proto === 17 || p.proto === 1);
  ctx.l4Off = l4 ? 34 : -1;
  ctx.sport = l4 && p.proto !== 1 ? p.sport : 0;
  ctx.dport = l4 && p.proto !== 1 ? p.dport : 0;
  ctx.tcpFlags = l4 && p.proto === 6 ? p.tcpFlags : 0;
  ctx.icmpType = l4 && p.proto === 1 ? p.icmpType : 0;
  ctx.icmpCode = l4 && p.proto === 1 ? p.icmpCode : 0;
  ctx.mark = p.mark; ctx.inIf = p.inIf; ctx.outIf = p.outIf; ctx.ipTotLen = p.totLen; ctx.hook = hook;
  return ctx;
}

export const IFNAMES = ['eth0', 'eth1', 'lo'];

/** Every policy and rule counter of a ruleset, in table, chain and rule order (two evaluators' runs compare equal). */
export function counters(rs: Ruleset): number[] {
  const out: number[] = [];
  for (const t of rs.tables.values()) for (const c of t.chains.values()) {
    out.push(c.pkts, c.bytes);
    for (const r of c.rules) out.push(r.pkts, r.bytes);
  }
  return out;
}
