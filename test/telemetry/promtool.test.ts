/**
 * The /metrics text lints clean with Prometheus' own `promtool check metrics`
 * (Debian package `prometheus`, installed by .ci/run). Without promtool the
 * test fails when CI is set and is skipped otherwise.
 */
import { describe, expect, it } from 'vitest';
import { daemonTelemetry } from './daemon-registry.js';
import { lintMetrics, promtoolCheck, warnIfNoPromtool } from './promtool.js';

warnIfNoPromtool();

describe('promtool check metrics', () => {
  it.skipIf(!lintMetrics)('finds no problem in the daemon\'s exposition', async () => {
    const text = await daemonTelemetry().scrape();
    expect(text).toContain('rawgate_ruleset_evaluator{evaluator="jit"} 1');
    const r = promtoolCheck(text);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!lintMetrics)('does report a problem (the check is live)', () => {
    const r = promtoolCheck('# HELP x_total a gauge named like a counter\n# TYPE x_total gauge\nx_total 1\n');
    expect(r.out).toContain('non-counter metrics should not have "_total" suffix');
    expect(r.status).not.toBe(0);
  });
});
