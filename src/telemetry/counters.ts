/**
 * Per-interface traffic counters as flat Float64Arrays: the hot path bumps
 * plain numbers, telemetry reads them only at scrape time. Invariant: sized
 * once for the interface list; drop arrays are indexed
 * [ifIndex * DROP_REASON_COUNT + reason].
 */
import { DROP_REASON_COUNT } from '../packet/drop-reason.js';

/** What the metrics read; the dataplane may hand its own arrays in this shape. */
export interface InterfaceCounterSource {
  /** Interface names by rawgate interface index (the label values). */
  readonly names: readonly string[];
  readonly rxPackets: Float64Array;
  readonly rxBytes: Float64Array;
  readonly txPackets: Float64Array;
  readonly txBytes: Float64Array;
  /** Drops charged on receive: [ifIndex * DROP_REASON_COUNT + reason]. */
  readonly rxDrops: Float64Array;
  /** Drops charged on transmit: [ifIndex * DROP_REASON_COUNT + reason]. */
  readonly txDrops: Float64Array;
}

export class InterfaceCounters implements InterfaceCounterSource {
  readonly rxPackets: Float64Array;
  readonly rxBytes: Float64Array;
  readonly txPackets: Float64Array;
  readonly txBytes: Float64Array;
  readonly rxDrops: Float64Array;
  readonly txDrops: Float64Array;

  constructor(readonly names: readonly string[]) {
    const n = names.length;
    this.rxPackets = new Float64Array(n);
    this.rxBytes = new Float64Array(n);
    this.txPackets = new Float64Array(n);
    this.txBytes = new Float64Array(n);
    this.rxDrops = new Float64Array(n * DROP_REASON_COUNT);
    this.txDrops = new Float64Array(n * DROP_REASON_COUNT);
  }

  rx(ifIndex: number, bytes: number): void {
    this.rxPackets[ifIndex]++;
    this.rxBytes[ifIndex] += bytes;
  }

  tx(ifIndex: number, bytes: number): void {
    this.txPackets[ifIndex]++;
    this.txBytes[ifIndex] += bytes;
  }

  rxDrop(ifIndex: number, reason: number): void {
    this.rxDrops[ifIndex * DROP_REASON_COUNT + reason]++;
  }

  txDrop(ifIndex: number, reason: number): void {
    this.txDrops[ifIndex * DROP_REASON_COUNT + reason]++;
  }
}
