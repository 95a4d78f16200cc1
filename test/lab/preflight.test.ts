/**
 * The lab's preflight against a made-up machine: a temporary directory as
 * PATH (a few fake executables) and as the filesystem root for the tools
 * looked up by absolute path. The exec function is injected: no test runs
 * apt-get (or anything else).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { labCommand } from '../../src/cli/lab.js';
import {
  advise,
  aptInstallArgv,
  DEMO_TOOLS,
  describeMissing,
  findMissing,
  installPackages,
  isDebianLike,
  packagesFor,
  preflight,
  searchPath,
  TEST_TOOLS,
  TOOLS,
} from '../../src/lab/preflight.js';
import type { ExecFn, SystemFacts, ToolName, ToolSpec } from '../../src/lab/preflight.js';
import { collectingIO } from '../cli/cli-io.js';
import { e2eToolCheck } from '../e2e-tools.js';

const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n';
const rootDebian: SystemFacts = { root: true, aptGet: true, debianVersion: true, osRelease: DEBIAN_OS_RELEASE };
const userDebian: SystemFacts = { ...rootDebian, root: false };
const rootFedora: SystemFacts = { root: true, aptGet: false, debianVersion: false, osRelease: 'NAME="Fedora Linux"\nID=fedora\n' };

let dir: string;
let bin: string;
let fsRoot: string;

function fakeExe(p: string, mode = 0o755): void {
  mkdirSync(path.dirname(p), { recursive: true });
  rmSync(p, { recursive: true, force: true });
  writeFileSync(p, '#!/bin/sh\nexit 0\n');
  chmodSync(p, mode);
}

/** An exec that runs nothing: records the call and answers `status`. */
function recordingExec(status: number | null = 0, onCall?: (argv: readonly string[]) => void): ExecFn & { calls: { argv: string[]; env: NodeJS.ProcessEnv }[] } {
  const calls: { argv: string[]; env: NodeJS.ProcessEnv }[] = [];
  const fn = ((argv: readonly string[], env: NodeJS.ProcessEnv) => {
    calls.push({ argv: [...argv], env });
    onCall?.(argv);
    return status;
  }) as ExecFn & { calls: typeof calls };
  fn.calls = calls;
  return fn;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rg-preflight-'));
  bin = path.join(dir, 'bin');
  fsRoot = path.join(dir, 'root');
  mkdirSync(bin);
  mkdirSync(fsRoot);
  fakeExe(path.join(bin, 'ip'));
  fakeExe(path.join(bin, 'sysctl'));
  fakeExe(path.join(bin, 'curl'));
  // Present but not executable, and a directory by the name: neither counts.
  fakeExe(path.join(bin, 'ethtool'), 0o644);
  mkdirSync(path.join(bin, 'ping'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the tool table', () => {
  it('has a Debian package for every tool the demo and the tests use, the ones .ci/run installs', () => {
    const ciRun = readFileSync(fileURLToPath(new URL('../../.ci/run', import.meta.url)), 'utf8');
    const ciPkgs = /PKGS="([^"]*)"/.exec(ciRun)![1].split(/\s+/);
    // python3 comes with python3-scapy.
    for (const t of TEST_TOOLS) if (TOOLS[t].package !== 'python3') expect(ciPkgs, t).toContain(TOOLS[t].package);
    for (const t of DEMO_TOOLS) expect(TEST_TOOLS).toContain(t);
  });

  it('lists every program src/lab runs', () => {
    const src = fileURLToPath(new URL('../../src/lab/', import.meta.url));
    const progs = new Set<string>();
    for (const f of readdirSync(src).filter((n) => n.endsWith('.ts') && n !== 'preflight.ts')) {
      const text = readFileSync(path.join(src, f), 'utf8');
      // argv literals: ['prog', ...]; spawn('prog', ...); systemIptables() is iptables.
      for (const m of text.matchAll(/\[\s*'([a-z][a-z0-9-]*)'\s*,/g)) progs.add(m[1]);
      for (const m of text.matchAll(/\bspawn\(\s*'([^']+)'/g)) progs.add(m[1]);
      if (/systemIptables\(\)/.test(text)) progs.add('iptables');
    }
    // Array literals in src/lab that are not argv: stdio settings, a spawn's arguments, the namespace roles.
    for (const notProg of ['ignore', 'pipe', 'netns', 'router']) progs.delete(notProg);
    expect([...progs].sort()).toEqual([...DEMO_TOOLS].sort());
  });
});

describe('findMissing', () => {
  it('finds executables on PATH only, and absolute-path tools under the given root', () => {
    expect(findMissing(DEMO_TOOLS, { PATH: bin, root: fsRoot })).toEqual(['iptables', 'ethtool', 'ping']);
    fakeExe(path.join(fsRoot, 'usr/sbin/iptables'));
    fakeExe(path.join(dir, 'sbin2', 'ping'));
    expect(findMissing(DEMO_TOOLS, { PATH: `${bin}:${path.join(dir, 'sbin2')}`, root: fsRoot })).toEqual(['ethtool']);
  });

  it('does not take an iptables on PATH for the system one (rawgate installs its own)', () => {
    fakeExe(path.join(bin, 'iptables'));
    expect(findMissing(['iptables'], { PATH: bin, root: fsRoot })).toEqual(['iptables']);
    fakeExe(path.join(fsRoot, 'sbin/iptables'));
    expect(findMissing(['iptables'], { PATH: bin, root: fsRoot })).toEqual([]);
  });

  it('looks for python3, trafgen and scapy where the tests use them', () => {
    expect(findMissing(['python3', 'trafgen', 'scapy', 'ip'], { PATH: bin, root: fsRoot })).toEqual(['python3', 'trafgen', 'scapy']);
    fakeExe(path.join(fsRoot, 'usr/bin/python3'));
    fakeExe(path.join(fsRoot, 'usr/sbin/trafgen'));
    mkdirSync(path.join(fsRoot, 'usr/lib/python3/dist-packages/scapy'), { recursive: true });
    expect(findMissing(['python3', 'trafgen', 'scapy'], { PATH: bin, root: fsRoot })).toEqual([]);
  });

  it('an empty PATH misses everything on PATH', () => {
    expect(findMissing(['ip', 'curl'], { PATH: '', root: fsRoot })).toEqual(['ip', 'curl']);
  });

  it('searchPath adds the sbin directories a user PATH lacks, once', () => {
    expect(searchPath('/usr/bin:/bin')).toBe('/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin');
    expect(searchPath('/usr/sbin:/usr/bin')).toBe('/usr/sbin:/usr/bin:/usr/local/sbin:/sbin');
    expect(searchPath(undefined)).toBe('/usr/local/sbin:/usr/sbin:/sbin');
  });

  it('names each package once', () => {
    expect(packagesFor(['ip', 'ss', 'tc', 'ping', 'ethtool'])).toEqual(['iproute2', 'iputils-ping', 'ethtool']);
    expect(describeMissing(['ping', 'scapy'])).toBe('ping (package iputils-ping), scapy (python3 module) (package python3-scapy)');
  });
});

describe('isDebianLike', () => {
  const f = (o: Partial<SystemFacts>) => ({ aptGet: true, debianVersion: false, osRelease: null, ...o });
  it('needs apt-get, and /etc/debian_version or debian in ID / ID_LIKE', () => {
    expect(isDebianLike(f({ debianVersion: true }))).toBe(true);
    expect(isDebianLike(f({ osRelease: 'ID=ubuntu\nID_LIKE=debian\n' }))).toBe(true);
    expect(isDebianLike(f({ osRelease: 'ID=pop\nID_LIKE="ubuntu debian"\n' }))).toBe(true);
    expect(isDebianLike(f({ osRelease: 'ID="debian"\n' }))).toBe(true);
    expect(isDebianLike(f({ osRelease: 'ID=fedora\nID_LIKE="rhel centos"\n' }))).toBe(false);
    expect(isDebianLike(f({ osRelease: 'ID=debianish\n' }))).toBe(false);
    expect(isDebianLike(f({ osRelease: null }))).toBe(false);
    expect(isDebianLike(f({ aptGet: false, debianVersion: true, osRelease: DEBIAN_OS_RELEASE }))).toBe(false);
  });
});

describe('advise', () => {
  const missing: ToolName[] = ['ethtool', 'ping'];
  const cmd = 'apt-get install -y --no-install-recommends ethtool iputils-ping';

  it('nothing missing: proceed', () => {
    expect(advise([], userDebian, 'rawgate lab demo')).toEqual({ action: 'proceed' });
  });

  it('root on Debian: install the packages, saying what and how', () => {
    const a = advise(missing, rootDebian, 'rawgate lab demo', 'npm start');
    expect(a.action).toBe('install');
    if (a.action !== 'install') return;
    expect(a.packages).toEqual(['ethtool', 'iputils-ping']);
    expect(a.message).toContain('ethtool (package ethtool), ping (package iputils-ping)');
    expect(a.message).toContain(`apt-get update && ${cmd}`);
  });

  it('not root on Debian: stop with the exact sudo command', () => {
    const a = advise(missing, userDebian, 'rawgate lab demo', 'sudo npm start');
    expect(a.action).toBe('stop');
    if (a.action !== 'stop') return;
    expect(a.message).toContain('rawgate lab demo needs programs that are not installed: ethtool (package ethtool), ping (package iputils-ping).');
    expect(a.message).toContain(`\n  sudo ${cmd}\n`);
    expect(a.message).toContain('nothing was installed');
    expect(a.message).toContain('sudo npm start');
  });

  it('not Debian-like (even as root): stop, naming the tools, packages and the Debian command', () => {
    for (const facts of [rootFedora, { ...rootFedora, root: false }, { ...rootDebian, aptGet: false, debianVersion: false, osRelease: 'ID=arch\n' }]) {
      const a = advise(missing, facts, 'rawgate lab demo');
      expect(a.action).toBe('stop');
      if (a.action !== 'stop') return;
      expect(a.message).toContain('not a Debian-like system');
      expect(a.message).toContain('ethtool (package ethtool), ping (package iputils-ping)');
      expect(a.message).toContain(`sudo ${cmd}`);
    }
  });
});

describe('preflight', () => {
  it('nothing missing: says nothing, runs nothing', () => {
    fakeExe(path.join(bin, 'ethtool'));
    fakeExe(path.join(bin, 'ping'));
    fakeExe(path.join(fsRoot, 'usr/sbin/iptables'));
    const exec = recordingExec();
    const out = vi.fn();
    expect(preflight(DEMO_TOOLS, 'demo', undefined, { PATH: bin, root: fsRoot, facts: userDebian, exec, out })).toBeNull();
    expect(out).not.toHaveBeenCalled();
    expect(exec.calls).toEqual([]);
  });

  it('not root: returns the message, executes nothing', () => {
    const exec = recordingExec();
    const out = vi.fn();
    const msg = preflight(DEMO_TOOLS, 'rawgate lab demo', 'sudo npm start', { PATH: bin, root: fsRoot, facts: userDebian, exec, out });
    expect(msg).toContain('iptables (package iptables), ethtool (package ethtool), ping (package iputils-ping)');
    expect(msg).toContain('sudo apt-get install -y --no-install-recommends iptables ethtool iputils-ping');
    expect(exec.calls).toEqual([]);
    expect(out).not.toHaveBeenCalled();
  });

  it('not Debian-like: returns the message, executes nothing', () => {
    const exec = recordingExec();
    const msg = preflight(DEMO_TOOLS, 'rawgate lab demo', undefined, { PATH: bin, root: fsRoot, facts: rootFedora, exec, out: () => undefined });
    expect(msg).toContain('not a Debian-like system');
    expect(exec.calls).toEqual([]);
  });

  it('root on Debian: apt-get update, apt-get install --no-install-recommends, then checks again', () => {
    // The "install" puts the programs in place, as apt-get would.
    const exec = recordingExec(0, (argv) => {
      if (argv[1] !== 'install') return;
      fakeExe(path.join(fsRoot, 'usr/sbin/iptables'));
      fakeExe(path.join(bin, 'ethtool'));
      fakeExe(path.join(bin, 'ping'));
    });
    const out: string[] = [];
    const msg = preflight(DEMO_TOOLS, 'rawgate lab demo', 'npm start', { PATH: bin, root: fsRoot, facts: rootDebian, exec, out: (t) => out.push(t) });
    expect(msg).toBeNull();
    expect(exec.calls.map((c) => c.argv)).toEqual([
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'iptables', 'ethtool', 'iputils-ping'],
    ]);
    for (const c of exec.calls) expect(c.env.DEBIAN_FRONTEND).toBe('noninteractive');
    expect(out.join('')).toContain('Installing the Debian packages: apt-get update && apt-get install -y --no-install-recommends iptables ethtool iputils-ping');
  });

  it('root on Debian: a failing apt-get, or an install that leaves a tool missing, is an error', () => {
    const failing = recordingExec(100);
    const msg = preflight(DEMO_TOOLS, 'rawgate lab demo', undefined, { PATH: bin, root: fsRoot, facts: rootDebian, exec: failing, out: () => undefined });
    expect(msg).toContain('apt-get update failed (exit 100)');
    expect(failing.calls).toHaveLength(1);

    const noop = recordingExec(0);
    const still = preflight(DEMO_TOOLS, 'rawgate lab demo', undefined, { PATH: bin, root: fsRoot, facts: rootDebian, exec: noop, out: () => undefined });
    expect(still).toContain('still missing after the install: iptables (package iptables), ethtool (package ethtool), ping (package iputils-ping)');
    expect(noop.calls).toHaveLength(2);
  });

  it('installPackages: an exec that cannot run says so', () => {
    expect(installPackages(['ethtool'], recordingExec(null), {})).toBe('apt-get update failed (could not run)');
    expect(aptInstallArgv(['a', 'b'])).toEqual(['apt-get', 'install', '-y', '--no-install-recommends', 'a', 'b']);
  });
});

