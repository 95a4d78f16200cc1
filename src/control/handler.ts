/**
 * The daemon side of the control protocol: holds the current Ruleset and
 * runs iptables / iptables-save / iptables-restore against it.
 * Invariants:
 * - Writes run one at a time (a queue), so two concurrent `iptables -A` never
 *   lose an update; a write is answered only once it is in force.
 * - Reads (iptables-save, -L, -S, -C) are answered at once from the ruleset in
 *   force, also while a long restore is in its queue (as nft reads do not wait
 *   for the xtables lock).
 * - A restore runs in slices between batches (restoreSteps), and so does the
 *   dataplane's apply(): neither forwarding nor the control socket waits for it.
 * - A command that succeeds with a different ruleset is applied through the
 *   dataplane's apply(); if that throws (the ruleset does not compile), the
 *   old ruleset stays both here and in the dataplane and the command fails
 *   with status 1.
 */
import type { Logger } from 'pino';
import type { Ruleset } from '../rules/model.js';
import type { Telemetry } from '../telemetry/metrics.js';
import { runInSlices, type Steps } from '../rules/steps.js';
import type { ControlRequest, ControlResponse } from './protocol.js';
import type { CtSource } from '../conntrack/cli/types.js';

/** Output of one iptables command run as a pure function. `ruleset` is absent (or the same object) when nothing changed. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  status: number;
  ruleset?: Ruleset;
}

/** The iptables command line as pure functions (src/iptables supplies them). */
export interface IptablesCommands {
  iptables(argv: string[], rs: Ruleset): CommandResult;
  save(argv: string[], rs: Ruleset): CommandResult;
  restore(argv: string[], input: string, rs: Ruleset): CommandResult;
  /** The restore in steps; when given, the daemon runs restores with it, in slices. */
  restoreSteps?(argv: string[], input: string, rs: Ruleset): Steps<CommandResult>;
  /** True when the command line cannot change the ruleset (answered without queueing). */
  readsOnly?(argv: string[]): boolean;
}

export interface ControlHandlerOptions {
  commands: IptablesCommands;
  ruleset: Ruleset;
  /** Compile and swap in; throws when the ruleset cannot be used. */
  apply(rs: Ruleset): void | Promise<void>;
  logger?: Logger;
  telemetry?: Telemetry;
  version?: string;
  /** The connection table `conntrack` commands run against (absent: they fail with a message). */
  conntrack?: CtSource;
}

export { isEventStream } from './protocol.js';

