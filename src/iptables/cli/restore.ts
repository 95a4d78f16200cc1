/**
 * runIptablesRestore: the `iptables-restore` program (1.8.9, nft) as a pure
 * function of its options, its input text and a ruleset.
 * Semantics (observed on the real program, test/iptables/fixtures):
 *  - each "*table ... COMMIT" block is one transaction; without --noflush the
 *    block starts by deleting the table (a block with no chain or rule line
 *    leaves no table); ":chain" lines set policies (counters only with -c) or
 *    create/flush user chains; rule lines are iptables arguments split with
 *    restore's quoting (double quotes group, backslash escapes inside them);
 *  - errors name their line; a jump to a chain that does not exist at that
 *    point of the block is reported at the COMMIT line, as are kernel refusals;
 *  - blocks committed before an error stay applied (iptables does this), unless
 *    `atomic` is set: then any error leaves the ruleset untouched.
 */
import type { Ruleset, Table, TableName } from '../../rules/model.js';
import * as ops from '../../rules/ops.js';
import { IptablesError, paramProblem } from '../errors.js';
import { kernelFailure, kernelProblemSteps } from '../validate.js';
import { drain, type Steps } from '../../rules/steps.js';
import { Getopt, NON_OPTION } from './getopt.js';
import { checkNewChainName } from '../chain-name.js';
import { parseCommandLine } from './parse.js';
import { asIptablesError, programPrefix, renderError } from './render.js';
import { Cmd } from './commands.js';
import { blockRule, jumpFailureLines, type BlockRule } from './jump-lines.js';
import { CommandFailure, execute, isTableName, type RunResult } from './run.js';
import { BUILTIN_CHAINS } from '../../rules/model.js';
import { scanU64 } from '../parse-num.js';

export interface RestoreOptions {
  /** Load nothing at all when any line fails (rawgate's reload semantics). */
  atomic?: boolean;
}

const PROG = 'iptables-restore';

const LONG = [
  { name: 'counters', hasArg: 0 as const, val: 'c' },
  { name: 'verbose', hasArg: 0 as const, val: 'v' },
  { name: 'version', hasArg: 0 as const, val: 'V' },
  { name: 'test', hasArg: 0 as const, val: 't' },
  { name: 'help', hasArg: 0 as const, val: 'h' },
  { name: 'noflush', hasArg: 0 as const, val: 'n' },
  { name: 'modprobe', hasArg: 1 as const, val: 'M' },
  { name: 'table', hasArg: 1 as const, val: 'T' },
  { name: 'ipv4', hasArg: 0 as const, val: '4' },
  { name: 'ipv6', hasArg: 0 as const, val: '6' },
  { name: 'wait', hasArg: 0 as const, val: 'w' },
  { name: 'wait-interval', hasArg: 0 as const, val: 'W' },
];

const WORD_SEP = /[ \t\n]+/;

/**
 * add_param_to_argv: iptables-restore's word splitting. `line` is the line as
 * fgets reads it, with its '\n' when it has one: inside an unclosed quote the
 * newline is part of the last word (a saved `-j a"b` reads as the target "ab"
 * and a newline, which iptables reports as "Invalid target name `ab\n'").
 */
export function splitRestoreLine(line: string): string[] {
  // Most lines have no quotes: split them without building words a character at a time.
  if (line.indexOf('"') < 0) return line.split(WORD_SEP).filter((w) => w !== '');
  const out: string[] = [];
  let buf = '';
  let quoteOpen = false;
  let escaped = false;
  for (const ch of line) {
    if (quoteOpen) {
      if (escaped) { buf += ch; escaped = false; continue; }
      if (ch === '\\') { escaped = true; continue; }
      if (ch !== '"') { buf += ch; continue; }
      quoteOpen = false;
      out.push(buf);
      buf = '';
      continue;
    }
    if (ch === '"') { quoteOpen = true; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (buf.length) { out.push(buf); buf = ''; }
      continue;
    }
    buf += ch;
  }
  if (buf.length) out.push(buf);
  return out;
}

/** The input's lines without copying it into an array (a restore file may be megabytes); a final newline ends the last line. */
class Lines {
  private pos = 0;
  number = 0;
  /** The line just read ended with a newline (not the input's unterminated end). */
  newline = false;
  constructor(private readonly text: string) {}
  next(): string | null {
    if (this.pos >= this.text.length) return null;
    const nl = this.text.indexOf('\n', this.pos);
    const end = nl < 0 ? this.text.length : nl;
    const line = this.text.slice(this.pos, end);
    this.newline = nl >= 0;
    this.pos = end + 1;
    this.number++;
    return line;
  }
}

/** Thrown to end the run: what to print and the exit status. */
class RestoreExit extends Error {
  constructor(readonly stderr: string, readonly status: number) {
    super(stderr);
  }
}

