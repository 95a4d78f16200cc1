/**
 * Test helpers for the I/O tests: namespaces with a per-run prefix, commands
 * inside them, and the echo-port driver started with `ip netns exec`.
 * Everything made here is removed by cleanup() (kill drivers, delete namespaces).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const viteNode = path.join(root, 'node_modules', '.bin', 'vite-node');
const fixture = path.join(here, 'fixtures', 'echo-port.ts');

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
export const canRun = isRoot || !!process.env.CI;

export const prefix = `rgio${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const namespaces: string[] = [];
const drivers: ChildProcess[] = [];

export function sh(cmd: string[], timeout = 10_000): string {
  return execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function inNs(ns: string, cmd: string[], timeout = 10_000): string {
  return sh(['ip', 'netns', 'exec', ns, ...cmd], timeout);
}

/** A fresh namespace `${prefix}-${tag}` with lo up. */
export function makeNs(tag: string): string {
  const ns = `${prefix}-${tag}`;
  sh(['ip', 'netns', 'add', ns]);
  namespaces.push(ns);
  inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
  return ns;
}

export function cleanup(): void {
  for (const d of drivers) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
  for (const ns of namespaces.splice(0)) {
    try {
      sh(['ip', 'netns', 'del', ns]);
    } catch {
      /* already gone */
    }
  }
}

export function listNs(): string[] {
  return sh(['ip', 'netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));
}

export type Event = Record<string, unknown> & { event: string };

export interface Driver {
  /** Resolves with the first event of that name (or rejects when the driver exits first). */
  next(event: string, timeoutMs?: number): Promise<Event>;
  stop(): Promise<Event>;
  stderr(): string;
}

export function startDriver(ns: string, config: object): Driver {
  const child = spawn('ip', ['netns', 'exec', ns, viteNode, fixture, JSON.stringify(config)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  drivers.push(child);
  const events: Event[] = [];
  const waiters: { name: string; resolve: (e: Event) => void }[] = [];
  let err = '';
  let buf = '';
  let exited = false;
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as Event;
      events.push(e);
      for (const w of waiters.filter((x) => x.name === e.event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const exitedP = new Promise<void>((res) => child.on('exit', () => ((exited = true), res())));
  const next = (name: string, timeoutMs = 15_000): Promise<Event> => {
    const have = events.find((e) => e.event === name);
    if (have) return Promise.resolve(have);
    return new Promise<Event>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`driver: no "${name}" event in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      waiters.push({ name, resolve: (e) => (clearTimeout(t), resolve(e)) });
      void exitedP.then(() => {
        setTimeout(() => {
          if (!events.find((e) => e.event === name)) reject(new Error(`driver exited without "${name}"; stderr: ${err}`));
        }, 50);
      });
    });
  };
  return {
    next,
    stop: async () => {
      if (!exited) child.stdin!.write('stop\n');
      const done = await next('done');
      await exitedP;
      return done;
    },
    stderr: () => err,
  };
}

export function macOf(ns: string, dev: string): string {
  return inNs(ns, ['cat', `/sys/class/net/${dev}/address`]).trim();
}

export const macStr = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, '0')).join(':');

/** Link counters of a device as the kernel sees them. */
export function linkStats(ns: string, dev: string): { rx: number; tx: number } {
  const rx = Number(inNs(ns, ['cat', `/sys/class/net/${dev}/statistics/rx_packets`]).trim());
  const tx = Number(inNs(ns, ['cat', `/sys/class/net/${dev}/statistics/tx_packets`]).trim());
  return { rx, tx };
}
