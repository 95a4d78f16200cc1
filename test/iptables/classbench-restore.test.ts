/** The benchmark's rule files (scripts/classbench, as bench:control generates them) restore in rawgate's iptables-restore. */
import { describe, expect, it } from 'vitest';
import { generateAcl, toIptablesRestore } from '../../scripts/classbench/generate.js';
import { runIptablesRestore, runIptablesSave } from '../../src/iptables/index.js';
import { emptyRuleset } from '../../src/rules/ops.js';

describe('classbench files through iptables-restore', () => {
  it('10,000 generated rules restore, and iptables-save prints them back line for line', () => {
    const text = toIptablesRestore(generateAcl({ rules: 10_000, seed: 1 }));
    const r = runIptablesRestore([], text, emptyRuleset());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const forward = r.ruleset.tables.get('filter')?.chains.get('FORWARD');
    expect(forward?.policy).toBe('DROP');
    expect(forward?.rules.length).toBe(10_000);
    const rules = (s: string) => s.split('\n').filter((l) => l.startsWith('-A '));
    expect(rules(runIptablesSave([], r.ruleset).stdout)).toEqual(rules(text));
  });
});
