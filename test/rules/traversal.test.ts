/**
 * The tutorial's traversal experiment at the model level: a LOG rule in every
 * chain of every table (and a user chain jumped to from each built-in one),
 * then packets run through the table sequence of each path; the order of
 * chains hit must be the tutorial's Tables 3-1 (to the host), 3-2 (from the
 * host) and 3-3 (forwarded), plus nat INPUT that newer kernels have.
 */
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/rules/interpreter.js';
import { BUILTIN_CHAINS, type TableName } from '../../src/rules/model.js';
import { traversal } from '../../src/rules/traversal.js';
import { Verdict } from '../../src/rules/verdict.js';
import { fakeHost } from './fake-host.js';
import { buildPacket } from './packet-builder.js';
import { chain, jump, log, rule, ruleset } from './rules-builder.js';

function loggingRuleset() {
  const tables: TableName[] = ['raw', 'mangle', 'nat', 'filter'];
  const rs = ruleset(...tables);
  for (const t of tables) {
    for (const c of BUILTIN_CHAINS[t]) {
      const user = `${t}-${c}-sub`;
      chain(rs, t, c).rules.push(rule({ target: log(`${t}:${c}`) }), rule({ target: jump(user) }));
      chain(rs, t, user).rules.push(rule({ target: log(`${t}:${c}:sub`) }));
    }
  }
  return rs;
}

function run(scenario: 'forward' | 'input' | 'output'): string[] {
  const rs = loggingRuleset();
  const host = fakeHost();
  const ev = interpret(rs, host);
  const ctx = buildPacket();
  for (const step of traversal(scenario)) {
    ctx.hook = step.hookId;
    expect(ev.evaluate(step.tableId, step.hookId, ctx)).toBe(Verdict.ACCEPT);
  }
  return host.of('log').map((c) => `${c.table}:${c.chain}`);
}


describe('table traversal order (tutorial Tables 3-1, 3-2, 3-3)', () => {
  const withSubs = (pairs: string[]): string[] => pairs.flatMap((p) => {
    const [t, c] = p.split(':') as [string, string];
    return [p, `${t}:${t}-${c}-sub`];
  });

  it('forwarded packets (Table 3-3)', () => {
    expect(run('forward')).toEqual(withSubs([
      'raw:PREROUTING', 'mangle:PREROUTING', 'nat:PREROUTING',
      'mangle:FORWARD', 'filter:FORWARD',
      'mangle:POSTROUTING', 'nat:POSTROUTING',
    ]));
  });

  it('packets to the host (Table 3-1, plus nat INPUT)', () => {
    expect(run('input')).toEqual(withSubs([
      'raw:PREROUTING', 'mangle:PREROUTING', 'nat:PREROUTING',
      'mangle:INPUT', 'filter:INPUT', 'nat:INPUT',
    ]));
  });

  it('packets from the host (Table 3-2)', () => {
    expect(run('output')).toEqual(withSubs([
      'raw:OUTPUT', 'mangle:OUTPUT', 'nat:OUTPUT', 'filter:OUTPUT',
      'mangle:POSTROUTING', 'nat:POSTROUTING',
    ]));
  });

  it('steps carry consistent names and ids', () => {
    for (const s of ['forward', 'input', 'output'] as const) {
      for (const st of traversal(s)) {
        expect(BUILTIN_CHAINS[st.table]).toContain(st.hook);
      }
    }
  });
});
