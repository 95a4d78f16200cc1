/**
 * Seeded ClassBench-style ACL ruleset and packet-trace generator (for the
 * rules benchmark and tests). Same seed, same output. The distributions follow
 * the shape of ClassBench's acl seeds: source prefixes often wildcard or host,
 * destination prefixes mostly host or /24-/30 from a pool of clustered networks,
 * protocol mostly TCP then UDP, source port mostly any, destination port mostly
 * exact well-known/random ports with some ranges and wildcards, and a default
 * rule at the end.
 *
 * CLI: node dist/scripts/classbench/generate.js [--rules N] [--seed S] > ruleset.rules
 * prints an iptables-restore file (table filter, chain FORWARD).
 */
import { pathToFileURL } from 'node:url';
import type { Rule, Ruleset } from '../../src/rules/model.js';
import { emptyRule, newTable } from '../../src/rules/model.js';
import type { TcpMatch } from '../../src/iptables/ext/tcp.js';
import type { UdpMatch } from '../../src/iptables/ext/udp.js';

/** mulberry32: tiny deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WELL_KNOWN = [20, 21, 22, 23, 25, 53, 67, 69, 80, 88, 110, 111, 119, 123, 135, 137, 138, 139, 143, 161, 162,
  179, 389, 443, 445, 465, 514, 515, 587, 631, 636, 873, 993, 995, 1080, 1194, 1433, 1521, 1723, 1812, 2049, 3128,
  3306, 3389, 5060, 5432, 5900, 6379, 8080, 8443, 9000, 9090, 9200, 11211, 27017];
const RANGES: Array<[number, number]> = [[1024, 65535], [0, 1023], [6000, 6063], [5000, 5100], [33434, 33534], [49152, 65535], [8000, 8099]];

export interface AclOptions { rules: number; seed: number; chain?: string }

function mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** A filter table whose FORWARD chain (policy DROP) holds `rules` rules, the last one the default. */
export function generateAcl(o: AclOptions): Ruleset {
  const r = rng(o.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  // Clustered address pools: a few /16 sites, many /24 subnets inside them.
  const sites = Array.from({ length: Math.max(4, Math.ceil(o.rules / 400)) }, () => ((int(1, 223) << 24) | (int(0, 255) << 16)) >>> 0);
  const subnet = (): number => (pick(sites) | (int(0, 255) << 8)) >>> 0;
  const prefix = (lens: Array<[number, number]>): [number, number] => {
    let x = r();
    for (const [len, w] of lens) {
      if ((x -= w) < 0) {
        if (len === 0) return [0, 0];
        const base = len >= 24 ? (subnet() | int(0, 255)) >>> 0 : pick(sites);
        const m = mask(len);
        return [(base & m) >>> 0, m];
      }
    }
    return [0, 0];
  };
  const rules: Rule[] = [];
  for (let i = 0; i < o.rules - 1; i++) {
    const rule = emptyRule();
    [rule.src, rule.srcMask] = prefix([[0, 0.3], [16, 0.08], [24, 0.22], [28, 0.05], [32, 0.35]]);
    // As in ClassBench acl seeds, a rule with any source names a narrow destination (only the default rule is all-wildcard).
    [rule.dst, rule.dstMask] = rule.srcMask === 0
      ? prefix([[24, 0.3], [30, 0.1], [32, 0.6]])
      : prefix([[0, 0.05], [16, 0.05], [24, 0.25], [30, 0.05], [32, 0.6]]);
    const pr = r();
    rule.proto = pr < 0.72 ? 6 : pr < 0.94 ? 17 : pr < 0.98 ? 1 : 0;
    if (rule.proto === 6 || rule.proto === 17) {
      const sport = r() < 0.92 ? { lo: 0, hi: 0xffff } : { lo: 1024, hi: 0xffff };
      const d = r();
      const p = d < 0.45 ? pick(WELL_KNOWN) : d < 0.62 ? int(1024, 60000) : -1;
      const dport = p >= 0 ? { lo: p, hi: p } : d < 0.8 ? (([lo, hi]) => ({ lo, hi }))(pick(RANGES)) : { lo: 0, hi: 0xffff };
      const m: TcpMatch | UdpMatch = rule.proto === 6
        ? { name: 'tcp', sport, invSport: false, dport, invDport: false, flagsMask: 0, flagsCmp: 0, invFlags: false, option: 0, invOption: false }
        : { name: 'udp', sport, invSport: false, dport, invDport: false };
      if (sport.hi - sport.lo !== 0xffff || dport.hi - dport.lo !== 0xffff) rule.matches.push(m);
    }
    rule.target = { kind: 'verdict', verdict: r() < 0.8 ? 'ACCEPT' : 'DROP' };
    rules.push(rule);
  }
  const last = emptyRule();
  last.target = { kind: 'verdict', verdict: 'DROP' };
  rules.push(last);
  const filter = newTable('filter');
  const chain = filter.chains.get(o.chain ?? 'FORWARD')!;
  chain.policy = 'DROP';
  chain.rules = rules;
  return { tables: new Map([['filter', filter]]) };
}

/** Packet header fields, one packet per row of FIELDS numbers. */
export const PKT_FIELDS = 7; // saddr, daddr, proto, sport, dport, l4ok, totLen
export interface Trace { count: number; f: Float64Array }

/**
 * Packets that hit rules throughout the set: most are drawn inside a random
 * rule's box (so they match it or an earlier rule), the rest are random (misses,
 * ending at the default rule).
 */
export function generateTrace(rules: readonly Rule[], count: number, seed: number, missRate = 0.15, flows = 0): Trace {
  if (flows > 0) return flowTrace(generateTrace(rules, flows, seed, missRate), count, seed);
  const r = rng(seed ^ 0x9e3779b9);
  const f = new Float64Array(count * PKT_FIELDS);
  const inside = (addr: number, m: number): number => ((addr & m) | (Math.floor(r() * 4294967296) & ~m)) >>> 0;
  for (let k = 0; k < count; k++) {
    const o = k * PKT_FIELDS;
    let saddr = Math.floor(r() * 4294967296), daddr = Math.floor(r() * 4294967296);
    let proto = r() < 0.8 ? 6 : 17, sport = 1024 + Math.floor(r() * 64000), dport = Math.floor(r() * 65536);
    if (r() >= missRate && rules.length > 1) {
      const rule = rules[Math.floor(r() * (rules.length - 1))]!;
      saddr = inside(rule.src, rule.srcMask);
      daddr = inside(rule.dst, rule.dstMask);
      if (rule.proto !== 0) proto = rule.proto;
      const m = rule.matches[0];
      if (m !== undefined && (m.name === 'tcp' || m.name === 'udp')) {
        sport = m.sport.lo + Math.floor(r() * (m.sport.hi - m.sport.lo + 1));
        dport = m.dport.lo + Math.floor(r() * (m.dport.hi - m.dport.lo + 1));
      }
    }
    const l4 = proto === 6 || proto === 17 || proto === 1;
    if (proto === 1) { sport = 0; dport = 0; }
    f[o] = saddr; f[o + 1] = daddr; f[o + 2] = proto; f[o + 3] = sport; f[o + 4] = dport;
    f[o + 5] = l4 ? 1 : 0; f[o + 6] = 40 + Math.floor(r() * 1400);
  }
  return { count, f };
}

/**
 * A trace with locality of reference, as ClassBench's trace generator makes:
 * packets repeat the headers of a smaller set of flows, flow popularity
 * heavy-tailed (log-uniform rank: a few flows carry most packets).
 */
function flowTrace(headers: Trace, count: number, seed: number): Trace {
  const r = rng(seed ^ 0x51ed270b);
  const f = new Float64Array(count * PKT_FIELDS);
  for (let k = 0; k < count; k++) {
    const h = Math.min(headers.count - 1, Math.floor(headers.count ** r()) - 1);
    f.set(headers.f.subarray(h * PKT_FIELDS, h * PKT_FIELDS + PKT_FIELDS), k * PKT_FIELDS);
  }
  return { count, f };
}

function ip(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
function plen(m: number): number {
  let n = 0; for (let x = m >>> 0; x !== 0; x = (x << 1) >>> 0) n++;
  return n;
}
const PROTO_NAME: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

/** The ruleset as an iptables-restore file (the subset this generator produces). */
export function toIptablesRestore(rs: Ruleset): string {
  const out: string[] = [];
  for (const [tname, table] of rs.tables) {
    out.push(`*${tname}`);
    for (const c of table.chains.values()) out.push(`:${c.name} ${c.policy ?? '-'} [0:0]`);
    for (const c of table.chains.values()) {
      for (const rule of c.rules) {
        const p: string[] = [`-A ${c.name}`];
        if (rule.srcMask !== 0) p.push(`-s ${ip(rule.src)}/${plen(rule.srcMask)}`);
        if (rule.dstMask !== 0) p.push(`-d ${ip(rule.dst)}/${plen(rule.dstMask)}`);
        if (rule.proto !== 0) p.push(`-p ${PROTO_NAME[rule.proto] ?? rule.proto}`);
        for (const m of rule.matches) {
          if (m.name !== 'tcp' && m.name !== 'udp') continue;
          p.push(`-m ${m.name}`);
          const rg = (x: { lo: number; hi: number }): string => (x.lo === x.hi ? `${x.lo}` : `${x.lo}:${x.hi}`);
          if (m.sport.lo !== 0 || m.sport.hi !== 0xffff) p.push(`--sport ${rg(m.sport)}`);
          if (m.dport.lo !== 0 || m.dport.hi !== 0xffff) p.push(`--dport ${rg(m.dport)}`);
        }
        if (rule.target.kind === 'verdict') p.push(`-j ${rule.target.verdict}`);
        out.push(p.join(' '));
      }
    }
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

if (process.argv[1]?.endsWith('generate.js') === true && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, dflt: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  process.stdout.write(toIptablesRestore(generateAcl({ rules: arg('--rules', 1000), seed: arg('--seed', 1) })));
}
