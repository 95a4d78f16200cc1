/**
 * rawgate against real iptables 1.8.9 (nft) output recorded by
 * scripts/iptables-fixtures/generate.sh (test/iptables/fixtures/expected-*.txt):
 * every case must print the same bytes and exit with the same status, except
 * rawgate's deliberate deviations (deviations.ts), which deviations.test.ts
 * checks against the same recordings.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMatch, findTarget } from '../../src/iptables/ext/index.js';
import { isKnownTargetName } from '../../src/iptables/cli/target-names.js';
import { DEVIATION_LINES } from './deviations.js';
import { assertMayBeUnregistered, UNREGISTERED } from './unregistered.js';
import { extensionsUsed, readExpected, replay } from './fixture-format.js';

const STANDARD = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

/** An extension the case needs that is not registered (a failure unless unregistered.ts says why). */
function missingExtension(line: string): string | undefined {
  const { matches, targets } = extensionsUsed(line);
  const m = matches.find((n) => !findMatch(n) && n !== 'nosuchmatch');
  if (m) return m;
  return targets.find((n) => !STANDARD.has(n) && isKnownTargetName(n) && !findTarget(n));
}

const DIR = join(import.meta.dirname, 'fixtures');

/** Cases whose real output cannot or should not be reproduced, with the reason. */
const SKIP: Record<string, string> = {
  '@ iptables -A INPUT -v -v -j ACCEPT': '-v -v dumps nft netlink debugging',
  '@ iptables -A INPUT -p tcp -h': 'help text includes the tcp extension help',
  '@ iptables-restore /nonexistent-file': 'reading files is the CLI entry point\'s job',
  [`@ iptables -t filter -A INPUT -m helper --helper $'${'\\303\\251'.repeat(15)}' ; iptables-save ; iptables-save | iptables-restore ; iptables-save`]:
    'iptables cuts the 30-byte name inside a UTF-8 character and saves half of it; rawgate cuts before the character (string-value.ts putString)',
};

for (const file of readdirSync(DIR).filter((f) => /^expected-.*\.txt$/.test(f))) {
  describe(file, () => {
    for (const fc of readExpected(join(DIR, file))) {
      const crashed = fc.steps.some((s) => s.rc >= 128);
      const missing = missingExtension(fc.line);
      const skip = SKIP[fc.line] ?? (crashed ? 'real iptables crashed' : missing !== undefined && UNREGISTERED[missing] !== undefined ? `extension ${missing} not registered: ${UNREGISTERED[missing]}` : undefined);
      if (skip || DEVIATION_LINES.has(fc.line)) continue;
      it(fc.line, () => {
        if (missing !== undefined) assertMayBeUnregistered(missing);
        expect(replay(fc)).toEqual(fc);
      });
    }
  });
}
