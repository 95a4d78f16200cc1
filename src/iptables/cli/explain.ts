/**
 * `iptables [-t TABLE] --explain CHAIN`: rawgate's extension of the iptables
 * command line. Prints the JavaScript the JIT generates for TABLE's CHAIN
 * (and every chain it reaches), from src/rules/jit/explain.ts. It reads the
 * ruleset the command acts on (the daemon's live one through the control
 * socket) and never changes it or its counters.
 * Invariants:
 * - Not an iptables option, so it must not change what iptables does with any
 *   other command line: it is recognised only when the whole command line is
 *   table options (-t T, -tT, --table T, --table=T, or an abbreviation of
 *   --table) plus one `--explain CHAIN` / `--explain=CHAIN`. Any other
 *   command line goes to the iptables parser untouched (where --explain is an
 *   unknown option, as in iptables), because there "--explain" may be an
 *   option's value (`--comment --explain`) or combined with real commands.
 * - Errors are iptables' own: an unknown table "table 'x' does not exist"
 *   (exit 3), a missing chain "iptables: No chain/target/match by that name."
 *   (exit 1), a missing argument "option "--explain" requires an argument" (exit 2).
 * - A table the ruleset does not have yet is explained as iptables lists it:
 *   its built-in chains, empty, with ACCEPT policies.
 */
import type { Ruleset } from '../../rules/model.js';
import { explainChain } from '../../rules/jit/explain.js';
import * as ops from '../../rules/ops.js';
import { IptablesError, opFailed, paramProblem } from '../errors.js';

export interface ExplainRequest {
  table: string;
  /** undefined: `--explain` was the last word (its argument is missing). */
  chain: string | undefined;
}

const isTableWord = (w: string): boolean => w.startsWith('--') && w.length > 2 && 'table'.startsWith(w.slice(2));

/** The explain request `argv` (without the program name) stands for, or null when it is an ordinary iptables command line. */
export function explainRequest(argv: readonly string[]): ExplainRequest | null {
  let table = 'filter';
  let chain: string | undefined;
  let seen = false;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--explain' || w.startsWith('--explain=')) {
      if (seen) return null;
      seen = true;
      if (w.startsWith('--explain=')) chain = w.slice('--explain='.length);
      else if (i + 1 < argv.length) chain = argv[++i];
      else chain = undefined;
    } else if (w === '-t' || isTableWord(w)) {
      if (i + 1 >= argv.length) return null;
      table = argv[++i]!;
    } else if (w.startsWith('-t') && !w.startsWith('--')) {
      table = w.slice(2);
    } else if (w.startsWith('--') && w.includes('=') && isTableWord(w.slice(0, w.indexOf('=')))) {
      table = w.slice(w.indexOf('=') + 1);
    } else {
      return null;
    }
  }
  return seen ? { table, chain } : null;
}

const TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

/** The generated source for the request, or an IptablesError in iptables' words. */
export function explain(req: ExplainRequest, rs: Ruleset): string {
  if (req.chain === undefined) throw paramProblem('option "--explain" requires an argument', 'MISSING_ARG');
  if (!TABLES.has(req.table)) throw new IptablesError(`table '${req.table}' does not exist`, 3, 'NO_TABLE', 'version');
  const table = req.table as 'filter';
  const t = ops.viewTable(rs, table);
  if (!t.chains.has(req.chain)) throw opFailed('No chain/target/match by that name.', 'NO_CHAIN');
  const view: Ruleset = rs.tables.has(table) ? rs : { tables: new Map([[table, t]]) };
  const src = explainChain(view, table, req.chain);
  return src.endsWith('\n') ? src : `${src}\n`;
}
