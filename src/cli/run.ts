/**
 * `rawgate run --config FILE`: the daemon, in the foreground.
 *
 * Start order (each step undone if a later one fails, so nothing is left
 * half-started): config → rules file → control socket path claimed →
 * logging → metrics server → dataplane → control socket listening → ready.
 * Exit codes: 0 after SIGTERM/SIGINT, 2 for a config or rules file that is
 * refused, 1 for any other failure (socket in use, port error, fatal error
 * reported by the dataplane). Shutdown: control socket closed and removed,
 * dataplane stopped (ports closed), metrics server closed.
 */
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { Dataplane, StartDataplane } from '../config/seam.js';
import type { RawgateConfig } from '../config/types.js';
import { ControlHandler, isEventStream } from '../control/handler.js';
import type { IptablesCommands } from '../control/handler.js';
import { iptablesCommands, iptablesRestoreAtomic } from '../control/iptables-binding.js';
import { claimSocketPath, startControlServer } from '../control/server.js';
import { notifySystemd } from './systemd.js';
import type { ControlServer } from '../control/server.js';
import type { Ruleset } from '../rules/model.js';
import { createRootLogger } from '../telemetry/logger.js';
import type { Logger } from '../telemetry/logger.js';
import { Telemetry } from '../telemetry/metrics.js';
import { startMetricsServer } from '../telemetry/server.js';
import type { MetricsServer } from '../telemetry/server.js';
import type { CliIO } from './io.js';
import { loadRulesFile, RulesFileError } from './rules-file.js';
import { rawgateVersion } from './version.js';

export interface RunOptions {
  io: CliIO;
  /** The dataplane to start (default: src/dataplane/index.ts). */
  startDataplane?: StartDataplane;
  /** The iptables command line (default: src/iptables through the binding). */
  commands?: IptablesCommands;
  /** Resolves when the daemon should stop (default: first SIGTERM or SIGINT). */
  stopSignal?: Promise<string>;
  /** Log destination (default stdout). */
  logger?: Logger;
  /** Called once the control socket answers. */
  onReady?(info: { socket: string; metrics: { host: string; port: number } | null }): void;
}

export async function runDaemon(configFile: string, opts: RunOptions): Promise<number> {
  const { io } = opts;
  const version = rawgateVersion();
  let config: RawgateConfig;
  let commands: IptablesCommands;
  let ruleset: Ruleset;
  try {
    config = loadConfig(configFile);
    commands = opts.commands ?? iptablesCommands;
    ruleset = loadRulesFile(config.rules, opts.commands ?? { restore: iptablesRestoreAtomic });
  } catch (e) {
    io.stderr(`rawgate: ${(e as Error).message}\n`);
    return e instanceof ConfigError || e instanceof RulesFileError ? 2 : 1;
  }

  const root = opts.logger ?? createRootLogger({ level: config.logging.level });
  const log = root.child({ component: 'daemon' });
  const undo: (() => Promise<void>)[] = [];
  const unwind = async () => {
    while (undo.length > 0) {
      try {
        await undo.pop()!();
      } catch (e) {
        log.error({ err: e }, 'error while shutting down');
      }
    }
  };
  let fatalError: ((e: Error) => void) | null = null;
  const fatal = new Promise<Error>((resolve) => (fatalError = resolve));

  let control: ControlServer;
  let metrics: MetricsServer | null = null;
  try {
    await claimSocketPath(config.control.socket, root.child({ component: 'control' }));
    const telemetry = new Telemetry({ version });
    if (config.metrics.enabled) {
      metrics = await startMetricsServer(telemetry, config.metrics.host, config.metrics.port);
      const m = metrics;
      undo.push(() => m.close());
      log.info({ host: m.host, port: m.port }, 'metrics listening on /metrics');
    }
    const start = opts.startDataplane ?? (await import('../dataplane/index.js')).startDataplane;
    const dp: Dataplane = await start(config, { logger: root, telemetry, ruleset, fatal: (e) => fatalError!(e) });
    undo.push(() => dp.stop());
    const handler = new ControlHandler({
      commands, ruleset, apply: (rs) => dp.apply(rs), logger: root.child({ component: 'control' }), telemetry, version,
      ...(dp.conntrack !== undefined ? { conntrack: dp.conntrack } : {}),
    });
    control = await startControlServer({
      path: config.control.socket,
      handle: (r) => handler.handle(r),
      streams: isEventStream,
      stream: (r, write) => handler.stream(r, write),
      logger: root.child({ component: 'control' }),
    });
    const c = control;
    undo.push(() => c.close());
  } catch (e) {
    log.error({ err: e }, 'start failed');
    io.stderr(`rawgate: ${(e as Error).message}\n`);
    await unwind();
    return 1;
  }

  const onExit = () => control.removeSocketSync();
  process.on('exit', onExit);
  log.info({ version, config: config.source, socket: config.control.socket, interfaces: config.interfaces.length }, 'rawgate ready');
  opts.onReady?.({ socket: config.control.socket, metrics: metrics ? { host: metrics.host, port: metrics.port } : null });
  notifySystemd('READY=1', process.env, log);

  const stop = opts.stopSignal ?? signalOnce();
  const why = await Promise.race([stop.then((s) => ({ signal: s })), fatal.then((err) => ({ err }))]);
  if ('err' in why) log.fatal({ err: why.err }, 'dataplane failed; shutting down');
  else log.info({ signal: why.signal }, 'shutting down');
  notifySystemd('STOPPING=1', process.env, log);
  await unwind();
  process.off('exit', onExit);
  log.info('stopped');
  return 'err' in why ? 1 : 0;
}

/** The first SIGTERM or SIGINT; a second one during shutdown exits at once. */
function signalOnce(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
      const again = () => process.exit(130);
      process.once('SIGTERM', again);
      process.once('SIGINT', again);
      resolve(sig);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
