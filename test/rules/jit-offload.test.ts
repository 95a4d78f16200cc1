/**
 * Trees built on the worker thread (tree-offload.ts, from the compiled dist/
 * that `npm test` builds first) are the trees built inline, and a JIT runtime
 * that offloads its trees evaluates as the whole build does. Under vitest the
 * sources run as TypeScript, where TreeWorker.create() has no worker file:
 * this test loads the compiled modules to cover the path the daemon runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PacketContext } from '../../src/packet/context.js';
import { TableId } from '../../src/rules/evaluator.js';
import { interpret } from '../../src/rules/interpreter.js';
import { Hook } from '../../src/rules/model.js';
import { generateAcl, generateTrace, PKT_FIELDS } from '../../scripts/classbench/generate.js';
import { fakeHost } from './fake-host.js';

const dist = (p: string): string => fileURLToPath(new URL(`../../dist/src/${p}`, import.meta.url));

describe('JIT trees on a worker thread', () => {
  it('the compiled worker exists (npm test builds first)', () => {
    expect(existsSync(dist('rules/jit/tree-worker.js'))).toBe(true);
  });

  it('builds the same trees as inline, and a runtime using it agrees with the interpreter', async () => {
    const offload = await import(dist('rules/jit/tree-offload.js'));
    const tree = await import(dist('rules/jit/tree.js'));
    const jitIndex = await import(dist('rules/jit/index.js'));
    const steps = await import(dist('rules/steps.js'));
    const w = offload.TreeWorker.create();
    expect(w).not.toBeNull();
    try {
      // Same input, built both ways.
      const n = 3000, W = 10;
      const box = new Float64Array(n * W);
      for (let i = 0; i < n; i++) {
        const a = (i * 2654435761) >>> 0;
        box.set([a & 0xffffff00, (a & 0xffffff00) + 255, 0, 0xffffffff, 12, 13, 0, 65535, i % 1000, i % 1000], i * W);
      }
      const inp = () => ({ n, box: box.slice(), shadows: new Uint8Array(n), dead: new Uint8Array(n) });
      const a = tree.buildTree(inp());
      const b = await w.build(inp(), tree.DEFAULT_TREE_OPTIONS);
      expect(Array.from(b.cand)).toEqual(Array.from(a.cand));
      expect(Array.from(b.dim)).toEqual(Array.from(a.dim));
      expect(b.root).toBe(a.root);

      // A runtime whose big trees come from the worker (prepare run in slices).
      const rs = generateAcl({ rules: 5000, seed: 11 });
      const host = fakeHost();
      const jit = jitIndex.createJitRuntime(host, w.build);
      (await steps.runInSlices(jit.prepare(rs)))();
      const ref = interpret(structuredClone(rs), fakeHost());
      const fwd = rs.tables.get('filter')!.chains.get('FORWARD')!.rules;
      const t = generateTrace(fwd, 2000, 5);
      const c1 = new PacketContext(), c2 = new PacketContext();
      for (let k = 0; k < t.count; k++) {
        const o = k * PKT_FIELDS;
        for (const c of [c1, c2]) {
          c.saddr = t.f[o]!; c.daddr = t.f[o + 1]!; c.proto = t.f[o + 2]!; c.sport = t.f[o + 3]!; c.dport = t.f[o + 4]!;
          c.l4Off = t.f[o + 5] === 1 ? 34 : -1; c.ipTotLen = t.f[o + 6]!;
        }
        expect(jit.evaluate(TableId.filter, Hook.FORWARD, c1)).toBe(ref.evaluate(TableId.filter, Hook.FORWARD, c2));
      }
    } finally {
      await w.close();
    }
  });
});
