/**
 * Building and removing a lab topology. Two flavours on the same plan:
 * - 'rawgate': the router namespace's veths carry NO kernel address; rawgate
 *   owns them through AF_PACKET, and creates the VM's TAP and the TUN host's
 *   TUN itself (moving them into those namespaces, see the config's netns).
 *   The router kernel is kept out of the way on the veths: IPv6 off,
 *   arp_ignore=8 (never answers ARP) and a raw-table DROP of everything that
 *   arrives on them (AF_PACKET sees frames before netfilter does), with
 *   ip_forward=0. Local delivery is rawgate's host-port TUN.
 * - 'kernel' (the kernel twin): the same addresses on the router's
 *   interfaces, ip_forward=1, and veths instead of TAP/TUN to the VM and TUN
 *   hosts: the Linux kernel forwards, as the reference.
 * Everything happens inside namespaces made here (sysctls too, always with
 * `ip netns exec`); nothing is created in or changed on the root namespace.
 * Teardown kills the processes left in the run's namespaces and deletes the
 * namespaces (their veth/tap/tun devices go with them); it runs from
 * teardown(), from a process 'exit' handler, and from teardownPrefix().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { listNamespaces, nsArgv, run, sysctl, systemIptables, tryRun } from './exec.js';
import { LAB_NS_RE, labPlan, newPrefix, PREFIX_RE, ROLES, nsName } from './plan.js';
import type { LabLink, LabPlan } from './plan.js';

export type LabKind = 'rawgate' | 'kernel';

export interface LabOptions {
  /** Default: a new random prefix. */
  prefix?: string;
  /** Default 'rawgate'. */
  kind?: LabKind;
  /** Include the VM (TAP) and TUN hosts (default true). */
  withGuests?: boolean;
  /** For tests: called after each setup step (name); throwing there exercises teardown-on-failure. */
  afterStep?(step: string): void;
}

export interface Lab extends LabPlan {
  kind: LabKind;
  withGuests: boolean;
  /** Per-run directory for the config, rules, logs and control socket. */
  workDir: string;
  /** Kernel stack warnings that did not stop the lab (e.g. the raw-table guard could not be installed). */
  warnings: string[];
  /** Run argv inside a namespace (never throws; see status). */
  exec(ns: string, argv: readonly string[], opts?: { input?: string; timeoutMs?: number }): { stdout: string; stderr: string; status: number };
  /** Remove everything this lab made. Idempotent. */
  teardown(): void;
  /** Keep the lab after this process exits (`rawgate lab up`); remove it later with teardownPrefix(). */
  keep(): void;
}

const live = new Set<Lab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lab of [...live]) lab.teardown();
  });
  // A signal would otherwise end the process without 'exit'.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const lab of [...live]) lab.teardown();
      process.exit(130);
    });
  }
}

export function createLab(opts: LabOptions = {}): Lab {
  const prefix = opts.prefix ?? newPrefix();
  if (!PREFIX_RE.test(prefix)) throw new Error(`lab prefix ${JSON.stringify(prefix)} must be rg + 6 of [0-9a-z]`);
  const clash = listNamespaces().filter((n) => n.startsWith(`${prefix}-`));
  if (clash.length > 0) throw new Error(`lab ${prefix} already exists (${clash.join(', ')})`);
  const plan = labPlan(prefix);
  const kind = opts.kind ?? 'rawgate';
  const withGuests = opts.withGuests ?? true;
  let torn = false;
  // In the kernel twin the VM and TUN hosts sit on veths named eth0, like the LAN and WAN hosts.
  if (kind === 'kernel') {
    plan.vm = { ...plan.vm, hostIf: 'eth0' };
    plan.tun = { ...plan.tun, hostIf: 'eth0' };
  }
  const lab: Lab = {
    ...plan,
    kind,
    withGuests,
    workDir: mkdtempSync(path.join(tmpdir(), `rawgate-${prefix}-`)),
    warnings: [],
    exec: (ns, argv, o) => tryRun(nsArgv(ns, argv), o),
    teardown() {
      if (torn) return;
      torn = true;
      live.delete(lab);
      teardownPrefix(prefix);
      rmSync(lab.workDir, { recursive: true, force: true });
    },
    keep() {
      live.delete(lab);
    },
  };
  live.add(lab);
  installExitHook();
  try {
    build(lab, opts.afterStep ?? (() => undefined));
  } catch (e) {
    lab.teardown();
    throw e;
  }
  return lab;
}

