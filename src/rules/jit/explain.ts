/**
 * explainChain: the generated source for one table's chain and every chain it
 * reaches (`rawgate iptables --explain`), with comments naming the rules.
 * Needs no host: the units are generated in explain mode (recorded, never
 * compiled or bound).
 */
import type { Chain, Ruleset, Table, TableName } from '../model.js';
import type { RuleHost } from '../host.js';
import { drain } from '../steps.js';
import { DEFAULT_CODEGEN } from './chain.js';
import { JitRuntime, type Binder } from './runtime.js';
import { jsComment } from './source-text.js';

/** Thrown (code JIT_NO_CHAIN) when explain is asked for a table or chain that does not exist. */
export class ExplainError extends Error {
  readonly code = 'JIT_NO_CHAIN';
}

const unbound = (): never => {
  throw new Error('explain mode binds nothing');
};
const EXPLAIN_BINDER: Binder<null> = { createEnv: () => null, bindMatch: unbound, bindTarget: unbound };
const NO_HOST = { ifName: () => '' } as unknown as RuleHost;

/** Chains reachable from `start` by jumps and gotos, `start` first. */
function reachable(t: Table, start: string): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    order.push(name);
    for (const r of t.chains.get(name)?.rules ?? []) {
      if (r.target.kind === 'jump' || r.target.kind === 'goto') visit(r.target.chain);
    }
  };
  visit(start);
  return order;
}

/**
 * Generated source for `table`'s chain `chain` plus the chains it reaches. Each
 * unit is shown as the body of a function of C (the constants the compiler
 * passes), so the whole text is a valid function body and compiles as is.
 */
export function explainChain(rs: Ruleset, table: string, chain: string): string {
  const t = rs.tables.get(table as TableName);
  if (t === undefined) throw new ExplainError(`table '${table}' does not exist`);
  if (!t.chains.has(chain)) throw new ExplainError(`chain '${chain}' does not exist in table '${table}'`);
  const order = reachable(t, chain);
  const sources: string[] = [];
  const rt = new JitRuntime(NO_HOST, EXPLAIN_BINDER, DEFAULT_CODEGEN, undefined, sources);
  const lines: string[] = [
    `// rawgate JIT: table ${table}, chain ${jsComment(chain)}${order.length > 1 ? ` (+ ${order.slice(1).map(jsComment).join(', ')})` : ''}`,
    `// Chain functions return 0 DROP, 1 ACCEPT, 2 STOLEN, 3 QUEUE or -2 (RETURN / end of chain);`,
    `// segment functions return -1 when the packet fell through. D[k] is the chain in slot k,`,
    `// MF[k]/TF[k] are bound matches/targets. Each unit is compiled on its own (new Function).`,
    `"use strict";`,
  ];
  const slots: string[] = [];
  let unit = 0;
  for (const name of order) {
    const c: Chain | undefined = t.chains.get(name);
    if (c === undefined) {
      lines.push(`// chain ${jsComment(name)}: does not exist (jumps to it drop)`);
      continue;
    }
    const start = sources.length;
    drain(rt.prepare({ tables: new Map([[t.name, { name: t.name, chains: new Map([[name, c]]) }]]) }))();
    for (const src of sources.slice(start)) lines.push(`function unit${unit++}(C) {`, src, `}`);
    if (c.policy !== null) lines.push(`// ${table} ${name}: policy ${c.policy} (the hook entry runs the chain, then counts and applies the policy)`);
  }
  // Slot numbers as the units above use them.
  for (const [name, slot] of rt.slotNames(t.name)) slots.push(`//   D[${slot}] = ${jsComment(name)}`);
  lines.push('// slots:', ...slots);
  return lines.join('\n');
}
