/**
 * README.md's metrics catalogue lists exactly the metrics rawgate exports,
 * with their type and label names: every metric the daemon's registry holds
 * has a row, and every row names a metric the registry holds.
 */
import { describe, expect, it } from 'vitest';
import { readmeRows, type Row } from './catalogue.js';
import { daemonTelemetry } from './daemon-registry.js';

function registered(): Row[] {
  return daemonTelemetry().registry.getMetricsAsArray().map((m) => ({
    name: m.name,
    type: String(m.type),
    labels: [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])],
  }));
}

/** A row to paste into the README for a metric it misses (the meaning is to be written). */
const rowText = (r: Row) => `| \`${r.name}\` | ${r.type} | ${r.labels.map((l) => `\`${l}\``).join(', ')} | … |`;

describe('README metrics catalogue', () => {
  it('has a row for every metric registered, and no other', () => {
    const rows = readmeRows();
    const metrics = registered();
    expect(metrics.length).toBeGreaterThan(40); // the daemon's registry, default metrics included
    const inReadme = new Set(rows.map((r) => r.name));
    const inRegistry = new Set(metrics.map((m) => m.name));
    const missing = metrics.filter((m) => !inReadme.has(m.name));
    const stale = rows.filter((r) => !inRegistry.has(r.name)).map((r) => r.name);
    expect(missing.map(rowText), 'metrics missing from README.md (rows to add)').toEqual([]);
    expect(stale, 'README.md rows for metrics no longer exported').toEqual([]);
    expect(rows.length, 'a metric listed twice').toBe(inReadme.size);
  });

  it('gives each metric its type and label names', () => {
    const byName = new Map(readmeRows().map((r) => [r.name, r]));
    for (const m of registered()) {
      const r = byName.get(m.name);
      if (!r) continue; // reported by the test above
      expect({ name: r.name, type: r.type, labels: r.labels }, `README row of ${m.name}`).toEqual(m);
    }
  });
});
