/**
 * Which lines of an iptables-restore block nf_tables blames for a jump loop or
 * too deep a nesting (EMLINK). nf_tables validates the table as each rule is
 * added: the first rule after which the jump graph is invalid fails, and so
 * does every rule line after it. Observed on 1.8.9 (chains c1 → … → c20 built
 * after `-A INPUT -j c4`, then `-A OUTPUT -j ACCEPT`):
 *   iptables-restore v1.8.9 (nf_tables): 
 *   line 40: RULE_APPEND failed (Too many links): rule in chain c18
 *   line 41: RULE_APPEND failed (Too many links): rule in chain c19
 *   line 42: RULE_APPEND failed (Too many links): rule in chain OUTPUT
 * Replayed here on the block's jump edges in line order, starting from the
 * table as the block found it (rules a block deletes are not replayed out).
 */
import { jumpGraphProblem } from '../../rules/jumps.js';
import { BUILTIN_CHAINS, type Table, type TableName } from '../../rules/model.js';
import type { ParsedCommand } from './parse.js';

/** One rule line of a block: its number, its chain, and the chain it jumps or goes to. */
export interface BlockRule { n: number; chain: string; to: string | null }

export function blockRule(n: number, p: ParsedCommand): BlockRule {
  const t = p.rules[0]?.target;
  return { n, chain: p.chain ?? '', to: t !== undefined && (t.kind === 'jump' || t.kind === 'goto') ? t.chain : null };
}

/** The failing lines (the first that makes the graph invalid and every rule line after it); empty when none does. */
export function jumpFailureLines(start: Table | undefined, table: TableName, rules: readonly BlockRule[]): BlockRule[] {
  const edges = new Map<string, string[]>();
  const add = (from: string, to: string): void => {
    let l = edges.get(from);
    if (l === undefined) edges.set(from, (l = []));
    l.push(to);
  };
  for (const c of start?.chains.values() ?? []) {
    for (const r of c.rules) if (r.target.kind === 'jump' || r.target.kind === 'goto') add(c.name, r.target.chain);
  }
  const bases = BUILTIN_CHAINS[table];
  const walk = (c: string, visit: (to: string) => boolean): void => {
    for (const to of edges.get(c) ?? []) if (!visit(to)) return;
  };
  for (let k = 0; k < rules.length; k++) {
    const r = rules[k]!;
    if (r.to === null) continue;
    add(r.chain, r.to);
    if (jumpGraphProblem(bases, walk) !== null) return rules.slice(k);
  }
  return [];
}
