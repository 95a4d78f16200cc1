/**
 * runIptables: the `iptables` program as a pure function of its arguments and
 * a ruleset (no I/O): what it prints, its exit status, and the new ruleset.
 * Execution follows iptables-nft's do_commandx: parse, table check, then the
 * command; rule changes are checked as nft builds them (exit 2) and as the
 * kernel commits them (exit 4). A failed command leaves the ruleset unchanged.
 */
import { type Rule, type Ruleset, type Table, type TableName } from '../../rules/model.js';
import * as ops from '../../rules/ops.js';
import { checkDirections } from '../chain-name.js';
import { IptablesError } from '../errors.js';
import { listChain, listTable, ruleEcho, type ListFormat } from '../format/list.js';
import { listRules } from '../format/list-rules.js';
import { sameRule } from '../format/rule-text.js';
import { checkRuleBuild, checkRuleKernel, checkTableKernel, kernelFailure, reachableHooks } from '../validate.js';
import { Cmd, Opt } from './commands.js';
import { explain, explainRequest } from './explain.js';
import { parseCommandLine, type ParsedCommand } from './parse.js';
import { asIptablesError, renderError } from './render.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number;
  ruleset: Ruleset;
}

export const TABLE_NAMES: readonly TableName[] = ['filter', 'nat', 'mangle', 'raw', 'security'];

export function isTableName(t: string): t is TableName {
  return (TABLE_NAMES as readonly string[]).includes(t);
}

/** Output accumulated before a failure is still printed (e.g. -L -Z). */
export class CommandFailure extends Error {
  constructor(readonly error: IptablesError, readonly stdout: string) {
    super(error.message);
  }
}

function incompatible(chain: string, table: string): IptablesError {
  return new IptablesError(`chain \`${chain}' in table \`${table}' is incompatible, use 'nft' tool.`, 1, 'NO_CHAIN', 'other');
}

const RULE_OP: Record<number, string> = {
  [Cmd.APPEND]: 'RULE_APPEND', [Cmd.INSERT]: 'RULE_INSERT', [Cmd.REPLACE]: 'RULE_REPLACE',
};

/** Applies rule changes, then the nft build checks and kernel checks of the resulting table. */
function changeRules(rs: Ruleset, p: ParsedCommand, table: TableName, edit: (rs: Ruleset) => Ruleset, x: ExecOptions): Ruleset {
  const base = ops.ensureTable(rs, table);
  const t0 = base.tables.get(table)!;
  for (const r of p.rules) checkRuleBuild(r, t0);
  const out = edit(rs);
  if (x.deferKernelChecks) return out;
  try {
    const t = out.tables.get(table)!;
    if (p.rules.some((r) => r.target.kind === 'jump' || r.target.kind === 'goto')) checkTableKernel(t);
    else {
      // No new edge in the jump graph: no chain became reachable from another hook and no loop
      // appeared, so only the new rules can fail, and a 50,000-rule table is not re-checked.
      const hooks = [...(reachableHooks(t).get(p.chain!) ?? [])];
      for (const r of p.rules) checkRuleKernel(r, t, hooks);
    }
  } catch (e) {
    if (e instanceof IptablesError && e.form === 'kernel') throw kernelFailure(e, RULE_OP[p.command] ?? 'RULE_APPEND', p.chain!);
    throw e;
  }
  return out;
}

export interface ExecOptions {
  /** iptables-restore: kernel checks run at COMMIT, not per command. */
  deferKernelChecks?: boolean;
  /** iptables-restore -v: echo every rule as -v does. */
  echoRules?: boolean;
}

