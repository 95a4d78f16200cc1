/**
 * Hostile names and values through every command, into the running JIT: the
 * control handler runs the real iptables binding and applies each accepted
 * change to one JIT runtime incrementally, as the daemon does. Whatever a
 * command accepts must compile (no fallback, no SyntaxError), must not run
 * anything of its own, and must leave a ruleset that iptables-save prints and
 * iptables-restore reads back; whatever it refuses must change nothing.
 */
import { describe, expect, it } from 'vitest';
import { ControlHandler } from '../../src/control/handler.js';
import { iptablesCommands } from '../../src/control/iptables-binding.js';
import { runIptablesRestore, runIptablesSave } from '../../src/iptables/index.js';
import { TableId } from '../../src/rules/evaluator.js';
import { createJitRuntime } from '../../src/rules/jit/index.js';
import { Hook, type Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runInSlices } from '../../src/rules/steps.js';
import { fakeHost } from '../rules/fake-host.js';
import { buildPacket } from '../rules/packet-builder.js';

const g = globalThis as { __rawgatePwned?: number };

const HOSTILE = [
  'a\nglobalThis.__rawgatePwned = 1;\n//',
  'b\r}; globalThis.__rawgatePwned = 2; function z() {',
  'c\u2028globalThis.__rawgatePwned = 3;',
  'e */ globalThis.__rawgatePwned = 5; /*',
  'f"; globalThis.__rawgatePwned = 6; "',
  "g'; x",
  'h\\',
  '`${globalThis.__rawgatePwned = 8}`',
  '',
  ' ',
  ':lead',
  '-dash',
  '!bang',
  'x'.repeat(40),
  'ünïcödé',
];

function commandsFor(v: string): string[][] {
  return [
    ['-N', v],
    ['-N', 'ok'], ['-E', 'ok', v],
    ['-A', 'FORWARD', '-m', 'comment', '--comment', v, '-j', 'ACCEPT'],
    ['-A', 'FORWARD', '-j', 'LOG', '--log-prefix', v],
    ['-A', 'FORWARD', '-i', v, '-j', 'DROP'],
    ['-A', 'FORWARD', '-o', `${v}+`, '-j', 'DROP'],
    ['-A', 'FORWARD', '-m', 'recent', '--name', v, '--set'],
    ['-A', 'FORWARD', '-m', 'hashlimit', '--hashlimit-upto', '5/sec', '--hashlimit-name', v],
    ['-A', 'FORWARD', '-j', v],
    ['-I', 'FORWARD', '1', '-p', 'tcp', '--dport', '22', '-m', 'comment', '--comment', v, '-j', 'ACCEPT'],
    ['-R', 'FORWARD', '1', '-m', 'comment', '--comment', v, '-j', 'DROP'],
    ['-D', 'FORWARD', '-m', 'comment', '--comment', v, '-j', 'DROP'],
    ['-X', 'ok'],
  ];
}

describe('hostile names and values through every command into the JIT', () => {
  it('compile, run nothing of their own, and round-trip through save/restore; refusals change nothing', async () => {
    delete g.__rawgatePwned;
    const host = fakeHost();
    const jit = createJitRuntime(host);
    const applied: Ruleset[] = [];
    const handler = new ControlHandler({
      commands: iptablesCommands,
      ruleset: emptyRuleset(),
      apply: async (rs) => {
        const commit = await runInSlices(jit.prepare(rs));
        commit();
        applied.push(rs);
      },
    });
    let accepted = 0;
    for (const v of HOSTILE) {
      for (const argv of commandsFor(v)) {
        const before = handler.ruleset;
        const n = applied.length;
        const r = await handler.handle({ op: 'iptables', argv });
        expect(r.stderr, JSON.stringify(argv)).not.toMatch(/could not be applied|internal error/);
        if (r.status !== 0) {
          expect(handler.ruleset, JSON.stringify(argv)).toBe(before);
          expect(applied.length).toBe(n);
          continue;
        }
        accepted++;
        expect(jit.ruleset).toBe(handler.ruleset);
        // The compiled code runs (every chain reachable from FORWARD) and agrees that nothing ran.
        jit.evaluate(TableId.filter, Hook.FORWARD, buildPacket({ dport: 22 }));
        const saved = runIptablesSave([], handler.ruleset).stdout;
        const back = runIptablesRestore([], saved, emptyRuleset());
        expect(back.status, `${JSON.stringify(argv)}\n${saved}\n${back.stderr}`).toBe(0);
        // Policy counters are printed by save but not restored without -c.
        const norm = (t: string): string => t.replace(/^#.*\n/gm, '').replace(/\[\d+:\d+\]/g, '[0:0]');
        expect(norm(runIptablesSave([], back.ruleset).stdout)).toBe(norm(saved));
      }
    }
    expect(accepted).toBeGreaterThan(20);
    expect(g.__rawgatePwned).toBeUndefined();
  });
});
