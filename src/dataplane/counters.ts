/**
 * Per-interface counters in flat Float64Arrays: the hot path bumps numbers,
 * telemetry reads them at scrape time. Invariant: sized once for the
 * interface count; drops are [ifIndex * DROP_REASON_COUNT + reason].
 */
import { DROP_REASON_COUNT } from '../packet/drop-reason.js';

export class IfCounters {
  readonly rxPackets: Float64Array;
  readonly rxBytes: Float64Array;
  readonly txPackets: Float64Array;
  readonly txBytes: Float64Array;
  /** Drops charged to the interface the packet came in on (or left through, for tx drops). */
  readonly drops: Float64Array;

  constructor(readonly ifCount: number) {
    this.rxPackets = new Float64Array(ifCount);
    this.rxBytes = new Float64Array(ifCount);
    this.txPackets = new Float64Array(ifCount);
    this.txBytes = new Float64Array(ifCount);
    this.drops = new Float64Array(ifCount * DROP_REASON_COUNT);
  }

  /** Locally generated packets are charged to the host port's index. */
  drop(ifIndex: number, reason: number): void {
    this.drops[ifIndex * DROP_REASON_COUNT + reason]++;
  }

  dropCount(ifIndex: number, reason: number): number {
    return this.drops[ifIndex * DROP_REASON_COUNT + reason];
  }
}
