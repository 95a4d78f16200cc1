/**
 * Per-rule and per-chain series: the counters `iptables -L -v -x` shows, with
 * table, chain, position and comment labels, capped by metrics.ruleSeries.
 */
import { describe, expect, it } from 'vitest';
import { runIptablesRestore } from '../../src/iptables/index.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { Telemetry } from '../../src/telemetry/metrics.js';
import { registerRuleMetrics } from '../../src/telemetry/rule-metrics.js';

const RULES = `*filter
:INPUT DROP [7:420]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:web - [0:0]
[5:300] -A INPUT -p tcp -m tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT
[2:120] -A INPUT -j web
[1:60] -A web -p tcp -m tcp --dport 80 -j ACCEPT
COMMIT
`;

describe('rule metrics', () => {
  const rs = runIptablesRestore(['-c'], RULES, emptyRuleset()).ruleset;
  const scrape = async (cap: number): Promise<string[]> => {
    const t = new Telemetry({ processMetrics: false });
    registerRuleMetrics(t, () => rs, cap);
    return (await t.scrape()).split('\n').filter((l) => l.startsWith('rawgate_rule') || l.startsWith('rawgate_chain'));
  };

  it('exports every rule\'s packets and bytes and the policies, as -L -v -x counts them', async () => {
    const lines = await scrape(100);
    expect(lines).toContain('rawgate_rule_packets_total{table="filter",chain="INPUT",rule="1",comment="ssh in"} 5');
    expect(lines).toContain('rawgate_rule_bytes_total{table="filter",chain="INPUT",rule="2",comment=""} 120');
    expect(lines).toContain('rawgate_rule_packets_total{table="filter",chain="web",rule="1",comment=""} 1');
    expect(lines).toContain('rawgate_chain_policy_packets_total{table="filter",chain="INPUT",policy="DROP"} 7');
    expect(lines).toContain('rawgate_chain_policy_bytes_total{table="filter",chain="INPUT",policy="DROP"} 420');
    expect(lines).toContain('rawgate_rule_series_omitted 0');
  });

  it('gives series to at most metrics.ruleSeries rules and counts the rest', async () => {
    const lines = await scrape(2);
    expect(lines.filter((l) => l.startsWith('rawgate_rule_packets_total{'))).toHaveLength(2);
    expect(lines).toContain('rawgate_rule_series_omitted 1');
    expect((await scrape(0)).filter((l) => l.startsWith('rawgate_rule_packets_total{'))).toHaveLength(0);
  });
});