/** Executes a parsed command; returns stdout and the new ruleset. */
export function execute(p: ParsedCommand, rs: Ruleset, x: ExecOptions = {}): { stdout: string; ruleset: Ruleset } {
  if (!isTableName(p.table)) {
    throw new IptablesError(`table '${p.table}' does not exist`, 3, 'NO_TABLE', 'version');
  }
  const table = p.table;
  const chain = p.chain;
  const verbose = (p.options & Opt.VERBOSE) !== 0;
  const echo = (rules: Rule[]) => (verbose || x.echoRules ? rules.map(ruleEcho).join('') : '');
  let out = '';
  switch (p.command) {
    case Cmd.APPEND: {
      out = echo(p.rules);
      const rs2 = changeRules(rs, p, table, (r) => p.rules.reduce((acc, rule) => ops.appendRule(acc, table, chain!, rule), r), x);
      return { stdout: out, ruleset: rs2 };
    }
    case Cmd.INSERT: {
      out = echo(p.rules);
      const rs2 = changeRules(rs, p, table, (r) => p.rules.reduce((acc, rule) => ops.insertRule(acc, table, chain!, p.rulenum, rule), r), x);
      return { stdout: out, ruleset: rs2 };
    }
    case Cmd.REPLACE: {
      out = echo(p.rules);
      return { stdout: out, ruleset: changeRules(rs, p, table, (r) => ops.replaceRule(r, table, chain!, p.rulenum, p.rules[0]!), x) };
    }
    case Cmd.DELETE: {
      out = echo(p.rules);
      let r = rs;
      for (const rule of p.rules) r = ops.deleteRuleSpec(r, table, chain!, rule, sameRule);
      return { stdout: out, ruleset: r };
    }
    case Cmd.DELETE_NUM:
      return { stdout: '', ruleset: ops.deleteRuleNum(rs, table, chain!, p.rulenum) };
    case Cmd.CHECK:
      for (const rule of p.rules) ops.checkRule(rs, table, chain!, rule, sameRule);
      return { stdout: echo(p.rules), ruleset: rs };
    case Cmd.FLUSH: {
      const base = chain !== undefined || verbose ? ops.ensureTable(rs, table) : rs;
      const t = base.tables.get(table);
      if (verbose && t) {
        const names = chain !== undefined ? [chain] : ops.chainsInOrder(t).map((c) => c.name);
        out = names.filter((n) => t.chains.has(n)).map((n) => `Flushing chain \`${n}'\n`).join('');
      }
      return { stdout: out, ruleset: ops.flush(base, table, chain) };
    }
    case Cmd.ZERO:
      if (chain === undefined && !rs.tables.has(table)) return { stdout: '', ruleset: rs };
      return zeroWithEcho(rs, table, chain, undefined, verbose, '');
    case Cmd.ZERO_NUM:
      return zeroWithEcho(rs, table, chain, p.rulenum, false, '');
    case Cmd.NEW_CHAIN:
      return { stdout: '', ruleset: ops.newChain(rs, table, chain!) };
    case Cmd.DELETE_CHAIN: {
      const t = rs.tables.get(table);
      if (verbose && chain === undefined && t) {
        out = ops.chainsInOrder(t).filter((c) => c.policy === null).map((c) => `Deleting chain \`${c.name}'\n`).join('');
      }
      return { stdout: out, ruleset: ops.deleteChain(rs, table, chain) };
    }
    case Cmd.RENAME_CHAIN: {
      // The new name is checked as -N checks one (parse); the rules moved under it
      // as restore will check them under that name (chain-name.ts checkDirections).
      for (const r of rs.tables.get(table)?.chains.get(chain!)?.rules ?? []) {
        checkDirections(p.newName!, r.inIface !== '', r.outIface !== '');
      }
      return { stdout: '', ruleset: ops.renameChain(rs, table, chain!, p.newName!) };
    }
    case Cmd.SET_POLICY:
      return { stdout: '', ruleset: ops.setPolicy(rs, table, chain!, p.policy!) };
    default:
      break;
  }
  if (p.command & Cmd.LIST || p.command & Cmd.LIST_RULES) {
    const t = ops.viewTable(rs, table);
    if (chain !== undefined && !t.chains.has(chain)) throw incompatible(chain, table);
    if (p.command & Cmd.LIST) {
      const f: ListFormat = {
        verbose, numeric: (p.options & Opt.NUMERIC) !== 0, exact: (p.options & Opt.EXPANDED) !== 0,
        lineNumbers: (p.options & Opt.LINENUMBERS) !== 0,
      };
      out = chain !== undefined ? listChain(t, t.chains.get(chain)!, f, p.rulenum) : listTable(t, f);
    } else {
      out = listRules(t, chain, p.rulenum, verbose);
    }
    if (p.command & Cmd.ZERO) {
      if (!rs.tables.has(table)) {
        throw new CommandFailure(
          new IptablesError(` CHAIN_ZERO failed (No such file or directory): chain ${chain ?? t.chains.keys().next().value}`, 4, 'NO_TABLE', 'other'),
          out,
        );
      }
      return zeroWithEcho(rs, table, chain, undefined, verbose, out);
    }
    if (p.command & Cmd.ZERO_NUM) return zeroWithEcho(rs, table, chain, p.rulenum, false, out);
    return { stdout: out, ruleset: rs };
  }
  throw new IptablesError('unknown command', 2, 'NO_COMMAND', 'param');
}

