/**
 * Conntrack metrics, read at scrape time from the engine's and the table's
 * counters (nothing on the packet path touches prom-client).
 */
import type { Telemetry } from '../telemetry/metrics.js';
import type { Conntrack } from './conntrack.js';
import { INVALID_REASON_NAMES } from './invalid.js';

export function registerConntrackMetrics(t: Telemetry, ct: Conntrack): void {
  t.addGauge('rawgate_conntrack_entries', 'Connections in the conntrack table (nf_conntrack_count)', [], (emit) => emit({}, ct.table.count));
  t.addGauge('rawgate_conntrack_max', 'Size of the conntrack table (nf_conntrack_max)', [], (emit) => emit({}, ct.table.capacity));
  t.addGauge('rawgate_conntrack_tracking', '1 while connection tracking runs (the ruleset uses it, or conntrack.tracking is always)', [], (emit) => emit({}, ct.active ? 1 : 0));
  t.addCounter('rawgate_conntrack_invalid_total', 'Packets conntrack marked INVALID, by reason (the rules decide what happens to them)', ['reason'], (emit) => {
    for (let i = 1; i < INVALID_REASON_NAMES.length; i++) emit({ reason: INVALID_REASON_NAMES[i] }, ct.invalid[i]);
  });
  t.addCounter('rawgate_conntrack_events_total', 'Conntrack table events as conntrack -S counts them: found, insert, drop (table full), early_drop, search_restart', ['event'], (emit) => {
    const s = ct.stats;
    emit({ event: 'found' }, s.found);
    emit({ event: 'insert' }, s.insert);
    emit({ event: 'drop' }, s.drop);
    emit({ event: 'early_drop' }, ct.table.earlyDrops);
    emit({ event: 'search_restart' }, s.search_restart);
  });
}