function lineFailed(line: number, e: IptablesError): RestoreExit {
  if (e.form === 'op') {
    const msg = e.message.replace(" Run `dmesg' for more information.", '');
    return new RestoreExit(`${PROG}: line ${line} failed: ${msg}\n`, 1);
  }
  return new RestoreExit(renderError(e, PROG, e.form === 'param' || e.form === 'bare' ? line : undefined), e.status);
}

export function runIptablesRestore(argv: readonly string[], input: string, rs: Ruleset, opts: RestoreOptions = {}): RunResult {
  return drain(restoreSteps(argv, input, rs, opts));
}

/** Lines of work between two steps (a few hundred microseconds). */
const LINES_PER_STEP = 32;

/**
 * runIptablesRestore in steps (src/rules/steps.ts): the daemon runs a restore of any
 * size between batches, a slice at a time, so forwarding and the control socket go on.
 */
export function* restoreSteps(argv: readonly string[], input: string, rs: Ruleset, opts: RestoreOptions = {}): Steps<RunResult> {
  const g = new Getopt([PROG, ...argv], { b: 0, c: 0, v: 0, V: 0, t: 0, h: 0, n: 0, M: 1, T: 1, '4': 0, '6': 0, w: 0, W: 0 }, LONG);
  let counters = false;
  let verbose = false;
  let testing = false;
  let noflush = false;
  let onlyTable: string | undefined;
  for (let r = g.next(); r; r = g.next()) {
    switch (r.c) {
      case 'c': counters = true; break;
      case 'v': verbose = true; break;
      case 't': testing = true; break;
      case 'n': noflush = true; break;
      case 'T': onlyTable = r.optarg; break;
      case 'M': case 'b': case '4': break;
      case 'w': case 'W':
        if (g.optind < g.argv.length && !g.argv[g.optind]!.startsWith('-')) g.optind++;
        break;
      case 'V': return { stdout: 'iptables-restore v1.8.9 (nf_tables)\n', stderr: '', status: 0, ruleset: rs };
      case 'h':
        return {
          stdout: 'Usage: iptables-restore [-c] [-v] [-V] [-t] [-h] [-n] [-w secs] [-W usecs] [-T table] [-M command] [file]\n',
          stderr: '', status: 0, ruleset: rs,
        };
      case '6': return { stdout: '', stderr: 'This is the IPv4 version of iptables-restore.\n', status: 1, ruleset: rs };
      case NON_OPTION: break; // the file to read: the caller passes its contents as `input`
      default: {
        const word = g.argv[g.optind - 1]!;
        const msg = r.c === ':' ? `option requires an argument -- '${word.replace(/^-+/, '')}'`
          : word.startsWith('--') ? `unrecognized option '${word}'` : `invalid option -- '${word.slice(-1)}'`;
        return { stdout: '', stderr: `${PROG}: ${msg}\nTry \`${PROG} -h' for more information.\n`, status: 1, ruleset: rs };
      }
    }
  }

  let committed = rs;
  let stdout = '';
  // Warnings (iptables prints them on stderr as it parses a line) come before any error.
  let warnings = '';
  const lines = new Lines(input);

  let inTable = false;
  let table: TableName | undefined;
  let skipping = false;
  let work: Ruleset = rs;
  let pendingJump: { error: IptablesError } | undefined;
  // The block's rule lines in order, and its table as the block started: to name the lines a
  // jump loop or too deep a nesting fails on, as nf_tables reports them (jump-lines.ts).
  let blockRules: BlockRule[] = [];
  let blockStart: Table | undefined;
  // One transaction per block: its lines edit what the block created in place (linear time).
  let tx = new ops.Transaction();

  try {
    for (let text = lines.next(); text !== null; text = lines.next()) {
      const n = lines.number;
      if (n % LINES_PER_STEP === 0) yield;
      if (text === '') continue;
      if (text.startsWith('#')) { if (verbose) stdout += text + '\n'; continue; }
      if (inTable && text === 'COMMIT') {
        if (pendingJump) throw lineFailed(n, pendingJump.error);
        if (!skipping) {
          const t = work.tables.get(table!);
          const problem = t ? yield* kernelProblemSteps(t) : undefined;
          if (problem && problem.error.code === 'KERNEL_EMLINK') {
            const failed = jumpFailureLines(blockStart, table!, blockRules);
            if (failed.length > 0) throw new RestoreExit(`${programPrefix(PROG)}\n${failed.map((r) => `line ${r.n}: RULE_APPEND failed (Too many links): rule in chain ${r.chain}\n`).join('')}`, 4);
          }
          if (problem) throw lineFailed(n, kernelFailure(problem.error, 'RULE_APPEND', problem.chain));
          if (!testing) committed = work;
        }
        inTable = false;
        skipping = false;
        continue;
      }
      if (text.startsWith('*') && !inTable) {
        const name = text.slice(1).split(/[ \t]+/)[0] ?? '';
        if (name === '') throw lineFailed(n, paramProblem(`${PROG}: line ${n} table name invalid`));
        if (!isTableName(name)) throw lineFailed(n, paramProblem(`${PROG}: line ${n} table name '${name}' invalid`));
        inTable = true;
        table = name;
        skipping = onlyTable !== undefined && onlyTable !== name;
        pendingJump = undefined;
        tx = new ops.Transaction();
        work = committed;
        if (!skipping && !noflush) {
          if (verbose) stdout += BUILTIN_CHAINS[name].map((c) => `Flushing chain \`${c}'\n`).join('');
          const tables = new Map(work.tables);
          tables.delete(name);
          work = { tables };
        }
        blockRules = [];
        blockStart = work.tables.get(name);
        continue;
      }
      if (skipping) continue;
      if (!inTable) throw new RestoreExit(`${PROG}: line ${n} failed\n`, 1);
      if (text.startsWith(':')) {
        const before = work;
        work = ops.inTransaction(tx, () => chainLine(before, table!, text, n, counters));
        continue;
      }
      // A rule (or any iptables command) line.
      let rest = text;
      const extra: string[] = [];
      if (rest.startsWith('[')) {
        const close = rest.indexOf(']');
        if (close < 0) throw lineFailed(n, paramProblem(`Bad line ${n}: need ]`));
        const inside = rest.slice(1, close);
        const colon = inside.indexOf(':');
        if (colon <= 0) throw lineFailed(n, paramProblem(`Bad line ${n}: need :`));
        if (colon === inside.length - 1) throw lineFailed(n, paramProblem(`Bad line ${n}: need ]`));
        if (counters) extra.push('--set-counters', inside.slice(0, colon), inside.slice(colon + 1));
        rest = rest.slice(close + 1);
      }
      try {
        // The newline matters only inside an unclosed quote (see splitRestoreLine).
        const words = splitRestoreLine(lines.newline && rest.indexOf('"') >= 0 ? `${rest}\n` : rest);
        const p = parseCommandLine([PROG, ...extra, ...words], { restore: true, table: table!, warn: (w) => { warnings += w; } });
        if (p.output !== undefined) { stdout += p.output; continue; }
        const before = work;
        const r = ops.inTransaction(tx, () => execute(p, before, { deferKernelChecks: true, echoRules: verbose }));
        stdout += r.stdout;
        work = r.ruleset;
        if ((p.command & (Cmd.APPEND | Cmd.INSERT | Cmd.REPLACE)) !== 0) blockRules.push(blockRule(n, p));
      } catch (e) {
        if (e instanceof CommandFailure) { stdout += e.stdout; throw lineFailed(n, e.error); }
        const err = asIptablesError(e);
        if (err.code === 'NO_TARGET_CHAIN') {
          pendingJump ??= { error: err };
          continue;
        }
        throw lineFailed(n, err);
      }
    }
    if (inTable) throw new RestoreExit(`${PROG}: COMMIT expected at line ${lines.number + 1}\n`, 1);
  } catch (e) {
    if (e instanceof RestoreExit) {
      return { stdout, stderr: warnings + e.stderr, status: e.status, ruleset: opts.atomic ? rs : committed };
    }
    throw e;
  }
  return { stdout, stderr: warnings, status: 0, ruleset: committed };
}

