/**
 * The control handler with the real iptables binding: reads are answered at
 * once from the ruleset in force, also while a long restore is still being
 * applied; writes wait their turn and are answered once in force; a restore
 * runs in slices (restoreSteps), so timers keep firing while it parses.
 */
import { describe, expect, it } from 'vitest';
import { ControlHandler } from '../../src/control/handler.js';
import { iptablesCommands } from '../../src/control/iptables-binding.js';
import type { Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { generateAcl, toIptablesRestore } from '../../scripts/classbench/generate.js';

describe('ControlHandler', () => {
  it('answers reads from the ruleset in force while a restore waits to be applied', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const applied: Ruleset[] = [];
    const h = new ControlHandler({ commands: iptablesCommands, ruleset: emptyRuleset(), apply: async (rs) => { await gate; applied.push(rs); } });
    const restore = h.handle({ op: 'iptables-restore', argv: [], input: '*filter\n-A INPUT -j DROP\nCOMMIT\n' });
    const write = h.handle({ op: 'iptables', argv: ['-A', 'OUTPUT', '-j', 'ACCEPT'] });
    // Reads do not queue behind the restore: they see the ruleset in force (empty).
    const list = await h.handle({ op: 'iptables', argv: ['-S'] });
    expect(list).toEqual({ stdout: '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n', stderr: '', status: 0 });
    const save = await h.handle({ op: 'iptables-save', argv: [] });
    expect(save.stdout).toBe('');
    const check = await h.handle({ op: 'iptables', argv: ['-C', 'INPUT', '-j', 'DROP'] });
    expect(check.status).toBe(1);
    expect(applied).toHaveLength(0);
    release();
    expect((await restore).status).toBe(0);
    expect((await write).status).toBe(0);
    expect(applied).toHaveLength(2);
    expect((await h.handle({ op: 'iptables', argv: ['-S'] })).stdout).toBe('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-A INPUT -j DROP\n-A OUTPUT -j ACCEPT\n');
  });

  it('-L -Z zeroes, so it is a write and waits its turn', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    let applies = 0;
    const h = new ControlHandler({ commands: iptablesCommands, ruleset: emptyRuleset(), apply: async () => { await gate; applies++; } });
    const w = h.handle({ op: 'iptables', argv: ['-A', 'INPUT', '-j', 'DROP'] });
    let zDone = false;
    const z = h.handle({ op: 'iptables', argv: ['-L', '-Z'] }).then((r) => { zDone = true; return r; });
    await new Promise((r) => setTimeout(r, 20));
    expect(zDone).toBe(false);
    release();
    await w; await z;
    expect(applies).toBeGreaterThanOrEqual(1);
  });

  it('a restore of 10,000 rules runs in slices: the event loop turns while it parses', async () => {
    const text = toIptablesRestore(generateAcl({ rules: 10_000, seed: 2 }));
    const h = new ControlHandler({ commands: iptablesCommands, ruleset: emptyRuleset(), apply: () => undefined });
    let turns = 0;
    const tick = setInterval(() => { turns++; }, 0);
    const r = await h.handle({ op: 'iptables-restore', argv: [], input: text });
    clearInterval(tick);
    expect(r.status).toBe(0);
    expect(turns).toBeGreaterThan(10);
  });
});
