/**
 * Preflight: are the programs the lab runs installed, and if not, what to do.
 *
 * One table (TOOLS) maps every external program the lab demo and the
 * end-to-end tests run to the Debian package that ships it. The checks are
 * pure (given a PATH and a filesystem root: which tools are missing; given
 * that and the situation: what to tell the user and what to install); the
 * side effects — reading /etc/os-release, running apt-get — live in
 * systemFacts() and installPackages(), and preflight() ties them together
 * with the exec function injected, so tests never run apt-get.
 *
 * Programs every Debian system has (sh, bash, timeout, kill: Essential
 * packages) are not listed.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export interface ToolSpec {
  /** Debian package that provides it. */
  package: string;
  /**
   * Absolute locations to look at instead of PATH, when the lab runs it by
   * that path (e.g. /usr/bin/python3) or must not take whatever is first on
   * PATH (iptables: rawgate's own `iptables` command may be there). For a
   * non-program (a Python module) the directory that must exist.
   */
  paths?: readonly string[];
  /** Shown next to the name, e.g. "python3 module". */
  note?: string;
  /** `paths` name a directory (a module), not a program. */
  dir?: boolean;
}

/** Every external program the lab and the end-to-end tests run, and its Debian package. */
export const TOOLS = {
  ip: { package: 'iproute2' },
  ss: { package: 'iproute2' },
  tc: { package: 'iproute2' },
  sysctl: { package: 'procps' },
  // systemIptables(): the kernel's iptables, never one earlier on PATH.
  iptables: { package: 'iptables', paths: ['/usr/sbin/iptables', '/sbin/iptables'] },
  ethtool: { package: 'ethtool' },
  ping: { package: 'iputils-ping' },
  curl: { package: 'curl' },
  socat: { package: 'socat' },
  iperf3: { package: 'iperf3' },
  conntrack: { package: 'conntrack', paths: ['/usr/sbin/conntrack'] },
  nc: { package: 'netcat-openbsd' },
  tcpdump: { package: 'tcpdump' },
  trafgen: { package: 'netsniff-ng', paths: ['/usr/sbin/trafgen'] },
  python3: { package: 'python3', paths: ['/usr/bin/python3'] },
  scapy: { package: 'python3-scapy', paths: ['/usr/lib/python3/dist-packages/scapy'], note: 'python3 module', dir: true },
} as const satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;

/** What `rawgate lab demo` (src/lab/topology.ts, daemon.ts, demo.ts) runs. */
export const DEMO_TOOLS: readonly ToolName[] = ['ip', 'sysctl', 'iptables', 'ethtool', 'ping', 'curl'];

/** What the end-to-end tests run (test/lab, test/dataplane, test/io, test/conntrack, test/packet's capture.sh). */
export const TEST_TOOLS: readonly ToolName[] = [
  ...DEMO_TOOLS, 'ss', 'tc', 'socat', 'nc', 'tcpdump', 'trafgen', 'python3', 'scapy', 'iperf3', 'conntrack',
];

/** Where root's PATH has the system tools; added to the search so a user PATH without sbin does not hide them. */
export const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'] as const;