function zeroWithEcho(
  rs: Ruleset, table: TableName, chain: string | undefined, num: number | undefined, verbose: boolean, before: string,
): { stdout: string; ruleset: Ruleset } {
  const t: Table | undefined = rs.tables.get(table);
  if (num !== undefined) {
    const c = t?.chains.get(chain!);
    if (c && num > c.rules.length) throw new CommandFailure(new IptablesError('Bad rule (does a matching rule exist in that chain?).', 1, 'NO_SUCH_RULE'), before);
  }
  let echo = '';
  if (verbose && t) {
    const names = chain !== undefined ? [chain] : ops.chainsInOrder(t).map((c) => c.name);
    echo = names.map((n) => `Zeroing chain \`${n}'\n`).join('');
  }
  try {
    return { stdout: before + echo, ruleset: ops.zero(rs, table, chain, num) };
  } catch (e) {
    throw new CommandFailure(asIptablesError(e), before);
  }
}

/**
 * `iptables ARGS...` against `rs`. `argv` holds the arguments without the
 * program name. Pure: the caller prints stdout/stderr and keeps `ruleset`.
 * Also rawgate's `[-t TABLE] --explain CHAIN` (explain.ts): the JIT's code
 * for the chain; the ruleset is returned as is.
 */
export function runIptables(argv: readonly string[], rs: Ruleset): RunResult {
  const warnings: string[] = [];
  try {
    // rawgate's `[-t TABLE] --explain CHAIN` (see explain.ts); any other command line is iptables'.
    const ex = explainRequest(argv);
    if (ex !== null) return { stdout: explain(ex, rs), stderr: '', status: 0, ruleset: rs };
    const p = parseCommandLine(['iptables', ...argv], { warn: (w) => warnings.push(w) });
    if (p.output !== undefined) return { stdout: p.output, stderr: warnings.join(''), status: 0, ruleset: rs };
    const r = execute(p, rs);
    return { stdout: r.stdout, stderr: warnings.join(''), status: 0, ruleset: r.ruleset };
  } catch (e) {
    const stdout = e instanceof CommandFailure ? e.stdout : '';
    const err = e instanceof CommandFailure ? e.error : asIptablesError(e);
    return { stdout, stderr: warnings.join('') + renderError(err, 'iptables'), status: err.status, ruleset: rs };
  }
}

/** Commands that only read the ruleset: -L, -S, -C (and -h, -V, --explain). -L -Z zeroes, so it writes. */
const READ_COMMANDS = Cmd.LIST | Cmd.LIST_RULES | Cmd.CHECK;

/**
 * True when `iptables ARGS...` cannot change the ruleset, so the daemon may answer
 * it at once from the ruleset in force instead of queueing it behind a restore
 * (nft reads do not take the xtables lock either). A line that does not parse is
 * not known to read only: it takes the queue like any other.
 */
export function iptablesReadsOnly(argv: readonly string[]): boolean {
  try {
    if (explainRequest(argv) !== null) return true;
    const p = parseCommandLine(['iptables', ...argv]);
    if (p.output !== undefined) return true;
    return p.command !== Cmd.NONE && (p.command & ~READ_COMMANDS) === 0;
  } catch {
    return false;
  }
}
