/**
 * Prometheus' `promtool check metrics` for tests (Debian package
 * `prometheus`, installed by .ci/run). PROMTOOL overrides the command.
 * A test that lints runs when promtool is there or CI is set (and then fails
 * without it); elsewhere it is skipped with a warning.
 */
import { spawnSync } from 'node:child_process';

export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
export const havePromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).error === undefined;
const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
/** Whether to lint: promtool is there, or CI is set (where its absence is a failure). */
export const lintMetrics = havePromtool || inCI;

export function warnIfNoPromtool(): void {
  if (!lintMetrics) console.warn(`promtool not found (${PROMTOOL}): skipping the lint of /metrics (apt-get install prometheus)`);
}

/** Lint exposition text; `out` is promtool's report (empty when clean). */
export function promtoolCheck(text: string): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${PROMTOOL} (apt-get install prometheus): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
