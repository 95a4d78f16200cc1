/**
 * Incremental compilation: one JitRuntime fed a sequence of rulesets, each a
 * copy-on-write edit of the last (rules inserted, deleted, replaced, appended,
 * policies flipped, as iptables commands make them), must evaluate exactly as
 * the interpreter does on the final ruleset — verdicts, counters, host calls,
 * ctx mutations. Unchanged chains keep their code; changed chains are patched
 * (tree views + new linear code) or rebuilt, and both must be exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketContext } from '../../src/packet/context.js';
import { TableId } from '../../src/rules/evaluator.js';
import { interpret } from '../../src/rules/interpreter.js';
import { bindBinder, compileJitDetailed } from '../../src/rules/jit/index.js';
import { compileWith } from '../../src/rules/jit/compile.js';
import { DEFAULT_CODEGEN, type CodegenOptions } from '../../src/rules/jit/chain.js';
import { emptyRule, Hook, type Rule, type Ruleset, type TableName } from '../../src/rules/model.js';
import * as ops from '../../src/rules/ops.js';
import { drain } from '../../src/rules/steps.js';
import { generateAcl } from '../../scripts/classbench/generate.js';
import { fakeHost } from './fake-host.js';
import { counters, fillContext, IFNAMES, packetArb, rulesetArb, type PacketSpec } from './jit-arb.js';

const SMALL: CodegenOptions = { treeMin: 2, wideRun: 1000, chunk: 3, tree: { leafSize: 1, maxDepth: 40, budgetFactor: 64, maxCutBits: 3, spaceFactor: 4 } };

/** One edit: which chain (by index among the table's chains), what, and where. */
interface Edit { table: TableName; chain: number; op: 'insert' | 'delete' | 'replace' | 'append' | 'policy' | 'flush'; at: number; from: number }

const editArb: fc.Arbitrary<Edit> = fc.record({
  table: fc.constantFrom<TableName>('filter', 'mangle', 'nat'),
  chain: fc.nat(8),
  op: fc.constantFrom<Edit['op']>('insert', 'delete', 'replace', 'append', 'insert', 'delete', 'policy', 'flush'),
  at: fc.nat(200),
  from: fc.nat(200),
});

/** Applies an edit with ops.ts (so unchanged rules stay the same objects); rules come from the same chain, cloned. */
function applyEdit(rs: Ruleset, e: Edit): Ruleset {
  const t = rs.tables.get(e.table)!;
  const names = [...t.chains.keys()];
  const name = names[e.chain % names.length]!;
  const c = t.chains.get(name)!;
  const n = c.rules.length;
  const clone = (): Rule => ({ ...structuredClone(c.rules[e.from % n]!), pkts: 0, bytes: 0 });
  switch (e.op) {
    case 'insert': return n === 0 ? rs : ops.insertRule(rs, e.table, name, (e.at % (n + 1)) + 1, clone());
    case 'append': return n === 0 ? rs : ops.appendRule(rs, e.table, name, clone());
    case 'delete': return n === 0 ? rs : ops.deleteRuleNum(rs, e.table, name, (e.at % n) + 1);
    case 'replace': return n === 0 ? rs : ops.replaceRule(rs, e.table, name, (e.at % n) + 1, clone());
    case 'policy': return c.policy === null ? rs : ops.setPolicy(rs, e.table, name, c.policy === 'DROP' ? 'ACCEPT' : 'DROP');
    case 'flush': return c.policy === null && e.at % 4 !== 0 ? rs : ops.flush(rs, e.table, name);
  }
}

const HOOKS: Array<[TableId, Hook]> = [
  [TableId.mangle, Hook.PREROUTING], [TableId.mangle, Hook.FORWARD], [TableId.filter, Hook.FORWARD],
  [TableId.filter, Hook.INPUT], [TableId.mangle, Hook.OUTPUT], [TableId.filter, Hook.OUTPUT], [TableId.nat, Hook.PREROUTING],
  [TableId.nat, Hook.POSTROUTING],
];


function agreeAfterEdits(rs0: Ruleset, edits: Edit[], packets: PacketSpec[], opts: CodegenOptions): void {
  const hJit = fakeHost({ ifNames: IFNAMES }), hRef = fakeHost({ ifNames: IFNAMES });
  const jit = compileWith(rs0, hJit, bindBinder, opts);
  let rs = rs0;
  for (const e of edits) {
    rs = applyEdit(rs, e);
    drain(jit.prepare(rs))();
  }
  const rsRef = structuredClone(rs);
  const ref = interpret(rsRef, hRef);
  let step = 0;
  const cRef = new PacketContext(), cJit = new PacketContext();
  for (const p of packets) {
    for (const [table, hook] of HOOKS) {
      fillContext(cRef, p, hook); fillContext(cJit, p, hook);
      hRef.now = hJit.now = 1_000_000 + 250 * step++;
      expect(jit.evaluate(table, hook, cJit)).toBe(ref.evaluate(table, hook, cRef));
      expect(jit.lastDropWasPolicy).toBe(ref.lastDropWasPolicy);
      expect([cJit.mark, cJit.tos, cJit.ttl]).toEqual([cRef.mark, cRef.tos, cRef.ttl]);
    }
  }
  expect(hJit.calls).toEqual(hRef.calls);
  expect(counters(rs)).toEqual(counters(rsRef));
}

