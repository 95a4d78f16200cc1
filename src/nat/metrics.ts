/** NAT metrics, read at scrape time from the NAT layer's counters. */
import type { Telemetry } from '../telemetry/metrics.js';
import type { Nat } from './nat.js';

export function registerNatMetrics(t: Telemetry, nat: Nat): void {
  t.addCounter('rawgate_nat_bindings_total', 'Connections NAT bound (rule mappings and null bindings), by manip: src (SNAT, MASQUERADE) or dst (DNAT, REDIRECT)', ['manip'], (emit) => {
    emit({ manip: 'src' }, nat.bindings[0]!);
    emit({ manip: 'dst' }, nat.bindings[1]!);
  });
  t.addCounter('rawgate_nat_exhausted_total', 'New connections dropped because every tuple the NAT range allows was taken (also counted as drop reason nat_exhausted)', [], (emit) => emit({}, nat.exhausted));
}
