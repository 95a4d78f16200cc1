/**
 * explainChain: the generated source for one table/chain is readable (rule
 * comments, reached chains) and compiles as the function body it claims to be.
 */
import { describe, expect, it } from 'vitest';
import { explainChain, ExplainError } from '../../src/rules/jit/explain.js';
import type { Rule } from '../../src/rules/model.js';
import { emptyRule, newTable } from '../../src/rules/model.js';
import { generateAcl } from '../../scripts/classbench/generate.js';

function rule(p: Partial<Rule>): Rule {
  return { ...emptyRule(), ...p };
}

describe('explainChain', () => {
  const t = newTable('filter');
  t.chains.set('web', { name: 'web', policy: null, pkts: 0, bytes: 0, rules: [
    rule({ matches: [{ name: 'comment', comment: 'allow http */ really' }, { name: 'tcp', sport: { lo: 0, hi: 0xffff }, invSport: false, dport: { lo: 80, hi: 80 }, invDport: false, flagsMask: 0, flagsCmp: 0, invFlags: false, option: 0, invOption: false }], proto: 6, target: { kind: 'verdict', verdict: 'ACCEPT' } }),
  ] });
  t.chains.get('INPUT')!.rules = [
    rule({ inIface: 'lo', target: { kind: 'verdict', verdict: 'ACCEPT' } }),
    rule({ src: 0x0a000000, srcMask: 0xff000000, invSrc: true, target: { kind: 'LOG', level: 4, prefix: 'x', flags: 0 } }),
    rule({ proto: 6, target: { kind: 'jump', chain: 'web' } }),
  ];
  t.chains.get('INPUT')!.policy = 'DROP';
  const rs = { tables: new Map([['filter', t]]) } as const;

  it('names the rules and the chains it reaches, and compiles', () => {
    const src = explainChain(rs as never, 'filter', 'INPUT');
    expect(src).toContain('// #1 -i lo -j ACCEPT');
    expect(src).toContain('// #2 ! -s 10.0.0.0/8 -j LOG');
    expect(src).toContain('// #3 -p 6 -j web');
    expect(src).toContain('chain web');
    expect(src).toContain('allow http *\\/ really');
    expect(src).toContain('policy DROP');
    expect(() => new Function('C', src)).not.toThrow();
  });

  it('shows decision trees for big chains and still compiles', () => {
    const acl = generateAcl({ rules: 2000, seed: 5 });
    const src = explainChain(acl, 'filter', 'FORWARD');
    expect(src).toMatch(/tree 0: \d+ rules, \d+ nodes/);
    expect(src).toContain('// #2000 -j DROP');
    expect(() => new Function('C', src)).not.toThrow();
  });

  it('refuses unknown tables and chains with a typed error', () => {
    expect(() => explainChain(rs as never, 'nat', 'INPUT')).toThrow(ExplainError);
    expect(() => explainChain(rs as never, 'filter', 'nope')).toThrow(/does not exist/);
  });
});
