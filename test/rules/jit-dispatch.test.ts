/**
 * Dispatch correctness: decision-tree segments must return the lowest-index
 * matching rule and run every matching non-terminating rule before it —
 * wildcards interleaved with keyed rules, duplicate keys, overlapping ranges,
 * negated keys (no narrowing), stateful matches.
 */
import { describe, expect, it } from 'vitest';
import { PacketContext } from '../../src/packet/context.js';
import { TableId } from '../../src/rules/evaluator.js';
import { DIM_MAX, ruleBox } from '../../src/rules/jit/box.js';
import { DEFAULT_CODEGEN, type CodegenOptions } from '../../src/rules/jit/chain.js';
import { compileWith } from '../../src/rules/jit/compile.js';
import { bindBinder } from '../../src/rules/jit/index.js';
import { interpret } from '../../src/rules/interpreter.js';
import { buildTree, lookupLeaf } from '../../src/rules/jit/tree.js';
import type { Match } from '../../src/rules/matches.js';
import type { Rule, Ruleset } from '../../src/rules/model.js';
import { emptyRule, Hook, newTable } from '../../src/rules/model.js';
import type { Target } from '../../src/rules/targets.js';
import { rng } from '../../scripts/classbench/generate.js';
import { fakeHost } from './fake-host.js';

const ACCEPT: Target = { kind: 'verdict', verdict: 'ACCEPT' };
const DROP: Target = { kind: 'verdict', verdict: 'DROP' };
const MARK1: Target = { kind: 'MARK', value: 1, mask: 0, form: 'or' };

function tcp(dlo: number, dhi = dlo, inv = false): Match {
  return { name: 'tcp', sport: { lo: 0, hi: 0xffff }, invSport: false, dport: { lo: dlo, hi: dhi }, invDport: inv, flagsMask: 0, flagsCmp: 0, invFlags: false, option: 0, invOption: false };
}

function rule(p: Partial<Rule>): Rule {
  return { ...emptyRule(), ...p };
}

function forward(rules: Rule[]): Ruleset {
  const t = newTable('filter');
  t.chains.get('FORWARD')!.rules = rules;
  t.chains.get('FORWARD')!.policy = 'DROP';
  return { tables: new Map([['filter', t]]) };
}

const OPTS: CodegenOptions[] = [DEFAULT_CODEGEN, { ...DEFAULT_CODEGEN, treeMin: 2, tree: { ...DEFAULT_CODEGEN.tree, leafSize: 1, maxCutBits: 4 } }];

/** Run the packets through both (the interpreter is the reference) and return the JIT's per-rule packet counts (after checking they agree). */
function check(rules: Rule[], packets: Array<Partial<PacketContext>>, opts: CodegenOptions): number[] {
  const a = forward(structuredClone(rules)), b = forward(structuredClone(rules));
  const ha = fakeHost(), hb = fakeHost();
  const ref = interpret(a, ha);
  const jit = compileWith(b, hb, bindBinder, opts);
  expect(jit.stats.tables.get('filter')!.chains.get('FORWARD')!.segments.some((s) => s.kind === 'tree')).toBe(true);
  for (const p of packets) {
    const ca = Object.assign(new PacketContext(), { proto: 6, l4Off: 34, ipTotLen: 60 }, p);
    const cb = Object.assign(new PacketContext(), { proto: 6, l4Off: 34, ipTotLen: 60 }, p);
    expect(jit.evaluate(TableId.filter, Hook.FORWARD, cb)).toBe(ref.evaluate(TableId.filter, Hook.FORWARD, ca));
    expect(cb.mark).toBe(ca.mark);
  }
  const fa = a.tables.get('filter')!.chains.get('FORWARD')!, fb = b.tables.get('filter')!.chains.get('FORWARD')!;
  expect(fb.rules.map((r) => r.pkts)).toEqual(fa.rules.map((r) => r.pkts));
  expect(fb.pkts).toBe(fa.pkts);
  expect(hb.calls).toEqual(ha.calls);
  return fb.rules.map((r) => r.pkts);
}

