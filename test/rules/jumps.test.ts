/**
 * Jump depth and loops as nf_tables validates them, and both evaluators on deep
 * nesting: what loads (up to 15 chains below a base chain, observed on
 * iptables 1.8.9) evaluates the same in the JIT and the interpreter; what the
 * kernel refuses is refused by iptables with its message and by both
 * evaluators at load.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketContext } from '../../src/packet/context.js';
import { runIptables, runIptablesRestore } from '../../src/iptables/index.js';
import { BindError } from '../../src/rules/bind.js';
import { TableId } from '../../src/rules/evaluator.js';
import { interpret } from '../../src/rules/interpreter.js';
import { compileJit } from '../../src/rules/jit/index.js';
import { jumpProblem, NFT_JUMP_STACK_SIZE } from '../../src/rules/jumps.js';
import { emptyRule, Hook, newTable, type Rule, type Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { fakeHost } from './fake-host.js';

/** INPUT → c1 → … → cN, each chain also matching on a source bit so packets stop at different depths. */
function chainOf(n: number): string {
  const lines = ['*filter'];
  for (let i = 1; i <= n; i++) lines.push(`:c${i} - [0:0]`);
  for (let i = 1; i < n; i++) lines.push(`-A c${i} -s 10.0.0.${i}/32 -j DROP`, `-A c${i} -j c${i + 1}`);
  lines.push(`-A c${n} -j ACCEPT`, '-A INPUT -j c1', 'COMMIT', '');
  return lines.join('\n');
}

describe('jump depth (nf_tables NFT_JUMP_STACK_SIZE)', () => {
  it('15 chains below a base chain load, 16 are "Too many links", as iptables 1.8.9 says', () => {
    expect(NFT_JUMP_STACK_SIZE).toBe(16);
    expect(runIptablesRestore([], chainOf(15), emptyRuleset()).status).toBe(0);
    const deep = runIptablesRestore([], chainOf(16), emptyRuleset());
    expect(deep.status).toBe(4);
    expect(deep.stderr).toContain('RULE_APPEND failed (Too many links)');
    // One command: the chain named is the command's (observed: "rule in chain y" for `-A y -j x`).
    let rs = runIptablesRestore([], chainOf(15).replace('-A INPUT -j c1\n', ''), emptyRuleset()).ruleset;
    rs = runIptables(['-N', 'top'], rs).ruleset;
    rs = runIptables(['-A', 'top', '-j', 'c1'], rs).ruleset;
    const r = runIptables(['-A', 'INPUT', '-j', 'top'], rs);
    expect(r.stderr).toBe('iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Too many links): rule in chain INPUT\n');
    expect(r.status).toBe(4);
    expect(r.ruleset).toBe(rs);
  });

  it('both evaluators refuse to load a table the kernel would refuse', () => {
    const t = newTable('filter');
    for (let i = 0; i <= 16; i++) t.chains.set(`c${i}`, { name: `c${i}`, policy: null, rules: [], pkts: 0, bytes: 0 });
    for (let i = 0; i < 16; i++) t.chains.get(`c${i}`)!.rules.push({ ...emptyRule(), target: { kind: 'jump', chain: `c${i + 1}` } });
    t.chains.get('INPUT')!.rules.push({ ...emptyRule(), target: { kind: 'goto', chain: 'c0' } });
    const rs: Ruleset = { tables: new Map([['filter', t]]) };
    expect(jumpProblem(t)).toBe('depth');
    expect(() => interpret(rs, fakeHost())).toThrow(BindError);
    expect(() => compileJit(rs, fakeHost())).toThrow(BindError);
    t.chains.get('c16')!.rules.push({ ...emptyRule(), target: { kind: 'jump', chain: 'c3' } });
    expect(jumpProblem(t)).toBe('loop');
  });

  it('random deep nestings (up to 15 levels, jumps, gotos and RETURN) evaluate the same in the JIT and the interpreter', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 15 }), fc.array(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 }), { minLength: 15, maxLength: 15 }), (n, seeds) => {
      const build = (): Ruleset => {
        const t = newTable('filter');
        for (let i = 1; i <= n; i++) t.chains.set(`c${i}`, { name: `c${i}`, policy: null, rules: [], pkts: 0, bytes: 0 });
        const add = (chain: string, at: number, s: number): void => {
          const kinds = ['jump', 'goto', 'RETURN', 'DROP', 'ACCEPT', 'none'] as const;
          const kind = at < n ? kinds[s % kinds.length]! : kinds[2 + (s % 4)]!;
          const to = Math.min(n, at + 1 + ((s >> 3) % 3));
          const r: Rule = { ...emptyRule(), src: ((10 << 24) | (s % 8)) >>> 0, srcMask: s % 5 === 0 ? 0 : 0xfffffff8 };
          if (r.srcMask === 0) r.src = 0; else r.src = (r.src & r.srcMask) >>> 0;
          r.target = kind === 'jump' || kind === 'goto' ? { kind, chain: `c${to}` } : kind === 'none' ? { kind: 'none' } : { kind: 'verdict', verdict: kind };
          t.chains.get(chain)!.rules.push(r);
        };
        t.chains.get('INPUT')!.rules.push({ ...emptyRule(), target: { kind: 'jump', chain: 'c1' } });
        for (let i = 1; i <= n; i++) for (const s of seeds[i - 1]!) add(`c${i}`, i, s);
        return { tables: new Map([['filter', t]]) };
      };
      const a = build(), b = build();
      expect(jumpProblem(a.tables.get('filter')!)).toBeNull();
      const jit = compileJit(a, fakeHost()), ref = interpret(b, fakeHost());
      for (let k = 0; k < 16; k++) {
        const c1 = new PacketContext(), c2 = new PacketContext();
        c1.saddr = c2.saddr = ((10 << 24) | k) >>> 0; c1.ipTotLen = c2.ipTotLen = 60;
        expect(jit.evaluate(TableId.filter, Hook.INPUT, c1)).toBe(ref.evaluate(TableId.filter, Hook.INPUT, c2));
      }
      const counts = (rs: Ruleset) => [...rs.tables.get('filter')!.chains.values()].flatMap((c) => [c.pkts, ...c.rules.map((r) => r.pkts)]);
      expect(counts(a)).toEqual(counts(b));
    }), { seed: 0xdee9, numRuns: 150 });
  });
});

