/**
 * The dataplane's metrics, read at scrape time from the arrays the packet
 * path bumps (nothing on that path touches prom-client): per-interface
 * traffic and drops by reason, the addon's own socket counters, ICMP sent
 * and rate-limited, slab occupancy.
 */
import { COUNTER_NAMES } from '../io/index.js';
import type { Slab } from '../io/index.js';
import type { Telemetry } from '../telemetry/metrics.js';
import type { Pipeline } from './pipeline.js';
import type { DataplaneRuleHost } from './rule-host.js';

interface Sources {
  pipeline: Pipeline;
  ports: readonly { port: { name: string; counterArray: Float64Array; counters(): unknown } }[];
  neigh: { entries(): { state: string }[]; counts: object };
  routes: { size: number };
  ruleHost: DataplaneRuleHost;
  slab: Slab;
}

/** Snake-case metric label for an addon counter name (rxDropNoslot → rx_drop_noslot). */
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function registerDataplaneMetrics(t: Telemetry, s: Sources): void {
  t.registerInterfaceCounters(s.pipeline.counters);
  t.addCounter('rawgate_port_io_total', 'Socket-level counters of each port (system calls, kernel drops, send failures)', ['interface', 'counter'], (emit) => {
    for (const v of s.ports) {
      v.port.counters(); // folds in the kernel's PACKET_STATISTICS drops (a system call: scrape time only)
      for (let i = 0; i < COUNTER_NAMES.length; i++) emit({ interface: v.port.name, counter: snake(COUNTER_NAMES[i]) }, v.port.counterArray[i]);
    }
  });
  t.addCounter('rawgate_icmp_sent_total', 'ICMP messages the router itself sent, by type', ['type'], (emit) => {
    const a = s.pipeline.icmpSent;
    for (let i = 0; i < a.length; i++) if (a[i] > 0 || i === 0 || i === 3 || i === 11) emit({ type: String(i) }, a[i]);
  });
  t.addCounter('rawgate_icmp_ratelimited_total', 'ICMP errors not sent because of the rate limit (icmp_ratelimit, icmp_msgs_per_sec)', [], (emit) => {
    emit({}, s.pipeline.icmpRateLimited);
  });
  t.addGauge('rawgate_arp_entries', 'ARP cache entries, by state', ['state'], (emit) => {
    const by: Record<string, number> = { INCOMPLETE: 0, REACHABLE: 0, STALE: 0, FAILED: 0 };
    for (const e of s.neigh.entries()) by[e.state] = (by[e.state] ?? 0) + 1;
    for (const [state, n] of Object.entries(by)) emit({ state }, n);
  });
  t.addCounter('rawgate_arp_events_total', 'ARP cache events: hits, misses, packets parked/released, resolutions failed, queue overflow, requests sent, evictions', ['event'], (emit) => {
    for (const [event, n] of Object.entries(s.neigh.counts) as [string, number][]) emit({ event: snake(event) }, n);
  });
  t.addGauge('rawgate_routes', 'Routes in the routing table (connected and static)', [], (emit) => emit({}, s.routes.size));
  t.addGauge('rawgate_slab_free_slots', 'Free packet slots in the shared slab', [], (emit) => emit({}, s.slab.freeCount()));
  t.addCounter('rawgate_targets_without_conntrack_total', 'NAT and conntrack targets hit before connection tracking exists (accepted, not applied)', ['kind'], (emit) => {
    emit({ kind: 'nat' }, s.ruleHost.natUnsupported);
    emit({ kind: 'conntrack' }, s.ruleHost.ctUnsupported);
  });
  t.addCounter('rawgate_log_lines_total', 'LOG/NFLOG/ULOG lines written, and suppressed by the global LOG bound (logging.logRate/logBurst)', ['result'], (emit) => {
    emit({ result: 'emitted' }, s.ruleHost.logEmitted);
    emit({ result: 'suppressed' }, s.ruleHost.logSuppressed);
  });
}
