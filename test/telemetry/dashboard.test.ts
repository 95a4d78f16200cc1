/**
 * config/grafana/rawgate-dashboard.json: every PromQL expression names only
 * series rawgate exports (the README catalogue, which catalogue.test.ts holds
 * to the registry), so a renamed metric cannot leave a panel silently empty.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readmeRows } from './catalogue.js';

interface Panel { title: string; targets?: { expr: string }[] }
const dash = JSON.parse(readFileSync(new URL('../../config/grafana/rawgate-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Panel[]; templating: { list: { query: unknown }[] };
};

describe('Grafana dashboard', () => {
  it('queries only metrics rawgate exports, in every panel and variable', () => {
    const known = new Set(readmeRows().map((r) => r.name));
    const exprs = [
      ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
      ...dash.templating.list.filter((v) => typeof v.query === 'string').map((v) => ({ where: 'variables', expr: v.query as string })),
    ];
    expect(dash.panels.length).toBeGreaterThanOrEqual(12);
    let names = 0;
    for (const { where, expr } of exprs) {
      for (const m of expr.matchAll(/\brawgate_[a-z0-9_]+/g)) {
        names++;
        // Histograms are queried through their _bucket/_sum/_count series.
        const base = m[0].replace(/_(bucket|sum|count)$/, '');
        expect(known.has(m[0]) || known.has(base), `${where}: ${m[0]}`).toBe(true);
      }
    }
    expect(names).toBeGreaterThan(15);
  });

  it('covers interfaces, drops by reason, top rules and the ruleset', () => {
    const all = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const m of ['rawgate_interface_rx_packets_total', 'rawgate_dropped_total', 'rawgate_rule_packets_total', 'rawgate_ruleset_generation', 'rawgate_log_lines_total']) {
      expect(all).toContain(m);
    }
  });
});
