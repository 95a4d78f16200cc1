/**
 * Running the lab's commands: argv arrays, no shell, synchronous (teardown
 * must also work from a process 'exit' handler). A failure carries the
 * command and its stderr.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export class LabCommandError extends Error {
  readonly code = 'LAB_COMMAND';
  constructor(readonly argv: readonly string[], readonly status: number | null, readonly stderr: string) {
    super(`${argv.join(' ')} failed (${status ?? 'signal'}): ${stderr.trim()}`);
    this.name = 'LabCommandError';
  }
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Run and return output; never throws for a non-zero exit. */
export function tryRun(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): ExecResult {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 30_000 });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? r.error.message : ''), status: r.status ?? 128 };
}

/** Run; throw LabCommandError on a non-zero exit. */
export function run(argv: readonly string[], input?: string): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (e) {
    const err = e as { status?: number | null; stderr?: string; message: string };
    throw new LabCommandError(argv, err.status ?? null, err.stderr || err.message);
  }
}

/** `ip netns exec <ns> argv...` */
export function nsArgv(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

export function sysctl(ns: string, key: string, value: string | number): void {
  run(nsArgv(ns, ['sysctl', '-qw', `${key}=${value}`]));
}

/** Namespaces that exist now (names only). */
export function listNamespaces(): string[] {
  const r = tryRun(['ip', 'netns', 'list']);
  if (r.status !== 0) return [];
  return r.stdout.split('\n').map((l) => l.split(' ')[0]).filter((s) => s !== '');
}

/**
 * The system's iptables (the kernel's), never rawgate's own `iptables`
 * command that an install may have put earlier on PATH.
 */
export function systemIptables(): string {
  for (const p of ['/usr/sbin/iptables', '/sbin/iptables']) if (existsSync(p)) return p;
  return 'iptables';
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