export class ControlHandler {
  private current: Ruleset;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ControlHandlerOptions) {
    this.current = opts.ruleset;
    opts.telemetry?.rulesetRules.set(countRules(this.current));
  }

  get ruleset(): Ruleset {
    return this.current;
  }

  /** Run one request after every earlier one has finished. Never rejects. */
  handle(req: ControlRequest): Promise<ControlResponse> {
    // A liveness probe does not wait behind a long restore.
    if (req.op === 'ping') return Promise.resolve({ stdout: `rawgate ${this.opts.version ?? ''} pid ${process.pid}\n`, stderr: '', status: 0 });
    if (req.op === 'conntrack') return this.conntrack(req);
    const reads = req.op === 'iptables-save' || (req.op === 'iptables' && this.opts.commands.readsOnly?.(req.argv) === true);
    const run = reads ? Promise.resolve().then(() => strip(this.invokeSync(req))) : this.queue.then(() => this.run(req));
    if (!reads) this.queue = run.catch(() => undefined);
    return run.then(
      (res) => {
        this.opts.telemetry?.controlRequests.inc({ op: req.op, status: String(res.status) });
        return res;
      },
      (e: Error) => ({ stdout: '', stderr: `rawgate: internal error: ${e.message}\n`, status: 1 }),
    );
  }

  /** A one-shot `conntrack` command (everything but -E) against the table in force. */
  private async conntrack(req: ControlRequest): Promise<ControlResponse> {
    const src = this.opts.conntrack;
    if (src === undefined) return { stdout: '', stderr: 'conntrack: this daemon has no connection table\n', status: 1 };
    const { runConntrack } = await import('../conntrack/cli/index.js');
    let stdout = '', stderr = '';
    const status = runConntrack(req.argv, src, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
    this.opts.telemetry?.controlRequests.inc({ op: req.op, status: String(status) });
    return { stdout, stderr, status };
  }

  /**
   * `conntrack -E`: events go to `write` as they happen until the returned
   * stop() is called (the client sent a line or went away); stop() gives the
   * final answer (the tool's summary).
   */
  async stream(req: ControlRequest, write: (chunk: ControlResponse) => void): Promise<() => ControlResponse> {
    const src = this.opts.conntrack;
    if (src === undefined) {
      const r = { stdout: '', stderr: 'conntrack: this daemon has no connection table\n', status: 1 };
      return () => r;
    }
    const { streamConntrackEvents } = await import('../conntrack/cli/index.js');
    let final = { stdout: '', stderr: '', status: 0 };
    let stopped = false;
    const io = {
      stdout: (s: string) => { if (stopped) final.stdout += s; else write({ stdout: s, stderr: '', status: 0, more: true }); },
      stderr: (s: string) => { if (stopped) final.stderr += s; else write({ stdout: '', stderr: s, status: 0, more: true }); },
    };
    const r = streamConntrackEvents(req.argv, src, io);
    if (typeof r === 'number') {
      stopped = true;
      final = { ...final, status: r };
      return () => final;
    }
    return () => {
      if (!stopped) {
        stopped = true;
        r.stop();
      }
      return final;
    };
  }

  private async run(req: ControlRequest): Promise<ControlResponse> {
    const result = await this.invoke(req);
    const next = result.ruleset;
    if (result.status !== 0 || next === undefined || next === this.current) return strip(result);
    try {
      await this.opts.apply(next);
    } catch (e) {
      this.opts.telemetry?.rulesetApplies.inc({ result: 'error' });
      this.opts.logger?.error({ err: e, op: req.op, argv: req.argv }, 'new ruleset refused; the previous one stays in force');
      return {
        stdout: result.stdout,
        stderr: `${result.stderr}rawgate: the new ruleset could not be applied: ${(e as Error).message}; the previous ruleset stays in force\n`,
        status: 1,
      };
    }
    this.current = next;
    this.opts.telemetry?.rulesetApplies.inc({ result: 'ok' });
    this.opts.telemetry?.rulesetRules.set(countRules(next));
    this.opts.logger?.info({ op: req.op, argv: req.argv, rules: countRules(next) }, 'ruleset replaced');
    return strip(result);
  }

  private async invoke(req: ControlRequest): Promise<CommandResult> {
    const c = this.opts.commands;
    if (req.op !== 'iptables-restore' || c.restoreSteps === undefined) return this.invokeSync(req);
    try {
      return await runInSlices(c.restoreSteps(req.argv, req.input ?? '', this.current));
    } catch (e) {
      return this.internalError(e, req);
    }
  }

  private invokeSync(req: ControlRequest): CommandResult {
    const c = this.opts.commands;
    try {
      if (req.op === 'iptables') return c.iptables(req.argv, this.current);
      if (req.op === 'iptables-save') return c.save(req.argv, this.current);
      return c.restore(req.argv, req.input ?? '', this.current);
    } catch (e) {
      return this.internalError(e, req);
    }
  }

  /** The command functions report errors as results; an exception here is a bug, not a user error. */
  private internalError(e: unknown, req: ControlRequest): CommandResult {
    const err = e as Error & { status?: number };
    this.opts.logger?.error({ err, op: req.op, argv: req.argv }, 'iptables command threw');
    return { stdout: '', stderr: `${err.message}\n`, status: typeof err.status === 'number' ? err.status : 1 };
  }
}

function strip(r: CommandResult): ControlResponse {
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export function countRules(rs: Ruleset): number {
  let n = 0;
  for (const t of rs.tables.values()) for (const c of t.chains.values()) n += c.rules.length;
  return n;
}