function build(lab: Lab, step: (name: string) => void): void {
  const roles = lab.withGuests ? ROLES : ROLES.filter((r) => r !== 'vm' && r !== 'tun');
  for (const role of roles) {
    const ns = nsName(lab.prefix, role);
    run(['ip', 'netns', 'add', ns]);
    // Before any device exists, so every interface inherits it: no IPv6 chatter in the lab.
    sysctl(ns, 'net.ipv6.conf.default.disable_ipv6', 1);
    sysctl(ns, 'net.ipv6.conf.all.disable_ipv6', 1);
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  step('namespaces');
  const r = lab.router;
  sysctl(r, 'net.ipv4.ip_forward', lab.kind === 'kernel' ? 1 : 0);
  const links: LabLink[] = [lab.lan, lab.wan];
  // The kernel twin reaches the VM and TUN hosts through veths (the kernel cannot serve a TAP/TUN itself).
  if (lab.withGuests && lab.kind === 'kernel') links.push(lab.vm, lab.tun);
  for (const l of links) {
    run(['ip', '-n', r, 'link', 'add', l.routerIf, 'type', 'veth', 'peer', 'name', l.hostIf, 'netns', l.ns]);
    run(['ip', '-n', r, 'link', 'set', l.routerIf, 'up']);
    if (lab.kind === 'kernel') {
      run(['ip', '-n', r, 'addr', 'add', `${l.routerAddr}/${l.prefixLen}`, 'dev', l.routerIf]);
    } else {
      sysctl(r, `net.ipv4.conf.${l.routerIf}.arp_ignore`, 8);
      const guard = tryRun(nsArgv(r, [systemIptables(), '-w', '-t', 'raw', '-A', 'PREROUTING', '-i', l.routerIf, '-j', 'DROP']));
      if (guard.status !== 0) lab.warnings.push(`raw-table guard on ${l.routerIf} not installed: ${guard.stderr.trim()}`);
    }
    configureHost(l.ns, l.hostIf, l);
    // Frames on the wire are at most one MTU: without this a veth hands TSO/GSO
    // super-frames of up to 64 KiB to rawgate's packet socket. The kernel twin
    // gets the same, so the benchmark compares like with like.
    run(nsArgv(l.ns, ['ethtool', '-K', l.hostIf, 'tso', 'off', 'gso', 'off']));
    run(nsArgv(r, ['ethtool', '-K', l.routerIf, 'tso', 'off', 'gso', 'off', 'gro', 'off']));
    step(`link:${l.routerIf}`);
  }
}

/** Address, link up, default route via the router. */
export function configureHost(ns: string, dev: string, l: LabLink): void {
  run(['ip', '-n', ns, 'addr', 'add', `${l.hostAddr}/${l.prefixLen}`, 'dev', dev]);
  run(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  run(['ip', '-n', ns, 'route', 'add', 'default', 'via', l.routerAddr, 'dev', dev]);
}

/**
 * Remove a lab by prefix: kill what runs in its namespaces, delete them.
 * Only names `<prefix>-<role>` with an exact lab prefix are touched.
 * Returns the namespaces removed.
 */
/** Tears down every lab (benchmarks, on success and failure); returns their namespaces still present (should be none). */
export function teardownLabs(labs: readonly Lab[]): string[] {
  for (const l of labs) l.teardown();
  return listNamespaces().filter((n) => labs.some((l) => n.startsWith(`${l.prefix}-`)));
}

export function teardownPrefix(prefix: string): string[] {
  if (!PREFIX_RE.test(prefix)) throw new Error(`not a lab prefix: ${JSON.stringify(prefix)}`);
  const mine = listNamespaces().filter((n) => LAB_NS_RE.exec(n)?.[1] === prefix);
  for (const ns of mine) {
    const pids = tryRun(['ip', 'netns', 'pids', ns]).stdout.split('\n').filter((s) => /^[0-9]+$/.test(s));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const ns of mine) tryRun(['ip', 'netns', 'del', ns]);
  return mine;
}

/** Lab prefixes that have namespaces now. */
export function listLabs(): string[] {
  const out = new Set<string>();
  for (const n of listNamespaces()) {
    const m = LAB_NS_RE.exec(n);
    if (m) out.add(m[1]);
  }
  return [...out];
}