/** PATH plus the sbin directories it lacks. */
export function searchPath(pathEnv: string | undefined): string {
  const dirs = (pathEnv ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const d of SBIN_DIRS) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(path.delimiter);
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface FindOptions {
  /** Colon-separated directories, like $PATH. */
  PATH: string;
  /** Filesystem root the absolute `paths` are taken under (tests: a temporary directory). Default '/'. */
  root?: string;
}

/** Is this tool there: an executable on PATH, or one of its absolute paths present. */
export function hasTool(name: ToolName, o: FindOptions): boolean {
  const spec: ToolSpec = TOOLS[name];
  if (spec.paths) {
    const root = o.root ?? '/';
    return spec.paths.some((p) => {
      const full = path.join(root, p);
      return spec.dir ? existsSync(full) : isExecutableFile(full);
    });
  }
  return o.PATH.split(path.delimiter).some((d) => d !== '' && isExecutableFile(path.join(d, name)));
}

/** The tools (in the order given) that are not there. */
export function findMissing(tools: readonly ToolName[], o: FindOptions): ToolName[] {
  return [...new Set(tools)].filter((t) => !hasTool(t, o));
}

/** The Debian packages for these tools, each once, in table order. */
export function packagesFor(tools: readonly ToolName[]): string[] {
  return [...new Set(tools.map((t) => TOOLS[t].package))];
}

/** "ethtool (package ethtool), ping (package iputils-ping)" */
export function describeMissing(tools: readonly ToolName[]): string {
  return tools
    .map((t) => {
      const spec: ToolSpec = TOOLS[t];
      return `${t}${spec.note ? ` (${spec.note})` : ''} (package ${spec.package})`;
    })
    .join(', ');
}

export function aptInstallArgv(packages: readonly string[]): string[] {
  return ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
}

/** What the machine is: the facts the decision depends on. */
export interface SystemFacts {
  root: boolean;
  /** apt-get on PATH. */
  aptGet: boolean;
  /** /etc/debian_version exists. */
  debianVersion: boolean;
  /** Contents of /etc/os-release, or null. */
  osRelease: string | null;
}

/** apt-get present, and /etc/debian_version or ID / ID_LIKE naming debian in /etc/os-release. */
export function isDebianLike(f: Omit<SystemFacts, 'root'>): boolean {
  if (!f.aptGet) return false;
  if (f.debianVersion) return true;
  for (const line of (f.osRelease ?? '').split('\n')) {
    const m = /^\s*(ID|ID_LIKE)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && m[2].replace(/^["']|["']$/g, '').split(/\s+/).includes('debian')) return true;
  }
  return false;
}

export type Advice =
  | { action: 'proceed' }
  /** Root on Debian: say so, then install these packages. */
  | { action: 'install'; packages: string[]; message: string }
  /** Anything else: print the message and exit non-zero. */
  | { action: 'stop'; message: string };

/**
 * What to do about missing tools. `what` names the thing that needs them
 * (e.g. "rawgate lab demo"); `again` is how to run it once they are there.
 */
export function advise(missing: readonly ToolName[], facts: SystemFacts, what: string, again?: string): Advice {
  if (missing.length === 0) return { action: 'proceed' };
  const pkgs = packagesFor(missing);
  const head = `${what} needs programs that are not installed: ${describeMissing(missing)}.`;
  const cmd = aptInstallArgv(pkgs).join(' ');
  const then = again ? `\nthen run it again: ${again}` : '';
  if (!isDebianLike(facts)) {
    return {
      action: 'stop',
      message:
        `${head}\nThis is not a Debian-like system (no apt-get, or neither /etc/debian_version nor ID/ID_LIKE=debian in /etc/os-release),` +
        ` so nothing was installed. Install those programs with your system's package manager;` +
        ` on Debian or Ubuntu the command is:\n  sudo ${cmd}${then}\n`,
    };
  }
  if (!facts.root) {
    return {
      action: 'stop',
      message: `${head}\nInstalling them needs root; nothing was installed. Run:\n  sudo ${cmd}${then}\n`,
    };
  }
  return {
    action: 'install',
    packages: pkgs,
    message: `${head}\nInstalling the Debian packages: apt-get update && ${cmd}\n`,
  };
}

/** Runs argv with the given environment and returns its exit status (null: could not run / killed). */
export type ExecFn = (argv: readonly string[], env: NodeJS.ProcessEnv) => number | null;

/** The real exec: output to the terminal (apt-get's progress), no shell. */
export const realExec: ExecFn = (argv, env) => {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env });
  return r.error ? null : r.status;
};

/** apt-get update, then apt-get install -y --no-install-recommends. Returns an error message, or null when both succeeded. */
export function installPackages(packages: readonly string[], exec: ExecFn, env: NodeJS.ProcessEnv = process.env): string | null {
  const e = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const argv of [['apt-get', 'update'], aptInstallArgv(packages)]) {
    const status = exec(argv, e);
    if (status !== 0) return `${argv.join(' ')} failed (${status === null ? 'could not run' : `exit ${status}`})`;
  }
  return null;
}

/** Reads the machine: uid, apt-get on the search path, /etc/debian_version, /etc/os-release. */
export function systemFacts(searchDirs: string): SystemFacts {
  let osRelease: string | null = null;
  try {
    osRelease = readFileSync('/etc/os-release', 'utf8');
  } catch {
    osRelease = null;
  }
  return {
    root: typeof process.getuid === 'function' && process.getuid() === 0,
    aptGet: searchDirs.split(path.delimiter).some((d) => d !== '' && isExecutableFile(path.join(d, 'apt-get'))),
    debianVersion: existsSync('/etc/debian_version'),
    osRelease,
  };
}

export interface PreflightDeps {
  /** Search path for the tools (default: searchPath(process.env.PATH)). */
  PATH?: string;
  /** Filesystem root for the tools' absolute paths (default '/'). */
  root?: string;
  facts?: SystemFacts;
  exec?: ExecFn;
  /** Progress lines (what is missing, that it installs). */
  out(text: string): void;
}

/**
 * Check, and on a root Debian-like system install what is missing.
 * Returns null when everything is there (or now is), else the message to
 * show before exiting non-zero. Nothing missing: prints nothing.
 */
export function preflight(tools: readonly ToolName[], what: string, again: string | undefined, deps: PreflightDeps): string | null {
  const find: FindOptions = { PATH: deps.PATH ?? searchPath(process.env.PATH), root: deps.root };
  const missing = findMissing(tools, find);
  if (missing.length === 0) return null;
  const advice = advise(missing, deps.facts ?? systemFacts(find.PATH), what, again);
  if (advice.action === 'proceed') return null;
  if (advice.action === 'stop') return advice.message;
  deps.out(advice.message);
  const failed = installPackages(advice.packages, deps.exec ?? realExec);
  if (failed) return `${what}: installing ${advice.packages.join(' ')} did not work: ${failed}\n`;
  const still = findMissing(tools, find);
  if (still.length > 0) return `${what}: still missing after the install: ${describeMissing(still)}\n`;
  return null;
}
