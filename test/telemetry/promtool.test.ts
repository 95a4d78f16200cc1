/**
 * The /metrics text lints clean with Prometheus' own `promtool check metrics`
 * (Debian package `prometheus`, installed by .ci/run). Without promtool the
 * test fails when CI is set and is skipped otherwise.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { daemonTelemetry } from './daemon-registry.js';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const havePromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).error === undefined;
const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
if (!havePromtool && !inCI) console.warn(`promtool not found (${PROMTOOL}): skipping the lint of /metrics (apt-get install prometheus)`);

function promtoolCheck(text: string): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${PROMTOOL} (apt-get install prometheus): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('promtool check metrics', () => {
  it.skipIf(!havePromtool && !inCI)('finds no problem in the daemon\'s exposition', async () => {
    const text = await daemonTelemetry().scrape();
    expect(text).toContain('rawgate_ruleset_evaluator{evaluator="jit"} 1');
    const r = promtoolCheck(text);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!havePromtool && !inCI)('does report a problem (the check is live)', () => {
    const r = promtoolCheck('# HELP x_total a gauge named like a counter\n# TYPE x_total gauge\nx_total 1\n');
    expect(r.out).toContain('non-counter metrics should not have "_total" suffix');
    expect(r.status).not.toBe(0);
  });
});
