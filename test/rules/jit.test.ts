/**
 * Property tests: the JIT and the interpreter (src/rules/interpreter.ts, the
 * reference) agree on random rulesets and packets — verdicts,
 * lastDropWasPolicy, rule and policy counters, the sequence of host calls
 * (recorded by the fake host, with the mark at each call), and ctx mutations
 * (mark, TOS, TTL, priority, header bytes). Both bind matches and targets with
 * src/rules/bind.ts, as in production.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketContext } from '../../src/packet/context.js';
import type { CompiledRuleset } from '../../src/rules/evaluator.js';
import { TableId } from '../../src/rules/evaluator.js';
import { interpret } from '../../src/rules/interpreter.js';
import { bindBinder } from '../../src/rules/jit/index.js';
import { compileWith } from '../../src/rules/jit/compile.js';
import { DEFAULT_CODEGEN, type CodegenOptions } from '../../src/rules/jit/chain.js';
import type { Ruleset } from '../../src/rules/model.js';
import { Hook } from '../../src/rules/model.js';
import { counters, fillContext, IFNAMES, packetArb, rulesetArb, type PacketSpec } from './jit-arb.js';
import { fakeHost } from './fake-host.js';

/** Aggressive options: trees for every chain of 2+ rules, leaves of one candidate. */
const TREE_EVERYWHERE: CodegenOptions = { treeMin: 2, wideRun: 1000, chunk: 3, tree: { leafSize: 1, maxDepth: 40, budgetFactor: 64, maxCutBits: 3, spaceFactor: 4 } };


const HOOKS: Array<[TableId, Hook]> = [
  [TableId.mangle, Hook.PREROUTING], [TableId.mangle, Hook.FORWARD], [TableId.filter, Hook.FORWARD],
  [TableId.filter, Hook.INPUT], [TableId.mangle, Hook.OUTPUT], [TableId.filter, Hook.OUTPUT], [TableId.nat, Hook.PREROUTING],
  [TableId.nat, Hook.INPUT], [TableId.nat, Hook.POSTROUTING], [TableId.raw, Hook.PREROUTING], [TableId.filter, Hook.PREROUTING],
];

function ctxState(c: PacketContext): unknown[] {
  return [c.mark, c.tos, c.ttl, c.priority, Array.from(c.buf.subarray(0, 20))];
}

function agree(rs: Ruleset, packets: PacketSpec[], opts: CodegenOptions): void {
  const rsRef = structuredClone(rs), rsJit = structuredClone(rs);
  const hRef = fakeHost({ ifNames: IFNAMES }), hJit = fakeHost({ ifNames: IFNAMES });
  const ref: CompiledRuleset = interpret(rsRef, hRef);
  const jit = compileWith(rsJit, hJit, bindBinder, opts);
  let step = 0;
  const cRef = new PacketContext(), cJit = new PacketContext();
  for (const p of packets) {
    for (const [table, hook] of HOOKS) {
      fillContext(cRef, p, hook); fillContext(cJit, p, hook);
      // Time moves on so limit buckets refill and recent entries age.
      hRef.now = hJit.now = 1_000_000 + 250 * step++;
      const a = ref.evaluate(table, hook, cRef);
      const b = jit.evaluate(table, hook, cJit);
      expect(b).toBe(a);
      expect(jit.lastDropWasPolicy).toBe(ref.lastDropWasPolicy);
      expect(ctxState(cJit)).toEqual(ctxState(cRef));
    }
  }
  expect(hJit.calls).toEqual(hRef.calls);
  expect(counters(rsJit)).toEqual(counters(rsRef));
}

describe('JIT equals the interpreter', () => {
  for (const [name, opts] of [['default options', DEFAULT_CODEGEN], ['trees everywhere', TREE_EVERYWHERE]] as const) {
    it(`random rulesets and packets (${name})`, () => {
      fc.assert(
        fc.property(rulesetArb({ maxRules: 24 }), fc.array(packetArb, { minLength: 1, maxLength: 30 }), (rs, pkts) => agree(rs, pkts, opts)),
        { seed: 0x5eed, numRuns: name === "trees everywhere" ? 60 : 100 },
      );
    });
  }

  it('long verdict-only chains (first match per tree, then the smallest index)', () => {
    fc.assert(
      fc.property(rulesetArb({ minRules: 20, maxRules: 80, verdictsOnly: true }), fc.array(packetArb, { minLength: 20, maxLength: 40 }), (rs, pkts) => {
        agree(rs, pkts, DEFAULT_CODEGEN);
        agree(rs, pkts, TREE_EVERYWHERE);
      }),
      { seed: 0xac1, numRuns: 25 },
    );
  });

  it('long chains (segmented trees with wide runs)', () => {
    fc.assert(
      fc.property(rulesetArb({ minRules: 16, maxRules: 60, acl: 0.85 }), fc.array(packetArb, { minLength: 20, maxLength: 40 }), (rs, pkts) => agree(rs, pkts, DEFAULT_CODEGEN)),
      { seed: 0xbeef, numRuns: 25 },
    );
  });
});
