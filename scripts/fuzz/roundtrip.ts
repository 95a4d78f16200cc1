/**
 * The save/restore round-trip properties of rawgate's iptables layer, and a
 * command line to check them for a long time:
 *  1. every accepted command leaves a ruleset whose iptables-save output
 *     iptables-restore reads back (into an empty ruleset) to a ruleset that
 *     saves to the identical text, with and without counters;
 *  2. a refused command leaves the ruleset object unchanged;
 *  3. a command given as an iptables-restore line (--noflush, words quoted as
 *     restore reads them) is accepted or refused as the command line is, and
 *     leaves the same ruleset.
 * test/iptables/roundtrip.property.test.ts runs a bounded number of sessions in
 * CI; this script runs as many as asked.
 *
 *   npm run build && node dist/scripts/fuzz/roundtrip.js [RUNS] [SEED]
 *   (or ROUNDTRIP_RUNS=N ROUNDTRIP_SEED=S; default 2000 runs, a random seed)
 *
 * A failure prints the shrunk session (argv lists) and the seed to replay it.
 */
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesRestore, runIptablesSave } from '../../src/iptables/index.js';
import { session, type Argv } from './commands.js';

const NOW = new Date(0);

const show = (argv: Argv) => JSON.stringify(argv);

function save(rs: Ruleset, counters: boolean): string {
  return runIptablesSave(counters ? ['-c'] : [], rs, { now: NOW }).stdout;
}

/** Property 1 for one ruleset: the save restores and saves again to the same text. */
function saveRestores(rs: Ruleset, counters: boolean): string | undefined {
  const text = save(rs, counters);
  const restored = runIptablesRestore(counters ? ['-c'] : [], text, emptyRuleset());
  if (restored.status !== 0) return `iptables-restore${counters ? ' -c' : ''} refused the save:\n${restored.stderr}--- save\n${text}`;
  const again = save(restored.ruleset, counters);
  if (again !== text) return `the save changed through iptables-restore${counters ? ' -c' : ''}:\n--- save\n${text}--- after restore\n${again}`;
  return undefined;
}

/** A word as iptables-restore reads it back: bare when it has none of its separators or quote, else quoted. */
function restoreWord(w: string): string {
  return /^[^ \t\n"\\]+$/.test(w) ? w : `"${w.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** A word iptables-restore refuses on a rule line whatever the command: -t/--table, -w/-W/--wait (also in a cluster). */
const RESTORE_ONLY_REFUSES = /^(-[A-Za-z0-9]*[tWw]|--(ta|w))/;

/**
 * The command as iptables-restore --noflush input, or undefined when no restore
 * line can hold it (a newline) or restore refuses it for being on a restore line.
 */
export function asRestoreInput(argv: Argv): string | undefined {
  const t = argv.indexOf('-t');
  const table = t >= 0 ? argv[t + 1]! : 'filter';
  const words = t >= 0 ? [...argv.slice(0, t), ...argv.slice(t + 2)] : argv;
  if (words.some((w) => w.includes('\n') || RESTORE_ONLY_REFUSES.test(w))) return undefined;
  return `*${table}\n${words.map(restoreWord).join(' ')}\nCOMMIT\n`;
}

/** Property 3 for one command on one ruleset. */
function restoreLineAgrees(argv: Argv, rs: Ruleset, direct: { status: number; stderr: string; ruleset: Ruleset }): string | undefined {
  const input = asRestoreInput(argv);
  if (input === undefined) return undefined;
  const via = runIptablesRestore(['--noflush'], input, rs);
  if ((via.status === 0) !== (direct.status === 0)) {
    return `iptables ${direct.status === 0 ? 'accepts' : 'refuses'} it, iptables-restore ${via.status === 0 ? 'accepts' : 'refuses'} it:\n` +
      `--- iptables (${direct.status})\n${direct.stderr}--- iptables-restore (${via.status})\n${via.stderr}--- input\n${input}`;
  }
  if (direct.status === 0 && save(via.ruleset, true) !== save(direct.ruleset, true)) {
    return `iptables and iptables-restore leave different rulesets:\n--- iptables\n${save(direct.ruleset, true)}--- iptables-restore\n${save(via.ruleset, true)}`;
  }
  return undefined;
}

/** Runs a session; the first property it breaks, described, or undefined. */
export function roundTripFailure(cmds: readonly Argv[]): string | undefined {
  let rs = emptyRuleset();
  for (const argv of cmds) {
    const r = runIptables(argv, rs);
    const where = `after iptables ${show(argv)}`;
    const disagreement = restoreLineAgrees(argv, rs, r);
    if (disagreement) return `${where}: ${disagreement}`;
    if (r.status !== 0) {
      if (r.ruleset !== rs) return `${where} (refused, status ${r.status}): the ruleset changed`;
      continue;
    }
    rs = r.ruleset;
    const problem = saveRestores(rs, false) ?? saveRestores(rs, true);
    if (problem) return `${where}: ${problem}`;
  }
  return undefined;
}

/** The fast-check property over sessions. */
export const roundTripProperty = fc.property(session, (cmds) => {
  const failure = roundTripFailure(cmds);
  if (failure) throw new Error(failure);
});

function main(): void {
  const runs = Number(process.argv[2] ?? process.env.ROUNDTRIP_RUNS ?? 2000);
  const seedArg = process.argv[3] ?? process.env.ROUNDTRIP_SEED;
  const seed = seedArg !== undefined ? Number(seedArg) : Date.now() ^ (Math.random() * 0x7fffffff);
  console.log(`round trip: ${runs} sessions, seed ${seed}`);
  const started = Date.now();
  const out = fc.check(roundTripProperty, { numRuns: runs, seed });
  if (out.failed) {
    console.error(fc.defaultReportMessage(out));
    if (out.errorInstance instanceof Error) console.error(out.errorInstance.message);
    process.exitCode = 1;
    return;
  }
  console.log(`ok: ${out.numRuns} sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
