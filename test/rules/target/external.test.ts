import { describe, expect, it } from 'vitest';
import { BindError, bindTarget, createBindEnv } from '../../../src/rules/bind.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import type { Target } from '../../../src/rules/targets.js';
import { Verdict } from '../../../src/rules/verdict.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket } from '../packet-builder.js';

function run(t: Target, natVerdict: Verdict = Verdict.ACCEPT) {
  const host = fakeHost({ natVerdict });
  const f = bindTarget(t, emptyRule(), createBindEnv(host, new RecentTables()), 'filter', 'INPUT');
  const ctx = buildPacket();
  ctx.mark = 7;
  return { v: f(ctx), calls: host.calls };
}

describe('host targets', () => {
  it('LOG / NFLOG / ULOG log with table and chain, then continue', () => {
    expect(run({ kind: 'LOG', level: 4, prefix: 'P: ', flags: 0 })).toEqual({
      v: Verdict.CONTINUE, calls: [{ fn: 'log', kind: 'LOG', table: 'filter', chain: 'INPUT', prefix: 'P: ', mark: 7 }],
    });
    expect(run({ kind: 'NFLOG', group: 2, prefix: 'n' }).v).toBe(Verdict.CONTINUE);
    expect(run({ kind: 'ULOG', group: 1, prefix: 'u', cprange: 0, qthreshold: 1 }).calls[0]!.kind).toBe('ULOG');
  });
  it('REJECT and MIRROR call the host and steal the packet', () => {
    expect(run({ kind: 'REJECT', with: 'tcp-reset' })).toEqual({ v: Verdict.STOLEN, calls: [{ fn: 'reject', kind: 'tcp-reset', mark: 7 }] });
    expect(run({ kind: 'MIRROR' })).toEqual({ v: Verdict.STOLEN, calls: [{ fn: 'mirror', kind: 'MIRROR', mark: 7 }] });
  });
  it('NAT targets return the host\'s verdict', () => {
    expect(run({ kind: 'DNAT', range: null, random: false, randomFully: false, persistent: false })).toEqual({ v: Verdict.ACCEPT, calls: [{ fn: 'nat', kind: 'DNAT', mark: 7 }] });
    expect(run({ kind: 'MASQUERADE', minPort: 0, maxPort: 0, random: false, randomFully: false }, Verdict.DROP).v).toBe(Verdict.DROP);
    expect(run({ kind: 'NETMAP', addr: 0, mask: 0 }).calls[0]!.kind).toBe('NETMAP');
  });
  it('CT / NOTRACK / CONNMARK go through host.conntrack and continue; TRACE is a no-op', () => {
    expect(run({ kind: 'NOTRACK' })).toEqual({ v: Verdict.CONTINUE, calls: [{ fn: 'conntrack', kind: 'NOTRACK', mark: 7 }] });
    expect(run({ kind: 'CT', notrack: false, helper: 'ftp', zone: 0 }).v).toBe(Verdict.CONTINUE);
    expect(run({ kind: 'CONNMARK', mode: 'restore', ctmark: 0, ctmask: 0, nfmask: 0xffffffff, form: '' }).calls[0]!.kind).toBe('CONNMARK');
    expect(run({ kind: 'TRACE' })).toEqual({ v: Verdict.CONTINUE, calls: [] });
  });
  it('refuses evaluator-owned targets', () => {
    expect(() => run({ kind: 'jump', chain: 'X' })).toThrow(BindError);
    expect(() => run({ kind: 'verdict', verdict: 'ACCEPT' })).toThrow(BindError);
  });
});
