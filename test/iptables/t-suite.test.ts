/**
 * iptables' own test suite (the v1.8.9 .t files, IPv4), compared as whole lines:
 * for every OK line and every chain of its header, `-A` then iptables-save must
 * give exactly the SAVE line real iptables printed (observed/A1, else the .t
 * expectation), and `-L -n -v` the observed row; refused lines must be refused
 * (with the observed status and message when A1 has them).
 * The suite grows with the extension registry: a line counts only when every
 * extension it names is registered; the others are reported as pending.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesSave } from '../../src/iptables/index.js';
import { findMatch, findTarget } from '../../src/iptables/ext/index.js';
import { isKnownTargetName } from '../../src/iptables/cli/target-names.js';
import { extensionsUsed, lines, shellWords } from './fixture-format.js';
import { readObserved, readTFile, REF, type Observed, type TLine } from './reference.js';
import { assertMayBeUnregistered, UNREGISTERED } from './unregistered.js';

const TDIR = join(REF, 'iptables-1.8.9-tests');
// One input may be observed more than once (owner.t: OK in OUTPUT, refused in INPUT): keep all.
const observed = new Map<string, Observed[]>();
for (const o of readObserved(join(REF, 'observed/A1-t-file-rules-save-and-list.txt'))) {
  const k = `${o.section}|${o.input}`;
  observed.set(k, [...(observed.get(k) ?? []), o]);
}

/**
 * .t expectations that hold for the legacy backend only, with what
 * iptables-nft 1.8.9 saves instead (recorded in fixtures/expected-strings.txt):
 * nft keeps an NFLOG prefix up to 127 bytes, not 63.
 */
const NFT_SAVES: Readonly<Record<string, string>> = {
  [`libxt_NFLOG.t|-j NFLOG --nflog-prefix ${'x'.repeat(65)}`]: `-j NFLOG --nflog-prefix ${'x'.repeat(65)}`,
};

/** The observation for this chain: the one naming it, else one that loaded, else the first. */
function observationFor(key: string, chain: string): Observed | undefined {
  const all = observed.get(key);
  if (!all) return undefined;
  return all.find((o) => o.save?.startsWith(`-A ${chain} `) || o.err?.includes(`rule in chain ${chain}`))
    ?? all.find((o) => o.save !== undefined) ?? all[0];
}

/** The extension a .t file tests ('' for the generic files). */
function fileExtension(file: string): string {
  const m = /^lib(?:xt|ipt)_(.+)\.t$/.exec(file);
  return m ? m[1]! : '';
}

function registered(name: string): boolean {
  return !!(findMatch(name) || findTarget(name));
}

/** Why a line cannot be judged yet: an extension it needs is not registered. */
function pendingReason(t: TLine): string | undefined {
  const ext = fileExtension(t.file);
  if (ext && ext !== 'standard' && !registered(ext)) return ext;
  const { matches, targets } = extensionsUsed(t.rule);
  return matches.find((m) => !findMatch(m)) ??
    targets.find((n) => isKnownTargetName(n) && !['ACCEPT', 'DROP', 'RETURN', 'QUEUE'].includes(n) && !findTarget(n));
}

const tally = new Map<string, { pass: number; fail: number; pending: number }>();
function count(file: string, k: 'pass' | 'fail' | 'pending'): void {
  const t = tally.get(file) ?? { pass: 0, fail: 0, pending: 0 };
  t[k]++;
  tally.set(file, t);
}

function setupRuleset(t: TLine): Ruleset {
  let rs = emptyRuleset();
  for (const cmd of t.setup) rs = runIptables(shellWords(cmd), rs).ruleset;
  return rs;
}

