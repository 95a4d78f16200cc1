/**
 * The JIT's generated source and every extension's bind outcome, pinned for a
 * fixed sample: every rule that parses from the iptables corpora and the OK
 * lines of iptables' own .t suite (so every registered extension is in it).
 * Each rule is compiled as a chain of its own (with its dispatch box and the
 * outcome of binding it), and all of them as one big chain (so decision trees
 * are built). Refactors of the extension modules must leave this
 * byte-identical; a deliberate change of generated code updates the snapshot
 * (vitest -u) and says why in its commit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/iptables/index.js';
import { explainChain } from '../../src/rules/jit/explain.js';
import { quietTest, ruleBox } from '../../src/rules/jit/box.js';
import { bindMatch, bindTarget, createBindEnv } from '../../src/rules/bind.js';
import { newTable, type Rule, type Ruleset, type TableName } from '../../src/rules/model.js';
import { RecentTables } from '../../src/rules/state/recent.js';
import { allMatches, allTargets } from '../../src/iptables/ext/index.js';
import { fakeHost } from './fake-host.js';
import { shellWords } from '../iptables/fixture-format.js';
import { readTFile, REF } from '../iptables/reference.js';

const CORPORA = ['corpus-core.txt', 'corpus-ext.txt', 'corpus-chains.txt', 'corpus-roundtrip.txt'];

/** Words of a corpus line (double or single quotes). */
function words(s: string): string[] {
  return [...s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

interface Sample { line: string; table: TableName; chain: string; rule: Rule; rs: Ruleset }

/** The rule as parsed (the kernel's table and hook checks are not made: what they refuse still compiles). */
function sample(out: Sample[], line: string, table: string, chain: string, rest: string[]): void {
  let rule: Rule | undefined;
  try {
    rule = parseCommandLine(['iptables', '-t', table, '-A', chain, ...rest], { warn: () => {} }).rules[0];
  } catch {
    return;
  }
  if (rule === undefined) return;
  const t = newTable(table as TableName);
  t.chains.set(chain, { name: chain, policy: null, pkts: 0, bytes: 0, rules: [rule] });
  out.push({ line, table: table as TableName, chain, rule, rs: { tables: new Map([[t.name, t]]) } });
}

function samples(): Sample[] {
  const out: Sample[] = [];
  const tdir = join(REF, 'iptables-1.8.9-tests');
  for (const f of readdirSync(tdir).filter((n) => n.endsWith('.t')).sort()) {
    for (const t of readTFile(join(tdir, f))) {
      if (t.result !== 'OK' || t.chains.length === 0) continue;
      sample(out, `${f}: ${t.table} ${t.chains[0]} ${t.rule}`, t.table, t.chains[0]!, shellWords(t.rule));
    }
  }
  for (const f of CORPORA) {
    for (const line of readFileSync(new URL(`../iptables/fixtures/${f}`, import.meta.url), 'utf8').split('\n')) {
      if (line === '' || line.startsWith('#') || line.startsWith('@')) continue;
      const [table, chain, ...rest] = words(line);
      sample(out, line, table!, chain!, rest);
    }
  }
  // Extensions neither corpus loads (old targets the .t suite does not cover).
  for (const extra of ['filter INPUT -m unclean', 'nat PREROUTING -j SAME --to 1.2.3.4-1.2.3.9 --nodst', 'filter INPUT -j ULOG --ulog-prefix x', 'filter INPUT -j MIRROR',
    'filter INPUT -d 10.31.3.236/32 -i lo -j CLUSTERIP --new --hashmode sourceip --clustermac 01:AA:7B:47:F7:D7 --total-nodes 2 --local-node 1 --hash-init 1']) {
    const [table, chain, ...rest] = words(extra);
    sample(out, extra, table!, chain!, rest);
  }
  return out;
}

function bindOutcome(rule: Rule): string {
  const env = createBindEnv(fakeHost(), new RecentTables());
  const parts: string[] = [];
  const tryBind = (what: string, f: () => unknown): void => {
    try { f(); parts.push(`${what}: ok`); } catch (e) { parts.push(`${what}: ${(e as Error).name}: ${(e as Error).message}`); }
  };
  for (const m of rule.matches) tryBind(`-m ${m.name}`, () => bindMatch(m, rule, env));
  const t = rule.target;
  if (t.kind !== 'none' && t.kind !== 'verdict' && t.kind !== 'jump' && t.kind !== 'goto') {
    tryBind(`-j ${t.kind}`, () => bindTarget(t, rule, env, 'filter', 'INPUT'));
  }
  return parts.join('\n');
}

/** The explain header every unit repeats (left out of the per-rule text). */
const BOILERPLATE = new Set([
  '// Chain functions return 0 DROP, 1 ACCEPT, 2 STOLEN, 3 QUEUE or -2 (RETURN / end of chain);',
  '// segment functions return -1 when the packet fell through. D[k] is the chain in slot k,',
  '// MF[k]/TF[k] are bound matches/targets. Each unit is compiled on its own (new Function).',
  '"use strict";',
]);

/** The rule's dispatch box and whether it may be tested out of order. */
function boxText(rule: Rule): string {
  const b = ruleBox(rule);
  return `box ${b.lo.join(',')} .. ${b.hi.join(',')}${b.exact ? ' exact' : ''}${quietTest(rule) ? ' quiet' : ''}`;
}

/** The explain text, or the error that refused the chain (a chain jumping to itself). */
function explained(rs: Ruleset, table: string, chain: string): string {
  try { return explainChain(rs, table, chain); } catch (e) { return `${(e as Error).name}: ${(e as Error).message}`; }
}

describe('JIT source of the corpus rules', () => {
  const all = samples();

  it('covers every registered extension that can load', () => {
    const seen = new Set<string>();
    for (const s of all) {
      for (const m of s.rule.matches) seen.add(m.name);
      seen.add(s.rule.target.kind);
    }
    // set/SET name ipset sets (none exist) and nfacct accounting objects (none exist): they never load.
    const missing = [...allMatches().map((m) => m.name), ...allTargets().map((t) => t.name)]
      .filter((n) => !seen.has(n) && !['set', 'SET', 'nfacct'].includes(n));
    expect(missing).toEqual([]);
  });

  it('is unchanged, rule by rule (source and bind outcome)', async () => {
    const text = all.map((s) => [`=== ${s.line}`, boxText(s.rule), explained(s.rs, s.table, s.chain).split('\n').filter((l) => !BOILERPLATE.has(l)).join('\n'), bindOutcome(s.rule)].join('\n')).join('\n');
    await expect(text).toMatchFileSnapshot('fixtures/jit-source-rules.txt');
  });

  it('is unchanged for one big chain of every rule (trees and boxes)', async () => {
    const t = newTable('filter');
    t.chains.set('ALL', { name: 'ALL', policy: null, pkts: 0, bytes: 0, rules: all.map((s) => s.rule) });
    await expect(explained({ tables: new Map([['filter', t]]) }, 'filter', 'ALL')).toMatchFileSnapshot('fixtures/jit-source-chain.txt');
  });
});
