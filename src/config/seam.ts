/**
 * The seam between the daemon (`rawgate run`, src/cli/run.ts) and the
 * dataplane (src/dataplane/index.ts exports `startDataplane: StartDataplane`).
 *
 * Order in `run`: config validated, rules file parsed, control socket path
 * checked, metrics server listening, THEN startDataplane(); the control
 * socket listens only after it resolves (so "socket answers" == ready).
 * Contract for the dataplane:
 * - startDataplane opens every port in config.interfaces (plus the host port
 *   when config.hostPort.enabled), moves tap/tun devices with `netns` into
 *   that namespace, installs config.routes, compiles deps.ruleset, starts
 *   receiving, and registers its counters with deps.telemetry. If it throws,
 *   it must have closed whatever it opened (nothing half-started).
 * - apply(rs) compiles rs and swaps it in between batches. It throws (and the
 *   previous ruleset stays in force) when rs cannot be compiled. The ruleset
 *   object passed is the one the control socket will hand to the next
 *   iptables command, so the evaluator must bump counters in it.
 * - stop() stops receiving, drains, closes every port (non-persistent TUN/TAP
 *   devices vanish with their fd). Idempotent.
 * - deps.fatal(err) tells the daemon the dataplane cannot go on (a port
 *   vanished, ...): the daemon logs it, shuts down and exits 1.
 */
import type { Logger } from 'pino';
import type { Ruleset } from '../rules/model.js';
import type { Telemetry } from '../telemetry/metrics.js';
import type { RawgateConfig } from './types.js';
import type { CtSource } from '../conntrack/cli/types.js';

export interface DataplaneDeps {
  /** Root logger: take children per component, e.g. logger.child({ component: 'dataplane' }). */
  logger: Logger;
  /** registerInterfaceCounters(), addCounter(), addGauge(): read at scrape time. */
  telemetry: Telemetry;
  /** The initial ruleset (the config's rules file, or empty tables). */
  ruleset: Ruleset;
  /** Report an unrecoverable failure; the daemon stops everything and exits 1. */
  fatal(err: Error): void;
}

export interface Dataplane {
  /** The connection table, for `conntrack` commands on the control socket. */
  readonly conntrack?: CtSource;
  /** Compile and swap in between batches; throws (old ruleset kept) when it cannot compile. */
  apply(rs: Ruleset): void | Promise<void>;
  /** Stop and close every port. Idempotent. */
  stop(): Promise<void>;
}

export type StartDataplane = (config: RawgateConfig, deps: DataplaneDeps) => Promise<Dataplane>;
