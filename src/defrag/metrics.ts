/**
 * Defrag metrics, read at scrape time from the reassembler's counters.
 * Fragments refused on arrival are also per-interface drops (the pipeline
 * counts them under their DropReason); queues that time out are counted here.
 */
import type { Telemetry } from '../telemetry/metrics.js';
import { DROP_REASON_NAMES } from '../packet/drop-reason.js';
import type { Defrag } from './defrag.js';

export function registerDefragMetrics(t: Telemetry, d: Defrag): void {
  t.addGauge('rawgate_defrag_memory_bytes', 'Bytes the reassembly queues hold (bounded by defrag.ipfrag_high_thresh)', [], (emit) => emit({}, d.memory));
  t.addGauge('rawgate_defrag_queues', 'Datagrams waiting for fragments', [], (emit) => emit({}, d.queues));
  t.addCounter('rawgate_defrag_reassembled_total', 'Datagrams reassembled from fragments', [], (emit) => emit({}, d.reassembled));
  t.addCounter('rawgate_defrag_dropped_total', 'Reassembly failures by reason (defrag_overlap, defrag_timeout, defrag_memory, ...): one per datagram or fragment given up', ['reason'], (emit) => {
    for (let i = 1; i < d.drops.length; i++) if (DROP_REASON_NAMES[i]!.startsWith('defrag_')) emit({ reason: DROP_REASON_NAMES[i]! }, d.drops[i]!);
  });
}
