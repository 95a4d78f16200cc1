/**
 * Reads the expected-*.txt files scripts/iptables-fixtures/generate.sh writes
 * (real iptables 1.8.9 output) and replays their cases against rawgate.
 */
import { readFileSync } from 'node:fs';
import type { Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesRestore, runIptablesSave } from '../../src/iptables/index.js';

export interface Step { cmd: string; rc: number; err: string[]; out: string[] }
export interface FixtureCase {
  line: string;
  steps: Step[];
  save: string[]; s: string[]; lnv: string[];
}

export function readExpected(path: string): FixtureCase[] {
  const cases: FixtureCase[] = [];
  let cur: FixtureCase | undefined;
  let step: Step | undefined;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (raw === '') continue;
    const sp = raw.indexOf(' ');
    const tag = sp < 0 ? raw : raw.slice(0, sp);
    const rest = sp < 0 ? '' : raw.slice(sp + 1);
    switch (tag) {
      case 'CASE':
        cur = { line: rest, steps: [], save: [], s: [], lnv: [] };
        cases.push(cur);
        step = undefined;
        if (!rest.startsWith('@ ')) { step = { cmd: '', rc: 0, err: [], out: [] }; cur.steps.push(step); }
        break;
      case 'CMD': step = { cmd: rest, rc: 0, err: [], out: [] }; cur!.steps.push(step); break;
      case 'RC': step!.rc = Number(rest); break;
      case 'ERR': step!.err.push(rest); break;
      case 'OUT': step!.out.push(rest); break;
      case 'SAVE': cur!.save.push(rest); break;
      case 'S': cur!.s.push(rest); break;
      case 'LNV': cur!.lnv.push(rest); break;
      default: throw new Error(`bad line in ${path}: ${raw}`);
    }
  }
  return cases;
}

/** bash's $'...' escapes, as bytes (octal and \x escapes build UTF-8 sequences). */
const ANSI_C: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, e: 27, '\\': 92, "'": 39, '"': 34, '?': 63 };

/** Reads $'...' starting at s[i] === '$'; returns the decoded text and the index of the closing quote. */
function ansiC(s: string, i: number): [string, number] {
  const bytes: number[] = [];
  let j = i + 2;
  for (; j < s.length && s[j] !== "'"; j++) {
    if (s[j] !== '\\') { bytes.push(...Buffer.from(s[j]!)); continue; }
    const e = s[++j]!;
    const oct = /^[0-7]{1,3}/.exec(s.slice(j));
    const hex = e === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(s.slice(j + 1)) : null;
    if (oct) { bytes.push(parseInt(oct[0], 8) & 0xff); j += oct[0].length - 1; }
    else if (hex) { bytes.push(parseInt(hex[0], 16)); j += hex[0].length; }
    else if (e in ANSI_C) bytes.push(ANSI_C[e]!);
    else bytes.push(92, ...Buffer.from(e));
  }
  return [Buffer.from(bytes).toString('utf8'), j];
}

/**
 * Shell word splitting for the corpus: double quotes (with \\ escapes), single
 * quotes, backslash, and $'...' (bash's ANSI-C quoting, for newlines and bytes).
 */
export function shellWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '$' && s[i + 1] === "'") {
      const [text, j] = ansiC(s, i);
      cur += text; i = j; has = true;
    } else if (c === "'") {
      const j = s.indexOf("'", i + 1);
      cur += s.slice(i + 1, j); i = j; has = true;
    } else if (c === '"') {
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\' || s[i + 1] === '$' || s[i + 1] === '`')) i++;
        cur += s[i];
      }
      has = true;
    } else if (c === '\\') {
      cur += s[++i]; has = true;
    } else if (c === ' ' || c === '\t') {
      if (has) { out.push(cur); cur = ''; has = false; }
    } else {
      cur += c; has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** printf %b escapes. */
export function printfB(s: string): string {
  return s.replace(/\\(\\|n|t|0[0-7]{0,3})/g, (_m, e: string) => (e === 'n' ? '\n' : e === 't' ? '\t' : e === '\\' ? '\\' : String.fromCharCode(parseInt(e, 8))));
}

export interface Ran { stdout: string; stderr: string; status: number }

/** Runs one corpus command ("iptables ...", "iptables-save ...", "iptables-restore ... <<< TEXT"). */
export function runCommand(cmd: string, rs: Ruleset): Ran & { ruleset: Ruleset } {
  const pipe = cmd.indexOf(' | iptables-restore');
  if (cmd.startsWith('iptables-save') && pipe >= 0) {
    // `iptables-save ... | iptables-restore ...`: the generator's one pipeline (see generate.sh).
    const [, ...saveArgs] = shellWords(cmd.slice(0, pipe));
    const [, ...restoreArgs] = shellWords(cmd.slice(pipe + 3));
    const saved = runIptablesSave(saveArgs, rs);
    const r = runIptablesRestore(restoreArgs, saved.stdout, rs);
    return { ...r, stderr: saved.stderr + r.stderr };
  }
  let input = '';
  let c = cmd;
  const at = c.indexOf(' <<< ');
  if (at >= 0) { input = printfB(c.slice(at + 5)); c = c.slice(0, at); }
  const [prog, ...args] = shellWords(c);
  if (prog === 'iptables') return runIptables(args, rs);
  if (prog === 'iptables-save') {
    const r = runIptablesSave(args, rs);
    return { ...r, stdout: r.stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n') };
  }
  if (prog === 'iptables-restore') return runIptablesRestore(args, input, rs);
  throw new Error(`unknown program ${prog}`);
}

export function lines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/** The commands of a script case ("CMD ; CMD ; ..."), as the generator splits them. */
export function splitScript(rest: string): string[] {
  return rest.split(' ; ');
}

/** Extension names a case uses (-m NAME, -j NAME), for skipping cases whose extension is not written yet. */
export function extensionsUsed(line: string): { matches: string[]; targets: string[] } {
  const matches = [...line.matchAll(/(?:^|\s)-m\s+([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const targets = [...line.matchAll(/(?:^|\s)-j\s+([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!);
  return { matches, targets };
}

/** Replays a case; returns what rawgate printed in the expected file's shape. */
export function replay(fc: FixtureCase): FixtureCase {
  let rs = emptyRuleset();
  const got: FixtureCase = { line: fc.line, steps: [], save: [], s: [], lnv: [] };
  if (!fc.line.startsWith('@ ')) {
    const [table, chain, ...args] = shellWords(fc.line);
    const r = runIptables(['-t', table!, '-A', chain!, ...args], rs);
    got.steps.push({ cmd: '', rc: r.status, err: lines(r.stderr), out: [] });
    if (r.status === 0) {
      rs = r.ruleset;
      got.save = lines(runIptablesSave(['-t', table!], rs).stdout).filter((l) => l.startsWith('-A '));
      got.s = lines(runIptables(['-t', table!, '-S', chain!], rs).stdout).filter((l) => l.startsWith('-A'));
      got.lnv = lines(runIptables(['-t', table!, '-L', chain!, '-n', '-v'], rs).stdout).slice(2);
    }
    return got;
  }
  const cmds = splitScript(fc.line.slice(2));
  for (const cmd of cmds) {
    const r = runCommand(cmd, rs);
    const step = { cmd: cmd.split(' <<< ')[0]! };
    rs = r.ruleset;
    got.steps.push({ cmd: step.cmd, rc: r.status, err: lines(r.stderr), out: lines(r.stdout) });
  }
  return got;
}