describe('rawgate lab demo', () => {
  it('stops before doing anything when tools are missing and it cannot install them', async () => {
    const io = collectingIO();
    const exec = recordingExec();
    const code = await labCommand(['demo'], io, { PATH: bin, root: fsRoot, facts: userDebian, exec });
    expect(code).toBe(1);
    expect(io.err).toContain('rawgate lab demo needs programs that are not installed: iptables (package iptables), ethtool (package ethtool), ping (package iputils-ping).');
    expect(io.err).toContain('sudo apt-get install -y --no-install-recommends iptables ethtool iputils-ping');
    expect(io.out).toBe('');
    expect(exec.calls).toEqual([]);
  });
});

describe('the end-to-end tests\' tool check', () => {
  it('does nothing when the end-to-end tests skip (not root, no CI)', () => {
    expect(e2eToolCheck({ PATH: bin }, false, fsRoot)).toEqual({ kind: 'skip' });
  });

  it('with CI set, fails naming every missing tool and its package', () => {
    const r = e2eToolCheck({ PATH: bin, CI: 'true' }, false, fsRoot);
    expect(r.kind).toBe('fail');
    if (r.kind !== 'fail') return;
    // /usr/local/sbin, /usr/sbin and /sbin of the real machine are searched too: only assert on what no PATH lookup can find.
    for (const t of ['iptables (package iptables)', 'trafgen (package netsniff-ng)', 'python3 (package python3)', 'scapy (python3 module) (package python3-scapy)']) {
      expect(r.message).toContain(t);
    }
    expect(r.message).toMatch(/apt-get install -y --no-install-recommends .*netsniff-ng python3 python3-scapy/);
    expect(r.message).toContain('CI is set');
  });

  it('as root without CI, warns instead', () => {
    const r = e2eToolCheck({ PATH: bin }, true, fsRoot);
    expect(r.kind).toBe('warn');
  });

  it('everything there: ok', () => {
    for (const t of TEST_TOOLS) {
      const spec: ToolSpec = TOOLS[t];
      if (!spec.paths) fakeExe(path.join(bin, t));
      else if (spec.dir) mkdirSync(path.join(fsRoot, spec.paths[0]), { recursive: true });
      else fakeExe(path.join(fsRoot, spec.paths[0]));
    }
    expect(e2eToolCheck({ PATH: bin, CI: '1' }, true, fsRoot)).toEqual({ kind: 'ok' });
  });
});