/** ":NAME POLICY [p:b]" */
function chainLine(rs: Ruleset, table: TableName, text: string, n: number, counters: boolean): Ruleset {
  const words = text.slice(1).split(/[ \t]+/).filter((w) => w !== '');
  const name = words[0];
  if (name === undefined) throw lineFailed(n, paramProblem(`${PROG}: line ${n} chain name invalid`));
  try {
    checkNewChainName(name, 'chain-line');
  } catch (e) {
    throw lineFailed(n, asIptablesError(e));
  }
  const policy = words[1];
  if (policy === undefined) throw lineFailed(n, paramProblem(`${PROG}: line ${n} policy invalid`));
  try {
    if (ops.isBuiltinChain(table, name)) {
      let c = { pkts: 0, bytes: 0 };
      if (counters) {
        const m = /^\[(\d+):(\d+)\]$/.exec(words[2] ?? '');
        const p = m ? scanU64(m[1]!) : undefined;
        const b = m ? scanU64(m[2]!) : undefined;
        if (p === undefined || b === undefined) throw paramProblem(`invalid policy counters for chain '${name}'`);
        c = { pkts: Number(p), bytes: Number(b) };
      }
      if (policy === '-') return ops.ensureTable(rs, table);
      return ops.setPolicy(rs, table, name, policy, c);
    }
    const existing = ops.findChain(rs, table, name);
    if (existing) return ops.flush(rs, table, name);
    return ops.newChain(rs, table, name);
  } catch (e) {
    throw lineFailed(n, asIptablesError(e));
  }
}
