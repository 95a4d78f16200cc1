/**
 * explainChain: the generated source for one table's chain and every chain it
 * reaches (`rawgate iptables --explain`), with comments naming the rules. Needs
 * no host: source generation never binds anything.
 */
import type { Ruleset, TableName } from '../model.js';
import { HOOK_NAMES } from '../model.js';
import { DEFAULT_CODEGEN, generateTable } from './codegen.js';
import { jsComment } from './source-text.js';

/** Thrown (code JIT_NO_CHAIN) when explain is asked for a table or chain that does not exist. */
export class ExplainError extends Error {
  readonly code = 'JIT_NO_CHAIN';
}

/**
 * Generated source for `table`'s chain `chain` plus the chains it reaches, and
 * the hook entry when `chain` is built-in. The text is a valid function body
 * (parameter `C`, the constants the compiler passes), so it compiles as is.
 */
export function explainChain(rs: Ruleset, table: string, chain: string): string {
  const t = rs.tables.get(table as TableName);
  if (t === undefined) throw new ExplainError(`table '${table}' does not exist`);
  if (!t.chains.has(chain)) throw new ExplainError(`chain '${chain}' does not exist in table '${table}'`);
  const prog = generateTable(t, DEFAULT_CODEGEN);
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    order.push(name);
    const c = prog.chains.get(name);
    if (c !== undefined) for (const n of c.calls) visit(n);
  };
  visit(chain);
  const h = HOOK_NAMES.indexOf(chain as (typeof HOOK_NAMES)[number]);
  const entry = h >= 0 ? prog.entries[h] ?? null : null;
  const lines: string[] = [
    `// rawgate JIT: table ${table}, chain ${jsComment(chain)}${order.length > 1 ? ` (+ ${order.slice(1).map(jsComment).join(', ')})` : ''}`,
    `// Chain functions return 0 DROP, 1 ACCEPT, 2 STOLEN, 3 QUEUE or -2 (RETURN / end of chain);`,
    `// segment functions return -1 when the packet fell through. MF[k]/TF[k] are bound matches/targets.`,
    `"use strict";`,
    `const S = C.self, inName = C.inName, outName = C.outName, MF = C.MF, TF = C.TF, missingChain = C.missingChain;`,
    prog.pool.header(),
    `let IN_ = null, OUT_ = null;`,
  ];
  for (const n of order) {
    const c = prog.chains.get(n);
    lines.push(c === undefined ? `// chain ${jsComment(n)}: does not exist (jumps to it drop)` : c.source);
  }
  if (entry !== null) lines.push(entry);
  lines.push(`return [${prog.entryNames.map((e, k) => (k === h && e !== null ? e : 'null')).join(', ')}];`);
  return lines.join('\n');
}
