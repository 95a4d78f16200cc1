/**
 * observed/A2: about 90 further rules run through real iptables 1.8.9 — the
 * iptables-save line and `-L -n -v` row must match exactly, errors must carry
 * the same first line. Lines needing unregistered extensions are pending.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesSave } from '../../src/iptables/index.js';
import { findMatch, findTarget } from '../../src/iptables/ext/index.js';
import { isKnownTargetName } from '../../src/iptables/cli/target-names.js';
import { extensionsUsed, lines, shellWords } from './fixture-format.js';
import { readObserved, REF } from './reference.js';
import { assertMayBeUnregistered, UNREGISTERED } from './unregistered.js';

const entries = readObserved(join(REF, 'observed/A2-extra-rules-save-and-list.txt'));
let pending = 0;
let judged = 0;

describe('observed A2', () => {
  for (const o of entries) {
    const { matches, targets } = extensionsUsed(o.input);
    const missing = matches.find((m) => !findMatch(m)) ??
      targets.find((n) => isKnownTargetName(n) && !['ACCEPT', 'DROP', 'RETURN', 'QUEUE'].includes(n) && !findTarget(n));
    if (missing !== undefined && UNREGISTERED[missing] !== undefined) { pending++; continue; }
    judged++;
    it(o.input, () => {
      if (missing !== undefined) assertMayBeUnregistered(missing);
      const args = shellWords(o.input);
      let rs = emptyRuleset();
      const jump = args.findIndex((a) => a === '-g' || a === '-j');
      if (jump >= 0 && /^[a-z]/.test(args[jump + 1]!)) rs = runIptables(['-N', args[jump + 1]!], rs).ruleset;
      const r = runIptables(args, rs);
      if (o.save === undefined) {
        expect(r.status).not.toBe(0);
        expect(lines(r.stderr)[0]).toBe(o.err);
        return;
      }
      expect(r.stderr).toBe('');
      const table = args[args.indexOf('-t') + 1]!;
      const chain = args[args.indexOf('-A') + 1]!;
      const saved = lines(runIptablesSave(['-t', table], r.ruleset).stdout).filter((l) => l.startsWith('-A '));
      expect(saved).toEqual([o.save]);
      const row = lines(runIptables(['-t', table, '-L', chain, '-n', '-v'], r.ruleset).stdout)[2];
      expect(row).toBe(o.lnv);
    });
  }
});

afterAll(() => console.log(`observed A2: ${judged} judged, ${pending} pending (extensions not registered)`));
