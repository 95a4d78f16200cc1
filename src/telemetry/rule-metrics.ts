/**
 * Per-rule and per-chain counters as Prometheus series, read at scrape time
 * from the ruleset in force (the model's counters: what `iptables -L -v -x`
 * shows). Invariants:
 * - A rule's series are labelled table, chain, rule (its 1-based position, as
 *   `--line-numbers` shows it) and comment (its first `-m comment`, '' when
 *   none). Positions shift when rules are inserted or deleted, and a replaced
 *   rule starts from 0, as its iptables counters do (Prometheus reads that as
 *   a counter reset).
 * - At most `cap` rules get series (config metrics.ruleSeries), in table,
 *   chain and rule order, so a 50,000-rule set cannot explode cardinality; the
 *   rules beyond it are counted in rawgate_rule_series_omitted, and their
 *   packets still show in their chain's policy and in the interface counters.
 * - Built-in chains' policy counters are always exported (a handful of series).
 */
import type { Ruleset } from '../rules/model.js';
import type { Telemetry } from './metrics.js';

const TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter', 'security'] as const;

export function registerRuleMetrics(t: Telemetry, ruleset: () => Ruleset, cap: number): void {
  const each = (emit: (labels: Record<string, string>, v: number) => void, field: 'pkts' | 'bytes'): void => {
    const rs = ruleset();
    let n = 0;
    for (const tn of TABLE_ORDER) {
      const table = rs.tables.get(tn);
      if (table === undefined) continue;
      for (const c of table.chains.values()) {
        for (let i = 0; i < c.rules.length && n < cap; i++, n++) {
          const r = c.rules[i]!;
          const m = r.matches.find((x) => x.name === 'comment');
          emit({ table: tn, chain: c.name, rule: String(i + 1), comment: m !== undefined && m.name === 'comment' ? m.comment : '' }, r[field]);
        }
      }
    }
  };
  t.addCounter('rawgate_rule_packets_total', 'Packets that matched the rule (iptables -L -v -x), by table, chain, position and -m comment; at most metrics.ruleSeries rules', ['table', 'chain', 'rule', 'comment'], (emit) => each(emit, 'pkts'));
  t.addCounter('rawgate_rule_bytes_total', 'Bytes (IP total length) of packets that matched the rule; the same series as rawgate_rule_packets_total', ['table', 'chain', 'rule', 'comment'], (emit) => each(emit, 'bytes'));
  const policy = (emit: (labels: Record<string, string>, v: number) => void, field: 'pkts' | 'bytes'): void => {
    const rs = ruleset();
    for (const tn of TABLE_ORDER) {
      for (const c of rs.tables.get(tn)?.chains.values() ?? []) if (c.policy !== null) emit({ table: tn, chain: c.name, policy: c.policy }, c[field]);
    }
  };
  t.addCounter('rawgate_chain_policy_packets_total', 'Packets that reached the end of a built-in chain and took its policy', ['table', 'chain', 'policy'], (emit) => policy(emit, 'pkts'));
  t.addCounter('rawgate_chain_policy_bytes_total', 'Bytes of packets that took a built-in chain\'s policy', ['table', 'chain', 'policy'], (emit) => policy(emit, 'bytes'));
  t.addGauge('rawgate_rule_series_omitted', 'Rules in force without their own series because of the metrics.ruleSeries cap', [], (emit) => {
    let total = 0;
    for (const table of ruleset().tables.values()) for (const c of table.chains.values()) total += c.rules.length;
    emit({}, Math.max(0, total - cap));
  });
}
