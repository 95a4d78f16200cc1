/**
 * Running rawgate inside a lab's router namespace:
 * `ip netns exec <router> node dist/src/cli/main.js run --config ...`, with
 * stdout and stderr going to <workDir>/rawgate.log. Ready means the control
 * socket answers a ping. After that, the VM and TUN hosts get their
 * addresses on the devices rawgate moved into their namespaces.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRequest, pingDaemon } from '../control/client.js';
import type { ControlResponse } from '../control/protocol.js';
import { labSocketPath, writeLabConfig } from './config.js';
import type { LabConfigOptions } from './config.js';
import { tryRun } from './exec.js';
import { configureHost } from './topology.js';
import type { Lab } from './topology.js';

/** The repository root (where package.json names rawgate), from src/lab or dist/src/lab. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'rawgate') return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the rawgate repository root');
}

export interface StartOptions extends LabConfigOptions {
  /** Wait this long for the control socket (default 20 s). */
  readyTimeoutMs?: number;
  /** Extra node flags (e.g. --expose-gc). */
  nodeArgs?: string[];
  /** Leave the process running when the parent exits (rawgate lab up). */
  detached?: boolean;
}

export interface RawgateRun {
  pid: number;
  configPath: string;
  socketPath: string;
  logPath: string;
  child: ChildProcess;
  /** The log so far (JSON lines from pino plus anything on stderr). */
  logs(): string;
  /** iptables commands through the control socket. */
  iptables(argv: string[]): Promise<ControlResponse>;
  iptablesSave(argv?: string[]): Promise<ControlResponse>;
  iptablesRestore(input: string, argv?: string[]): Promise<ControlResponse>;
  /** `conntrack ARGS` (one-shot, not -E) against the daemon's table. */
  conntrack(argv: string[]): Promise<ControlResponse>;
  /** SIGTERM, wait (then SIGKILL after timeoutMs); resolves with the exit and the whole log. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; logs: string }>;
}

export class RawgateStartError extends Error {
  readonly code = 'LAB_RAWGATE_START';
  constructor(message: string, readonly logs: string) {
    super(`${message}\n--- rawgate log ---\n${logs}`);
    this.name = 'RawgateStartError';
  }
}

export async function startRawgate(lab: Lab, opts: StartOptions = {}): Promise<RawgateRun> {
  if (lab.kind !== 'rawgate') throw new Error('startRawgate needs a lab of kind rawgate');
  const main = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} not found: run \`npm run build\` first`);
  const configPath = writeLabConfig(lab, opts);
  const socketPath = labSocketPath(lab);
  const logPath = path.join(lab.workDir, 'rawgate.log');
  const fd = openSync(logPath, 'a');
  const child = spawn('ip', ['netns', 'exec', lab.router, process.execPath, ...(opts.nodeArgs ?? []), main, 'run', '--config', configPath], {
    stdio: ['ignore', fd, fd],
    detached: opts.detached ?? false,
  });
  closeSync(fd);
  if (opts.detached) child.unref();
  const logs = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })));
  let done: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((r) => (done = r));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (done !== null) {
      const d = done as { code: number | null; signal: NodeJS.Signals | null };
      throw new RawgateStartError(`rawgate exited before it was ready (code ${d.code}, signal ${d.signal})`, logs());
    }
    if (await pingDaemon(socketPath, 500)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new RawgateStartError(`rawgate did not answer on ${socketPath} in time`, logs());
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const handle: RawgateRun = {
    pid: child.pid!,
    configPath,
    socketPath,
    logPath,
    child,
    logs,
    iptables: (argv) => controlRequest(socketPath, { op: 'iptables', argv }),
    iptablesSave: (argv = []) => controlRequest(socketPath, { op: 'iptables-save', argv }),
    iptablesRestore: (input, argv = []) => controlRequest(socketPath, { op: 'iptables-restore', argv, input }),
    conntrack: (argv) => controlRequest(socketPath, { op: 'conntrack', argv }),
    async stop(timeoutMs = 10_000) {
      if (done === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(t);
      }
      const r = await exited;
      return { ...r, logs: logs() };
    },
  };
  if (lab.withGuests) {
    try {
      await attachGuests(lab);
    } catch (e) {
      await handle.stop();
      throw new RawgateStartError((e as Error).message, logs());
    }
  }
  return handle;
}

/**
 * Give the VM and TUN hosts their addresses once rawgate has moved its TAP
 * and TUN devices into their namespaces (polls until the device appears).
 */
export async function attachGuests(lab: Lab, timeoutMs = 10_000): Promise<void> {
  for (const l of [lab.vm, lab.tun]) {
    const deadline = Date.now() + timeoutMs;
    while (tryRun(['ip', '-n', l.ns, 'link', 'show', 'dev', l.hostIf]).status !== 0) {
      if (Date.now() > deadline) throw new Error(`${l.hostIf} did not appear in namespace ${l.ns} (rawgate creates it and moves it there)`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const has = tryRun(['ip', '-n', l.ns, '-4', 'addr', 'show', 'dev', l.hostIf]).stdout.includes(`${l.hostAddr}/`);
    if (!has) configureHost(l.ns, l.hostIf, l);
  }
}
