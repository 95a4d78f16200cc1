/**
 * The rawgate metrics registry: one prom-client Registry of our own (never
 * the global default). Traffic metrics are read from plain arrays by
 * prom-client `collect` callbacks at scrape time, so nothing on the packet
 * path touches prom-client. Every label set is known up front (interfaces
 * from config, reasons from DROP_REASON_NAMES) and every series is present
 * from the first scrape, zeros included.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DROP_REASON_COUNT, DROP_REASON_NAMES } from '../packet/drop-reason.js';
import type { InterfaceCounterSource } from './counters.js';

/** Reports each series of a collected metric: emit(labels, value). */
export type CollectFn = (emit: (labels: Record<string, string>, value: number) => void) => void;

export interface TelemetryOptions {
  /** Node process metrics (rawgate_process_*, rawgate_nodejs_*). Default true. */
  processMetrics?: boolean;
  version?: string;
}

export class Telemetry {
  readonly registry = new Registry();
  private sources: InterfaceCounterSource[] = [];
  /** Control-plane counters the daemon bumps directly (rare events, prebuilt children). */
  readonly rulesetApplies: Counter<'result'>;
  readonly controlRequests: Counter<'op' | 'status'>;
  readonly rulesetRules: Gauge;

  constructor(opts: TelemetryOptions = {}) {
    const registers = [this.registry];
    const self = this;
    new Gauge({
      name: 'rawgate_build_info', help: 'rawgate version (always 1)', labelNames: ['version'], registers,
    }).set({ version: opts.version ?? 'unknown' }, 1);

    const perIf = (dir: 'rx' | 'tx', what: 'packets' | 'bytes', help: string) =>
      this.addCounter(`rawgate_interface_${dir}_${what}_total`, help, ['interface'], (emit) => {
        for (const s of self.sources) {
          const arr = s[`${dir}${what === 'packets' ? 'Packets' : 'Bytes'}`];
          for (let i = 0; i < s.names.length; i++) emit({ interface: s.names[i] }, arr[i]);
        }
      });
    perIf('rx', 'packets', 'Packets received on the interface');
    perIf('rx', 'bytes', 'Bytes received on the interface (whole frames)');
    perIf('tx', 'packets', 'Packets sent on the interface');
    perIf('tx', 'bytes', 'Bytes sent on the interface (whole frames)');

    const perIfDrops = (dir: 'rx' | 'tx', help: string) =>
      this.addCounter(`rawgate_interface_${dir}_dropped_total`, help, ['interface', 'reason'], (emit) => {
        for (const s of self.sources) {
          const arr = dir === 'rx' ? s.rxDrops : s.txDrops;
          for (let i = 0; i < s.names.length; i++) {
            for (let r = 1; r < DROP_REASON_COUNT; r++) emit({ interface: s.names[i], reason: DROP_REASON_NAMES[r] }, arr[i * DROP_REASON_COUNT + r]);
          }
        }
      });
    perIfDrops('rx', 'Packets dropped after arriving on the interface, by reason');
    perIfDrops('tx', 'Packets dropped on their way out of the interface, by reason');

    this.addCounter('rawgate_dropped_total', 'Packets dropped, all interfaces, by reason', ['reason'], (emit) => {
      for (let r = 1; r < DROP_REASON_COUNT; r++) {
        let sum = 0;
        for (const s of self.sources) {
          for (let i = 0; i < s.names.length; i++) sum += s.rxDrops[i * DROP_REASON_COUNT + r] + s.txDrops[i * DROP_REASON_COUNT + r];
        }
        emit({ reason: DROP_REASON_NAMES[r] }, sum);
      }
    });

    this.rulesetApplies = new Counter({
      name: 'rawgate_ruleset_applies_total', help: 'Ruleset replacements requested through the control socket, by result', labelNames: ['result'], registers,
    });
    this.rulesetApplies.inc({ result: 'ok' }, 0);
    this.rulesetApplies.inc({ result: 'error' }, 0);
    this.controlRequests = new Counter({
      name: 'rawgate_control_requests_total', help: 'Control socket requests, by operation and exit status', labelNames: ['op', 'status'], registers,
    });
    this.rulesetRules = new Gauge({ name: 'rawgate_ruleset_rules', help: 'Rules in the active ruleset (all tables)', registers });

    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'rawgate_' });
  }

  /** Read per-interface traffic from these arrays at every scrape (the dataplane calls this once at start). */
  registerInterfaceCounters(source: InterfaceCounterSource): void {
    this.sources.push(source);
  }

  /** A counter whose series are read from elsewhere at scrape time. */
  addCounter(name: string, help: string, labelNames: readonly string[], read: CollectFn): Counter<string> {
    return new Counter({
      name, help, labelNames: [...labelNames], registers: [this.registry],
      collect() {
        this.reset();
        read((labels, value) => this.inc(labels, value));
      },
    });
  }

  /** A gauge whose series are read from elsewhere at scrape time. */
  addGauge(name: string, help: string, labelNames: readonly string[], read: CollectFn): Gauge<string> {
    return new Gauge({
      name, help, labelNames: [...labelNames], registers: [this.registry],
      collect() {
        this.reset();
        read((labels, value) => this.set(labels, value));
      },
    });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
