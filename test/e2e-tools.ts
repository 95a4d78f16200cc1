/**
 * The end-to-end tests' tool check (used by test/global-setup.ts): pure in
 * its inputs (environment, root or not, filesystem root for the absolute
 * tool paths) so it can be tested without touching the machine's tools.
 */
import { aptInstallArgv, describeMissing, findMissing, packagesFor, searchPath, TEST_TOOLS } from '../src/lab/preflight.js';

export type E2eToolCheck = { kind: 'ok' } | { kind: 'skip' } | { kind: 'warn' | 'fail'; message: string };

export function e2eToolCheck(env: NodeJS.ProcessEnv, root: boolean, fsRoot?: string): E2eToolCheck {
  const ci = !!env.CI;
  if (!root && !ci) return { kind: 'skip' };
  const missing = findMissing(TEST_TOOLS, { PATH: searchPath(env.PATH), root: fsRoot });
  if (missing.length === 0) return { kind: 'ok' };
  const message =
    `The end-to-end tests need programs that are not installed: ${describeMissing(missing)}.\n` +
    `Install them (as root): ${aptInstallArgv(packagesFor(missing)).join(' ')}\n` +
    (ci ? 'CI is set, so the run stops here.' : 'The end-to-end tests will fail without them (set CI=1 to stop here instead).');
  return { kind: ci ? 'fail' : 'warn', message };
}