describe('iptables-restore names the lines nf_tables blames for EMLINK (recorded from iptables 1.8.9 in a namespace)', () => {
  const chains = (n: number): string[] => Array.from({ length: n }, (_, i) => `:c${i + 1} - [0:0]`);
  const links = (n: number): string[] => Array.from({ length: n - 1 }, (_, i) => `-A c${i + 1} -j c${i + 2}`);
  const PREFIX = 'iptables-restore v1.8.9 (nf_tables): \n';
  const cases: Array<[string, string[], string]> = [
    ['the jump that makes the nesting too deep, last in the block',
      ['*filter', ...chains(20), ...links(20), '-A INPUT -j c4', 'COMMIT'],
      'line 41: RULE_APPEND failed (Too many links): rule in chain INPUT\n'],
    ['the first rule after which the nesting is too deep, and every rule line after it',
      ['*filter', ...chains(20), '-A INPUT -j c4', ...links(20), '-A OUTPUT -j ACCEPT', 'COMMIT'],
      'line 40: RULE_APPEND failed (Too many links): rule in chain c18\nline 41: RULE_APPEND failed (Too many links): rule in chain c19\nline 42: RULE_APPEND failed (Too many links): rule in chain OUTPUT\n'],
    ['a loop closed by the base chain\'s jump',
      ['*filter', ':a - [0:0]', ':b - [0:0]', '-A a -j b', '-A b -j a', '-A INPUT -j a', 'COMMIT'],
      'line 6: RULE_APPEND failed (Too many links): rule in chain INPUT\n'],
    ['a loop closed inside reachable chains',
      ['*filter', ':a - [0:0]', ':b - [0:0]', '-A INPUT -j a', '-A a -j b', '-A b -j a', '-A OUTPUT -j ACCEPT', 'COMMIT'],
      'line 6: RULE_APPEND failed (Too many links): rule in chain b\nline 7: RULE_APPEND failed (Too many links): rule in chain OUTPUT\n'],
  ];
  for (const [name, lines, want] of cases) {
    it(name, () => {
      const r = runIptablesRestore([], `${lines.join('\n')}\n`, emptyRuleset());
      expect(r.stderr).toBe(PREFIX + want);
      expect(r.status).toBe(4);
      expect(r.ruleset.tables.size).toBe(0);
    });
  }
});