describe('JIT dispatch', () => {
  for (const [k, opts] of OPTS.entries()) {
    const tag = k === 0 ? 'default' : 'tree everywhere';

    it(`wildcard rules interleaved with keyed rules (${tag})`, () => {
      const rules: Rule[] = [];
      for (let p = 1; p <= 30; p++) {
        rules.push(rule({ proto: 6, matches: [tcp(p)], target: p % 3 === 0 ? DROP : ACCEPT }));
        if (p % 7 === 0) rules.push(rule({ target: MARK1 })); // wildcard, non-terminating
        if (p === 15) rules.push(rule({ src: 0x0a000000, srcMask: 0xff000000, target: DROP })); // wildcard in ports
      }
      const pk = Array.from({ length: 40 }, (_, i) => ({ dport: i, saddr: i % 2 === 0 ? 0x0a000001 : 0x0b000001 }));
      const counts = check(rules, pk, opts);
      // Port 20 from 10/8: the -s 10/8 DROP (placed after port 15) wins over the port-20 rule.
      const drop10 = rules.findIndex((r) => r.srcMask === 0xff000000);
      expect(counts[drop10]).toBeGreaterThan(0);
      // Every MARK rule is visited by every packet that gets past the rules before it.
      expect(counts[rules.findIndex((r) => r.target.kind === 'MARK')]).toBeGreaterThan(30);
    });

    it(`duplicate keys keep rule order (${tag})`, () => {
      const rules: Rule[] = [];
      for (let i = 0; i < 24; i++) {
        rules.push(rule({ proto: 6, src: 0x0a000000 + (i % 4), srcMask: 0xffffffff, matches: [tcp(80)], target: i % 5 === 0 ? MARK1 : i % 2 === 0 ? ACCEPT : DROP }));
      }
      const pk = [0, 1, 2, 3, 4].map((x) => ({ dport: 80, saddr: 0x0a000000 + x }));
      const counts = check(rules, pk, opts);
      // Source .0: rule 0 (MARK, continues) then rule 4 (ACCEPT).
      expect(counts[0]).toBe(1);
      expect(counts[4]).toBe(1);
      expect(counts[8]).toBe(0);
    });

    it(`overlapping ranges (${tag})`, () => {
      const rules: Rule[] = [];
      const r = rng(7);
      for (let i = 0; i < 40; i++) {
        const a = Math.floor(r() * 3000), b = a + Math.floor(r() * 2000);
        rules.push(rule({ proto: 6, matches: [tcp(a, b)], target: i % 4 === 0 ? MARK1 : i % 2 === 0 ? ACCEPT : DROP }));
      }
      rules.splice(3, 0, rule({ proto: 6, matches: [tcp(1, 1000)], target: DROP }), rule({ proto: 6, matches: [tcp(80)], target: ACCEPT }));
      const pk = Array.from({ length: 300 }, (_, i) => ({ dport: i * 17 }));
      const counts = check(rules, pk, opts);
      expect(counts[4]).toBe(0); // port 80 is shadowed by 1:1000 DROP
    });

    it(`negated keys fall back to the linear path (${tag})`, () => {
      const rules: Rule[] = [];
      for (let p = 0; p < 30; p++) {
        rules.push(rule({ proto: 6, matches: [tcp(1000 + p)], target: ACCEPT }));
        if (p === 10) rules.push(rule({ proto: 6, matches: [tcp(1020, 1020, true)], target: DROP }));
        if (p === 20) rules.push(rule({ dst: 0x0a000001, dstMask: 0xffffffff, invDst: true, target: MARK1 }));
        if (p === 25) rules.push(rule({ proto: 17, invProto: true, matches: [], target: { kind: 'none' } }));
      }
      const pk = Array.from({ length: 40 }, (_, i) => ({ dport: 995 + i, daddr: i % 3 === 0 ? 0x0a000001 : 0x0a000002 }));
      check(rules, pk, opts);
      const neg = ruleBox(rule({ proto: 6, matches: [tcp(1020, 1020, true)] }));
      expect(neg.exact).toBe(false);
      expect([neg.lo[4], neg.hi[4]]).toEqual([0, DIM_MAX[4]]);
    });

    it(`stateful matches run exactly when the interpreter runs them (${tag})`, () => {
      const rules: Rule[] = [];
      for (let p = 0; p < 30; p++) {
        // The limit comes before the port test: a packet to any port consults it.
        const m: Match[] = p % 6 === 0 ? [{ name: 'limit', avg: 10000, burst: 2 }, tcp(p)] : [tcp(p)];
        rules.push(rule({ proto: 6, matches: m, target: p % 2 === 0 ? ACCEPT : DROP }));
      }
      const pk = Array.from({ length: 40 }, (_, i) => ({ dport: i % 31 }));
      check(rules, pk, opts);
    });
  }

  for (const cutBits of [0, 8]) it(`tree leaves hold every rule whose box contains the point (random boxes, cut bits ${cutBits})`, () => {
    const r = rng(3);
    const n = 400, W = 10;
    const box = new Float64Array(n * W);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < 5; d++) {
        const max = DIM_MAX[d]!;
        const wild = r() < 0.3;
        const a = wild ? 0 : Math.floor(r() * (max + 1)), b = wild ? max : Math.min(max, a + Math.floor(r() * (max + 1) * 0.05));
        box[i * W + 2 * d] = a; box[i * W + 2 * d + 1] = b;
      }
    }
    const t = buildTree({ n, box, shadows: new Uint8Array(n), dead: new Uint8Array(n) }, { leafSize: 2, maxDepth: 30, budgetFactor: 50, maxCutBits: cutBits, spaceFactor: 3 });
    for (let k = 0; k < 2000; k++) {
      // Half the points inside a random rule's box.
      const key = DIM_MAX.map((m) => Math.floor(r() * (m + 1)));
      if (k % 2 === 0) { const i = Math.floor(r() * n); for (let d = 0; d < 5; d++) key[d] = box[i * W + 2 * d]!; }
      const leaf = lookupLeaf(t, key);
      const cands = Array.from(t.cand.subarray(t.leafStart[leaf]!, t.leafEnd[leaf]!));
      const want: number[] = [];
      for (let i = 0; i < n; i++) {
        let inside = true;
        for (let d = 0; d < 5; d++) if (key[d]! < box[i * W + 2 * d]! || key[d]! > box[i * W + 2 * d + 1]!) inside = false;
        if (inside) want.push(i);
      }
      for (const w of want) expect(cands).toContain(w);
      expect([...cands].sort((x, y) => x - y)).toEqual(cands);
    }
  });
});
