/**
 * `rawgate lab up|down|demo|list`: the network-namespace lab from the
 * command line (root only).
 *   up [--prefix P] [--kernel] [--no-guests] [--rules FILE]   build and keep a lab (rawgate started in it, detached)
 *   down --prefix P | --all                                   stop its rawgate, remove namespaces and files
 *   demo                                                      build, show, remove (first: the tools it runs,
 *                                                             apt-get installed when root on Debian; src/lab/preflight.ts)
 *   list                                                      labs that exist now
 */
import { readFileSync, rmSync } from 'node:fs';
import { isRoot, tryRun } from '../lab/exec.js';
import { runDemo } from '../lab/demo.js';
import { startRawgate } from '../lab/daemon.js';
import { PREFIX_RE } from '../lab/plan.js';
import { DEMO_TOOLS, preflight } from '../lab/preflight.js';
import type { PreflightDeps } from '../lab/preflight.js';
import { forgetKeptLab, keptLabPrefixes, readKeptLab, saveKeptLab } from '../lab/state.js';
import { createLab, listLabs, teardownPrefix } from '../lab/topology.js';
import type { CliIO } from './io.js';
import { parseOptions } from './options.js';

/** How the user started the demo, to tell them how to start it again. */
function demoCommand(root: boolean): string {
  const sudo = root ? '' : 'sudo ';
  const ev = process.env.npm_lifecycle_event;
  if (ev === 'start') return `${sudo}npm start`;
  if (ev === 'lab') return `${sudo}npm run lab`;
  return `${sudo}rawgate lab demo`;
}

export async function labCommand(args: string[], io: CliIO, deps: Partial<PreflightDeps> = {}): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'demo') {
    // Before anything else: the programs the demo runs (installed here when root on Debian).
    const problem = preflight(DEMO_TOOLS, 'rawgate lab demo', demoCommand(isRoot()), { out: (t) => io.stdout(t), ...deps });
    if (problem !== null) {
      io.stderr(problem);
      return 1;
    }
  }
  if (sub === 'list') {
    for (const p of listLabs()) io.stdout(`${p}\n`);
    return 0;
  }
  if (sub !== 'up' && sub !== 'down' && sub !== 'demo') {
    io.stderr('usage: rawgate lab up [--prefix P] [--kernel] [--no-guests] [--rules FILE] | down --prefix P | down --all | demo | list\n');
    return 2;
  }
  if (!isRoot()) {
    io.stderr('rawgate lab: needs root (it creates network namespaces)\n');
    return 1;
  }
  if (sub === 'demo') {
    try {
      return await runDemo((l) => io.stdout(`${l}\n`));
    } catch (e) {
      io.stderr(`rawgate lab demo: ${(e as Error).message}\n`);
      return 1;
    }
  }
  if (sub === 'down') return labDown(rest, io);
  return labUp(rest, io);
}

async function labUp(args: string[], io: CliIO): Promise<number> {
  const o = parseOptions(args, ['prefix', 'rules'], ['kernel', 'no-guests']);
  if (o.error) {
    io.stderr(`rawgate lab up: ${o.error}\n`);
    return 2;
  }
  const kind = o.flags.has('kernel') ? 'kernel' : 'rawgate';
  const lab = createLab({ prefix: o.values.get('prefix'), kind, withGuests: !o.flags.has('no-guests') });
  try {
    let pid: number | null = null;
    let socketPath: string | null = null;
    if (kind === 'rawgate') {
      const rulesFile = o.values.get('rules');
      const rg = await startRawgate(lab, { detached: true, ...(rulesFile ? { rules: readFileSync(rulesFile, 'utf8') } : {}) });
      pid = rg.pid;
      socketPath = rg.socketPath;
    }
    lab.keep();
    saveKeptLab({ prefix: lab.prefix, kind, workDir: lab.workDir, pid, socketPath });
    io.stdout(`lab ${lab.prefix} is up (${kind})\n`);
    io.stdout(`  router ${lab.router}${pid !== null ? `: rawgate pid ${pid}, log ${lab.workDir}/rawgate.log` : ''}\n`);
    for (const l of lab.withGuests ? [lab.lan, lab.wan, lab.vm, lab.tun] : [lab.lan, lab.wan]) {
      io.stdout(`  ${l.ns}: ${l.hostAddr}/24 via ${l.routerAddr} (router ${l.routerIf})\n`);
    }
    for (const w of lab.warnings) io.stdout(`  warning: ${w}\n`);
    if (socketPath) io.stdout(`try: RAWGATE_SOCKET=${socketPath} rawgate iptables -L -v -n\n`);
    io.stdout(`     ip netns exec ${lab.lan.ns} ping -c 3 ${lab.wan.hostAddr}\n`);
    io.stdout(`remove: rawgate lab down --prefix ${lab.prefix}\n`);
    return 0;
  } catch (e) {
    lab.teardown();
    io.stderr(`rawgate lab up: ${(e as Error).message}\n`);
    return 1;
  }
}

async function labDown(args: string[], io: CliIO): Promise<number> {
  const o = parseOptions(args, ['prefix'], ['all']);
  const prefix = o.values.get('prefix');
  if (o.error || (prefix === undefined) === !o.flags.has('all') || (prefix !== undefined && !PREFIX_RE.test(prefix))) {
    io.stderr(`rawgate lab down: ${o.error ?? 'give --prefix rgXXXXXX (as printed by lab up) or --all'}\n`);
    return 2;
  }
  const prefixes = prefix !== undefined ? [prefix] : [...new Set([...keptLabPrefixes(), ...listLabs()])];
  for (const p of prefixes) {
    const kept = readKeptLab(p);
    // Only a pid that still runs inside this lab's router namespace is ours to signal.
    const inLab = tryRun(['ip', 'netns', 'pids', `${p}-router`]).stdout.split('\n');
    if (kept?.pid && inLab.includes(String(kept.pid))) await stopGently(kept.pid);
    const removed = teardownPrefix(p);
    if (kept) rmSync(kept.workDir, { recursive: true, force: true });
    forgetKeptLab(p);
    io.stdout(`lab ${p}: removed ${removed.length} namespace(s)\n`);
  }
  return 0;
}

/** SIGTERM, then wait up to 5 s for the process to go. */
async function stopGently(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
