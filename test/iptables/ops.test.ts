/** src/rules/ops.ts: copy-on-write model operations with nft semantics. */
import { describe, expect, it } from 'vitest';
import { emptyRule } from '../../src/rules/model.js';
import * as ops from '../../src/rules/ops.js';
import { sameRule } from '../../src/iptables/index.js';

const rule = (verdict: 'ACCEPT' | 'DROP', pkts = 0) => ({ ...emptyRule(), target: { kind: 'verdict' as const, verdict }, pkts });

describe('ops', () => {
  it('never changes its input and shares what it does not change', () => {
    const a = ops.appendRule(ops.emptyRuleset(), 'filter', 'INPUT', rule('ACCEPT', 7));
    const b = ops.appendRule(a, 'filter', 'OUTPUT', rule('DROP'));
    expect(a.tables.get('filter')!.chains.get('OUTPUT')!.rules).toHaveLength(0);
    const inA = a.tables.get('filter')!.chains.get('INPUT')!;
    const inB = b.tables.get('filter')!.chains.get('INPUT')!;
    expect(inB).toBe(inA);
    expect(inB.rules[0]!.pkts).toBe(7);
  });

  it('inside a transaction edits in place what the transaction created, and never what came before', () => {
    const a = ops.appendRule(ops.emptyRuleset(), 'filter', 'INPUT', rule('ACCEPT', 7));
    const tx = new ops.Transaction();
    const b = ops.inTransaction(tx, () => ops.appendRule(a, 'filter', 'INPUT', rule('DROP')));
    const c = ops.inTransaction(tx, () => ops.appendRule(b, 'filter', 'INPUT', rule('ACCEPT')));
    expect(c).toBe(b); // owned: edited in place
    expect(a.tables.get('filter')!.chains.get('INPUT')!.rules).toHaveLength(1);
    expect(c.tables.get('filter')!.chains.get('INPUT')!.rules.map((r) => r.target)).toHaveLength(3);
    // Outside the transaction the same value is copied again.
    const d = ops.appendRule(c, 'filter', 'INPUT', rule('DROP'));
    expect(d).not.toBe(c);
    expect(c.tables.get('filter')!.chains.get('INPUT')!.rules).toHaveLength(3);
    // A refused edit inside the transaction changes nothing.
    expect(() => ops.inTransaction(tx, () => ops.insertRule(c, 'filter', 'INPUT', 9, rule('DROP')))).toThrow(/too big/);
    expect(c.tables.get('filter')!.chains.get('INPUT')!.rules).toHaveLength(3);
  });

  it('creates tables only when something writes (nft semantics)', () => {
    const rs = ops.emptyRuleset();
    expect(ops.viewTable(rs, 'nat').chains.size).toBe(4);
    expect(rs.tables.size).toBe(0);
    expect(() => ops.checkRule(rs, 'filter', 'INPUT', rule('ACCEPT'), sameRule)).toThrow(/Bad rule/);
    expect(ops.newChain(rs, 'nat', 'x').tables.has('nat')).toBe(true);
    expect(ops.setPolicy(rs, 'raw', 'OUTPUT', 'DROP').tables.get('raw')!.chains.get('OUTPUT')!.policy).toBe('DROP');
  });

  it('inserts, replaces and deletes by number and by spec', () => {
    let rs = ops.appendRule(ops.emptyRuleset(), 'filter', 'INPUT', rule('ACCEPT'));
    rs = ops.insertRule(rs, 'filter', 'INPUT', 2, rule('DROP'));
    rs = ops.insertRule(rs, 'filter', 'INPUT', 1, rule('DROP'));
    expect(ops.findChain(rs, 'filter', 'INPUT')!.rules.map((r) => (r.target as { verdict: string }).verdict)).toEqual(['DROP', 'ACCEPT', 'DROP']);
    rs = ops.replaceRule(rs, 'filter', 'INPUT', 3, rule('ACCEPT'));
    rs = ops.deleteRuleSpec(rs, 'filter', 'INPUT', rule('ACCEPT'), sameRule);
    rs = ops.deleteRuleNum(rs, 'filter', 'INPUT', 1);
    expect(ops.findChain(rs, 'filter', 'INPUT')!.rules).toHaveLength(1);
    expect(() => ops.insertRule(rs, 'filter', 'INPUT', 3, rule('DROP'))).toThrow(/Index of insertion too big/);
    expect(() => ops.deleteRuleNum(rs, 'filter', 'INPUT', 2)).toThrow(/Index of deletion too big/);
  });

  it('zeroes counters of a chain, a rule, or everything', () => {
    let rs = ops.appendRule(ops.emptyRuleset(), 'filter', 'INPUT', rule('ACCEPT', 5));
    rs = ops.appendRule(rs, 'filter', 'INPUT', rule('DROP', 6));
    const one = ops.zero(rs, 'filter', 'INPUT', 2);
    expect(ops.findChain(one, 'filter', 'INPUT')!.rules.map((r) => r.pkts)).toEqual([5, 0]);
    const all = ops.zero(rs, 'filter');
    expect(ops.findChain(all, 'filter', 'INPUT')!.rules.map((r) => r.pkts)).toEqual([0, 0]);
    expect(ops.findChain(rs, 'filter', 'INPUT')!.rules.map((r) => r.pkts)).toEqual([5, 6]);
  });

  it('renames chains and the jumps to them; deletes only empty unreferenced chains', () => {
    let rs = ops.newChain(ops.emptyRuleset(), 'filter', 'bar');
    rs = ops.appendRule(rs, 'filter', 'INPUT', { ...emptyRule(), target: { kind: 'jump', chain: 'bar' } });
    expect(() => ops.deleteChain(rs, 'filter', 'bar')).toThrow(/Device or resource busy/);
    rs = ops.renameChain(rs, 'filter', 'bar', 'baz');
    expect(ops.findChain(rs, 'filter', 'INPUT')!.rules[0]!.target).toEqual({ kind: 'jump', chain: 'baz' });
    expect(ops.countReferences(rs.tables.get('filter')!, 'baz')).toBe(1);
    rs = ops.flush(rs, 'filter', 'INPUT');
    expect(ops.deleteChain(rs, 'filter').tables.get('filter')!.chains.has('baz')).toBe(false);
  });

  it('refuses policies on user chains and policies other than ACCEPT/DROP', () => {
    const rs = ops.newChain(ops.emptyRuleset(), 'filter', 'u');
    expect(() => ops.setPolicy(rs, 'filter', 'u', 'DROP')).toThrow(/Bad built-in chain name/);
    expect(() => ops.setPolicy(rs, 'filter', 'INPUT', 'RETURN')).toThrow(/Bad policy name/);
  });
});