/** Runs one .t line in one chain; returns a list of mismatches (empty = pass). */
function judge(t: TLine, chain: string): string[] {
  const problems: string[] = [];
  const obs = observationFor(`${t.file}|${t.rule}`, chain);
  const rs = setupRuleset(t);
  const r = runIptables(['-t', t.table, '-A', chain, ...shellWords(t.rule)], rs);
  const loads = obs ? obs.save !== undefined : t.result !== 'FAIL';
  if (!loads) {
    if (r.status === 0) problems.push(`loaded, but iptables refuses it${obs?.err ? `: ${obs.err}` : ''}`);
    else if (obs?.rc !== undefined && chain === t.chains[0]) {
      if (r.status !== obs.rc) problems.push(`status ${r.status}, iptables ${obs.rc}`);
      if (lines(r.stderr)[0] !== obs.err) problems.push(`stderr ${JSON.stringify(lines(r.stderr)[0])}, iptables ${JSON.stringify(obs.err)}`);
    }
    return problems;
  }
  if (r.status !== 0) return [`refused: ${r.stderr.trim()}`];
  const saved = lines(runIptablesSave(['-t', t.table], r.ruleset).stdout).filter((l) => l.startsWith(`-A ${chain} `) || l === `-A ${chain}`);
  // Rules the file's %iptables lines set up (rateest.t: a RATEEST rule in INPUT) are not the line under test.
  if (t.setup.length > 0) for (const l of lines(runIptablesSave(['-t', t.table], rs).stdout)) { const i = saved.indexOf(l); if (i >= 0) saved.splice(i, 1); }
  const expected = NFT_SAVES[`${t.file}|${t.rule}`] ?? t.expected;
  const want = obs?.save ? obs.save.replace(/^-A \S+/, `-A ${chain}`) : `-A ${chain}${expected ? ` ${expected}` : ''}`;
  if (t.result === 'NOMATCH' && !obs) {
    if (saved.includes(want)) problems.push(`save shows ${want}`);
    return problems;
  }
  if (saved.length !== 1 || saved[0] !== want) problems.push(`save ${JSON.stringify(saved)}, want ${JSON.stringify(want)}`);
  if (obs?.lnv !== undefined) {
    const row = lines(runIptables(['-t', t.table, '-L', chain, '-n', '-v'], r.ruleset).stdout)[2];
    if (row !== obs.lnv) problems.push(`-L -n -v ${JSON.stringify(row)}, want ${JSON.stringify(obs.lnv)}`);
  }
  return problems;
}

const files = readdirSync(TDIR).filter((f) => f.endsWith('.t')).sort();

describe('iptables 1.8.9 .t files', () => {
  for (const file of files) {
    const judged: { t: TLine; chain: string }[] = [];
    for (const t of readTFile(join(TDIR, file))) {
      for (const chain of t.chains) {
        const missing = pendingReason(t);
        if (missing !== undefined && UNREGISTERED[missing] !== undefined) count(file, 'pending');
        else judged.push({ t, chain });
      }
    }
    if (judged.length === 0) continue;
    describe(file, () => {
      for (const { t, chain } of judged) {
        const name = `${t.lineNo}: ${t.chains.length > 1 ? `${chain}: ` : ''}${t.rule} (${t.result})`;
        it(name, () => {
          const missing = pendingReason(t);
          if (missing !== undefined) assertMayBeUnregistered(missing);
          const problems = judge(t, chain);
          count(file, problems.length ? 'fail' : 'pass');
          expect(problems).toEqual([]);
        });
      }
    });
  }
});

afterAll(() => {
  const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
  const total = { pass: 0, fail: 0, pending: 0 };
  const out = ['extension file             passed/judged  pending'];
  for (const [f, t] of rows) {
    total.pass += t.pass; total.fail += t.fail; total.pending += t.pending;
    out.push(`${f.padEnd(26)} ${`${t.pass}/${t.pass + t.fail}`.padStart(13)}  ${String(t.pending).padStart(7)}`);
  }
  out.push(`${'TOTAL'.padEnd(26)} ${`${total.pass}/${total.pass + total.fail}`.padStart(13)}  ${String(total.pending).padStart(7)}`);
  console.log(out.join('\n'));
});