describe('JIT runtime: incremental changes equal the interpreter', () => {
  it('random edit sequences on random rulesets (small segments: patching everywhere)', () => {
    fc.assert(
      fc.property(rulesetArb({ minRules: 4, maxRules: 30, acl: 0.7 }), fc.array(editArb, { minLength: 1, maxLength: 12 }), fc.array(packetArb, { minLength: 5, maxLength: 25 }),
        (rs, edits, pkts) => agreeAfterEdits(rs, edits, pkts, SMALL)),
      { seed: 0x1c4e, numRuns: 60 },
    );
  });

  it('random edit sequences on long chains (default options: trees, views, rebuilds)', () => {
    fc.assert(
      fc.property(rulesetArb({ minRules: 45, maxRules: 90, acl: 0.85 }), fc.array(editArb, { minLength: 1, maxLength: 20 }), fc.array(packetArb, { minLength: 10, maxLength: 25 }),
        (rs, edits, pkts) => agreeAfterEdits(rs, edits, pkts, DEFAULT_CODEGEN)),
      { seed: 0x7a11, numRuns: 20 },
    );
  });

  it('a change in the middle of a 2,000-rule chain keeps its trees (views) and recompiles one chain', () => {
    const host = fakeHost({ ifNames: IFNAMES });
    let rs = generateAcl({ rules: 2000, seed: 3 });
    const jit = compileJitDetailed(rs, host);
    const before = jit.stats.tables.get('filter')!.chains.get('FORWARD')!.segments;
    const trees = before.filter((s) => s.kind === 'tree').length;
    expect(trees).toBeGreaterThan(0);
    const fwd = rs.tables.get('filter')!.chains.get('FORWARD')!;
    // One command at a time, as the control socket applies them.
    rs = ops.replaceRule(rs, 'filter', 'FORWARD', 700, { ...structuredClone(fwd.rules[10]!), pkts: 0, bytes: 0 });
    drain(jit.prepare(rs))();
    rs = ops.appendRule(rs, 'filter', 'FORWARD', { ...structuredClone(fwd.rules[20]!), pkts: 0, bytes: 0 });
    drain(jit.prepare(rs))();
    rs = ops.deleteRuleNum(rs, 'filter', 'FORWARD', 1500);
    drain(jit.prepare(rs))();
    const after = jit.stats.tables.get('filter')!.chains.get('FORWARD')!.segments;
    expect(jit.stats.chainsCompiled).toBe(1);
    // The trees are the same objects, walked as views around the changed rules.
    const treeObjs = new Set(before.flatMap((s) => s.trees ?? []));
    expect(after.filter((s) => s.kind === 'tree').every((s) => s.trees!.every((t) => treeObjs.has(t)))).toBe(true);
    expect(after.filter((s) => s.kind === 'tree').length).toBeGreaterThan(trees);
    expect(after[after.length - 1]!.end).toBe(2000);
    expect(after[after.length - 1]!.kind).toBe('linear');
    // And it still evaluates as the interpreter does.
    const ref = interpret(structuredClone(rs), fakeHost({ ifNames: IFNAMES }));
    const a = new PacketContext(), b = new PacketContext();
    const rnd = fc.sample(packetArb, { numRuns: 400, seed: 9 });
    for (const p of rnd) {
      fillContext(a, p, Hook.FORWARD); fillContext(b, p, Hook.FORWARD);
      expect(jit.evaluate(TableId.filter, Hook.FORWARD, a)).toBe(ref.evaluate(TableId.filter, Hook.FORWARD, b));
    }
  });

  it('a failed prepare (a rule that cannot bind) changes nothing in force', () => {
    const host = fakeHost({ ifNames: IFNAMES });
    const rs0 = ops.appendRule(ops.emptyRuleset(), 'filter', 'FORWARD', emptyDrop());
    const jit = compileJitDetailed(rs0, host);
    const bad = ops.appendRule(rs0, 'filter', 'INPUT', { ...emptyDrop(), matches: [{ name: 'connbytes' } as never] });
    expect(() => drain(jit.prepare(bad))).toThrow();
    expect(jit.ruleset).toBe(rs0);
    const ctx = new PacketContext();
    expect(jit.evaluate(TableId.filter, Hook.INPUT, ctx)).toBe(1);
    expect(jit.evaluate(TableId.filter, Hook.FORWARD, ctx)).toBe(0);
  });
});

function emptyDrop(): Rule {
  return { ...emptyRule(), target: { kind: 'verdict', verdict: 'DROP' } };
}
