/**
 * The metrics registry as the daemon builds it, without opening a port:
 * Telemetry as src/cli/run.ts makes it (process metrics on), the control
 * handler's counters, and the dataplane's metrics (registerDataplaneMetrics,
 * as startDataplane calls it) over stand-ins for the pipeline, ports, routes
 * and slab — the metrics read only their counters — and conntrack's (a small table). A ruleset is committed so
 * the ruleset metrics have values.
 */
import { COUNTER_NAMES } from '../../src/io/index.js';
import { DEFAULTS } from '../../src/config/types.js';
import { registerDataplaneMetrics } from '../../src/dataplane/metrics.js';
import { Neighbours } from '../../src/net/index.js';
import { DropReason } from '../../src/packet/drop-reason.js';
import { InterfaceCounters } from '../../src/telemetry/counters.js';
import { Telemetry } from '../../src/telemetry/metrics.js';
import { registerRuleMetrics } from '../../src/telemetry/rule-metrics.js';
import { runIptablesRestore } from '../../src/iptables/index.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { resetRulesetStatus, rulesetCommitted } from '../../src/telemetry/ruleset.js';
import { registerConntrackMetrics } from '../../src/conntrack/metrics.js';
import { registerDefragMetrics } from '../../src/defrag/metrics.js';
import { registerNatMetrics } from '../../src/nat/metrics.js';
import { Nat } from '../../src/nat/nat.js';
import { Defrag } from '../../src/defrag/defrag.js';
import { DEFRAG_DEFAULTS } from '../../src/defrag/settings.js';
import { createConntrack } from '../../src/conntrack/index.js';
import { readConntrack } from '../../src/config/conntrack.js';
import { Issues } from '../../src/config/fields.js';

type Sources = Parameters<typeof registerDataplaneMetrics>[1];

export function daemonTelemetry(opts: { processMetrics?: boolean } = {}): Telemetry {
  const t = new Telemetry({ version: '0.1.0', processMetrics: opts.processMetrics ?? true });
  const names = ['lan0', 'wan0', 'rawgate0'];
  const counters = new InterfaceCounters(names);
  counters.rx(0, 1514);
  counters.tx(1, 1514);
  counters.rxDrop(0, DropReason.POLICY_DROP);
  const icmpSent = new Float64Array(256);
  icmpSent[11] = 2;
  const neigh = new Neighbours({ ...DEFAULTS.arp }, { solicit() {}, release() {}, failed() {}, overflow() {} }, () => 0);
  const sources = {
    pipeline: { counters, icmpSent, icmpRateLimited: 1 },
    ports: names.map((name) => ({ port: { name, counterArray: new Float64Array(COUNTER_NAMES.length), counters: () => ({}) } })),
    neigh,
    routes: { size: 3 },
    ruleHost: { natUnsupported: 0, ctUnsupported: 0, logEmitted: 3, logSuppressed: 1 },
    slab: { freeCount: () => 4000 },
  } as unknown as Sources;
  registerDataplaneMetrics(t, sources);
  registerDefragMetrics(t, new Defrag({ ...DEFRAG_DEFAULTS, ipfrag_high_thresh: 65536 }));
  const ct = createConntrack({ ...readConntrack(new Issues(), {}), sysctl: { ...readConntrack(new Issues(), {}).sysctl, nf_conntrack_max: 64 } }, () => 0);
  registerConntrackMetrics(t, ct.engine);
  registerNatMetrics(t, new Nat(ct.table, { primaryAddress: () => 0 }, () => 0));
  // A small ruleset in force for the per-rule series (the cap of 2 leaves one rule without a series).
  const rs = runIptablesRestore([], '*filter\n:INPUT DROP [3:180]\n-A INPUT -p tcp --dport 22 -m comment --comment ssh -j ACCEPT\n-A INPUT -i lo -j ACCEPT\n-A INPUT -j LOG\nCOMMIT\n', emptyRuleset()).ruleset;
  registerRuleMetrics(t, () => rs, 2);
  resetRulesetStatus();
  rulesetCommitted('jit', performance.now() - 12);
  t.rulesetRules.set(4);
  t.rulesetApplies.inc({ result: 'ok' });
  t.controlRequests.inc({ op: 'iptables', status: '0' });
  return t;
}
