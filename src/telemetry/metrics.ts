/**
 * The rawgate metrics registry: one prom-client Registry of our own (never
 * the global default). Traffic metrics are read from plain arrays by
 * prom-client `collect` callbacks at scrape time, so nothing on the packet
 * path touches prom-client. Every label set is known up front (interfaces
 * from config, reasons from DROP_REASON_NAMES) and every series is present
 * from the first scrape, zeros included.
 *
 * The exposition lints clean with `promtool check metrics`
 * (test/telemetry/promtool.test.ts). Of prom-client's default Node metrics,
 * three are left out because they are gauges named `*_total`, which the lint
 * (and the naming conventions) keep for counters:
 * rawgate_nodejs_active_{handles,requests,resources}_total. Each is the sum
 * over `type` of the gauge of the same name without `_total`, e.g.
 * `sum(rawgate_nodejs_active_handles)`. Every metric is listed in README.md's
 * catalogue (test/telemetry/catalogue.test.ts keeps the two in step).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DROP_REASON_COUNT, DROP_REASON_NAMES } from '../packet/drop-reason.js';
import type { InterfaceCounterSource } from './counters.js';
import { RULESET_EVALUATORS, rulesetAccepted, rulesetRefused, rulesetStatus } from './ruleset.js';

/** prom-client default metrics left out (gauges named *_total; see above), without the prefix. */
export const DROPPED_DEFAULT_METRICS: readonly string[] = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * rawgate_ruleset_applies_total: the control handler bumps it once per
 * change it tries to apply; each bump also records the last load's result
 * and time (rawgate_ruleset_last_load_*). prom-client sets `inc` on the
 * instance in its constructor (so a subclass cannot override it): wrapped here.
 */
function observeApplies(c: Counter<'result'>): Counter<'result'> {
  const inner = c.inc.bind(c) as (labels?: unknown, value?: number) => void;
  const inc = (labels?: unknown, value?: number): void => {
    inner(labels, value);
    if (typeof labels !== 'object' || labels === null || value === 0) return; // value 0: creating the series, not an event
    const result = (labels as { result?: unknown }).result;
    if (result === 'ok') rulesetAccepted();
    else if (result === 'error') rulesetRefused();
  };
  c.inc = inc as typeof c.inc;
  return c;
}

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

    this.rulesetApplies = observeApplies(new Counter({
      name: 'rawgate_ruleset_applies_total', help: 'Ruleset replacements requested through the control socket, by result', labelNames: ['result'], registers,
    }));
    this.rulesetApplies.inc({ result: 'ok' }, 0);
    this.rulesetApplies.inc({ result: 'error' }, 0);
    this.controlRequests = new Counter({
      name: 'rawgate_control_requests_total', help: 'Control socket requests, by operation and exit status', labelNames: ['op', 'status'], registers,
    });
    this.rulesetRules = new Gauge({ name: 'rawgate_ruleset_rules', help: 'Rules in the active ruleset (all tables)', registers });

    // The ruleset in force, read from the dataplane's reports at scrape time (src/telemetry/ruleset.ts).
    const st = rulesetStatus;
    this.addGauge('rawgate_ruleset_generation', 'Generation of the ruleset in force: 1 for the one loaded at start, +1 per ruleset put in force since (0 before the first)', [],
      (emit) => emit({}, st.generation));
    this.addGauge('rawgate_ruleset_evaluator', 'Which evaluator runs the ruleset in force: 1 for it, 0 for the other (jit; interpreter when the JIT compiler fails)', ['evaluator'],
      (emit) => { for (const e of RULESET_EVALUATORS) emit({ evaluator: e }, st.evaluator === e ? 1 : 0); });
    this.addGauge('rawgate_ruleset_last_compile_duration_seconds', 'Seconds the ruleset in force took to compile and commit (incremental: only the chains that changed)', [],
      (emit) => emit({}, st.compileSeconds));
    this.addGauge('rawgate_ruleset_last_load_successful', 'Whether the last ruleset load succeeded (1) or was refused (0); 0 before the first', [],
      (emit) => emit({}, st.lastLoadOk === true ? 1 : 0));
    this.addGauge('rawgate_ruleset_last_load_timestamp_seconds', 'Unix time of the last ruleset load, successful or not (0 before the first)', [],
      (emit) => emit({}, st.lastLoadTime));
    this.addGauge('rawgate_ruleset_last_load_success_timestamp_seconds', 'Unix time of the last successful ruleset load (0 before the first)', [],
      (emit) => emit({}, st.lastSuccessTime));

    if (opts.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'rawgate_' });
      for (const n of DROPPED_DEFAULT_METRICS) this.registry.removeSingleMetric(`rawgate_${n}`);
    }
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
