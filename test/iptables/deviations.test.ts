/**
 * rawgate's deliberate deviations from iptables 1.8.9 (deviations.ts), against
 * the recorded real outputs: iptables accepted each command (and, unless the
 * entry is latent, its own save | restore round trip then failed or changed
 * the ruleset); rawgate refuses it with the listed message, leaves the ruleset
 * as it was, and the rest of the case round-trips. Also: every recorded case in
 * which iptables accepted everything and its round trip broke is a listed
 * deviation (rawgate copies no unrestorable save).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables } from '../../src/iptables/index.js';
import { DEVIATIONS, DEVIATION_LINES, ROUND_TRIP, WHY, type Deviation } from './deviations.js';
import { readExpected, runCommand, shellWords, splitScript, type FixtureCase, type Ran } from './fixture-format.js';

const DIR = join(import.meta.dirname, 'fixtures');
const recorded = new Map<string, FixtureCase>();
for (const f of readdirSync(DIR).filter((n) => /^expected-.*\.txt$/.test(n))) {
  for (const fc of readExpected(join(DIR, f))) recorded.set(fc.line, fc);
}

/** The commands of a case; a rule case ("TABLE CHAIN ARGS") is one `iptables -t TABLE -A CHAIN ARGS`. */
function commands(line: string): ((rs: Ruleset) => Ran & { ruleset: Ruleset })[] {
  if (line.startsWith('@ ')) return splitScript(line.slice(2)).map((c) => (rs: Ruleset) => runCommand(c, rs));
  const [table, chain, ...args] = shellWords(line);
  return [(rs) => runIptables(['-t', table!, '-A', chain!, ...args], rs)];
}

/** The real round trip at the end of a case broke: restore failed, or the second save differs from the first. */
function roundTripBroke(fc: FixtureCase): boolean {
  const n = fc.steps.length;
  const [before, pipe, after] = [fc.steps[n - 3]!, fc.steps[n - 2]!, fc.steps[n - 1]!];
  return pipe.rc !== 0 || JSON.stringify(before.out) !== JSON.stringify(after.out);
}

describe('deviations from iptables 1.8.9', () => {
  it('every reason is used', () => {
    expect(new Set(DEVIATIONS.map((d) => d.why))).toEqual(new Set(Object.keys(WHY)));
  });

  for (const d of DEVIATIONS) {
    it(`${d.why}: ${d.line}`, () => {
      const fc = recorded.get(d.line);
      expect(fc, 'the case is recorded').toBeDefined();
      checkRecording(d, fc!);
      checkRawgate(d, fc!);
    });
  }

  it('every recorded round trip that iptables breaks is a deviation', () => {
    const unlisted: string[] = [];
    for (const fc of recorded.values()) {
      if (!fc.line.endsWith(ROUND_TRIP) || DEVIATION_LINES.has(fc.line)) continue;
      const accepted = fc.steps.slice(0, -3).every((s) => s.rc === 0);
      if (accepted && roundTripBroke(fc)) unlisted.push(fc.line);
    }
    expect(unlisted).toEqual([]);
  });
});

/** What iptables did: accepted the command, and (unless latent) broke its own round trip. */
function checkRecording(d: Deviation, fc: FixtureCase): void {
  if (d.latent) return;
  expect(fc.steps[d.step]!.rc, 'iptables accepted the command').toBe(0);
  if (d.line.endsWith(ROUND_TRIP)) expect(roundTripBroke(fc), "iptables' own round trip broke").toBe(true);
}

/** What rawgate does: the steps before run as recorded, the step is refused, the ruleset stays, the rest round-trips. */
function checkRawgate(d: Deviation, fc: FixtureCase): void {
  const cmds = commands(d.line);
  let rs = emptyRuleset();
  for (let i = 0; i < d.step; i++) {
    const r = cmds[i]!(rs);
    expect(r.status, `step ${i} as recorded`).toBe(fc.steps[i]!.rc);
    rs = r.ruleset;
  }
  const refused = cmds[d.step]!(rs);
  expect(refused.status).toBe(d.status);
  expect(refused.stderr.startsWith(d.stderr), `stderr:\n${refused.stderr}\nwanted it to start with:\n${d.stderr}`).toBe(true);
  expect(refused.ruleset).toBe(rs);
  if (!d.line.endsWith(ROUND_TRIP)) return;
  const [save, restore, saveAgain] = cmds.slice(-3);
  const before = save!(rs);
  const pipe = restore!(rs);
  expect(pipe.status).toBe(0);
  expect(pipe.stderr).toBe('');
  expect(saveAgain!(pipe.ruleset).stdout).toBe(before.stdout);
}
