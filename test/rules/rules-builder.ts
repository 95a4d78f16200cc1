/** Small helpers to build rulesets by hand in rule tests. */
import { emptyRule, newTable, type Chain, type Rule, type Ruleset, type TableName } from '../../src/rules/model.js';
import type { Target } from '../../src/rules/targets.js';

export const rule = (r: Partial<Rule> = {}): Rule => ({ ...emptyRule(), ...r });
export const ACCEPT: Target = { kind: 'verdict', verdict: 'ACCEPT' };
export const DROP: Target = { kind: 'verdict', verdict: 'DROP' };
export const RETURN: Target = { kind: 'verdict', verdict: 'RETURN' };
export const QUEUE: Target = { kind: 'verdict', verdict: 'QUEUE' };
export const jump = (chain: string): Target => ({ kind: 'jump', chain });
export const goto = (chain: string): Target => ({ kind: 'goto', chain });
export const log = (prefix: string): Target => ({ kind: 'LOG', level: 4, prefix, flags: 0 });

/** A ruleset with the given tables (built-in chains, ACCEPT policies). */
export function ruleset(...tables: TableName[]): Ruleset {
  const rs: Ruleset = { tables: new Map() };
  for (const t of tables) rs.tables.set(t, newTable(t));
  return rs;
}

export function chain(rs: Ruleset, table: TableName, name: string): Chain {
  const t = rs.tables.get(table)!;
  let c = t.chains.get(name);
  if (c === undefined) {
    c = { name, policy: null, rules: [], pkts: 0, bytes: 0 };
    t.chains.set(name, c);
  }
  return c;
}
