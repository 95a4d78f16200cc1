/**
 * vitest globalSetup: before any test file, when the end-to-end tests would
 * run (root, or CI set — the same gate as their describe.skipIf), name every
 * program they need that is missing, with its Debian package and the
 * command that installs them. With CI set that fails the run here, instead
 * of deep inside a test; as root without CI it is a warning up front (the
 * end-to-end tests will then fail), so the unit tests still run.
 */
import { e2eToolCheck } from './e2e-tools.js';

export default function setup(): void {
  const check = e2eToolCheck(process.env, typeof process.getuid === 'function' && process.getuid() === 0);
  if (check.kind === 'fail') {
    const e = new Error(check.message);
    e.stack = `Error: ${check.message}`; // the message is the point, not where it was thrown
    throw e;
  }
  if (check.kind === 'warn') console.warn(check.message);
}
