/**
 * What every lab benchmark does around its measurements: build the rawgate
 * lab and its kernel twin, tear both down at the end (also on failure) and
 * say if any namespace was left, and run main() reporting a crash as exit 1.
 */
import { createLab, teardownLabs } from '../src/lab/index.js';
import type { Lab } from '../src/lab/index.js';

/** The rawgate lab and the kernel twin (no guests), pushed to `labs` as they are made so teardown sees them. */
export function twinLabs(labs: Lab[], log: (s: string) => void): { rlab: Lab; klab: Lab } {
  const rlab = createLab({ kind: 'rawgate', withGuests: false });
  labs.push(rlab);
  const klab = createLab({ kind: 'kernel', withGuests: false });
  labs.push(klab);
  log(`labs: ${rlab.prefix} (rawgate), ${klab.prefix} (kernel)`);
  for (const w of [...rlab.warnings, ...klab.warnings]) log(`lab warning: ${w}`);
  return { rlab, klab };
}

/** Tears the labs down and warns about any namespace left behind. */
export function finishLabs(labs: readonly Lab[], log: (s: string) => void): void {
  const left = teardownLabs(labs);
  if (left.length > 0) log(`WARNING: namespaces left behind: ${left.join(', ')}`);
}

export function runBench(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
