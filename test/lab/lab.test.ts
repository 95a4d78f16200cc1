/**
 * The lab builder, for real: root only (skipped with a message otherwise,
 * but run — and failing — when CI is set). Everything lives in namespaces
 * with this run's prefix and is checked gone afterwards.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRawgate } from '../../src/lab/daemon.js';
import { isRoot, listNamespaces, tryRun } from '../../src/lab/exec.js';
import { newPrefix } from '../../src/lab/plan.js';
import { createLab, listLabs, teardownPrefix } from '../../src/lab/topology.js';
import type { Lab } from '../../src/lab/topology.js';

const canRun = isRoot() || !!process.env.CI;
if (!canRun) console.warn('test/lab: skipped — needs root to create network namespaces (set CI=1 to force)');

const made: Lab[] = [];
afterAll(() => {
  for (const l of made) l.teardown();
});

function rootLinks(): string[] {
  return tryRun(['ip', '-o', 'link', 'show']).stdout.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean).sort();
}

function nsOf(prefix: string): string[] {
  return listNamespaces().filter((n) => n.startsWith(`${prefix}-`)).sort();
}

describe.skipIf(!canRun)('lab topology', () => {
  it('builds the rawgate topology and removes all of it', () => {
    const before = rootLinks();
    const lab = createLab();
    made.push(lab);
    expect(lab.prefix).toMatch(/^rg[0-9a-z]{6}$/);
    expect(nsOf(lab.prefix)).toEqual([lab.lan.ns, lab.router, lab.tun.ns, lab.vm.ns, lab.wan.ns].sort());
    // Hosts: address and default route via the router's address.
    for (const l of [lab.lan, lab.wan]) {
      expect(lab.exec(l.ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout).toContain(`inet ${l.hostAddr}/24`);
      expect(lab.exec(l.ns, ['ip', 'route', 'show', 'default']).stdout).toContain(`default via ${l.routerAddr} dev eth0`);
    }
    // Router: veths up, no kernel IPv4 address on them, IPv6 off, no forwarding, never answers ARP.
    for (const dev of ['lan0', 'wan0']) {
      expect(lab.exec(lab.router, ['ip', '-4', '-o', 'addr', 'show', 'dev', dev]).stdout).toBe('');
      expect(lab.exec(lab.router, ['ip', '-o', 'link', 'show', 'dev', dev]).stdout).toMatch(/state UP|LOWERLAYERDOWN|,UP/);
      expect(lab.exec(lab.router, ['sysctl', '-n', `net.ipv6.conf.${dev}.disable_ipv6`]).stdout.trim()).toBe('1');
      expect(lab.exec(lab.router, ['sysctl', '-n', `net.ipv4.conf.${dev}.arp_ignore`]).stdout.trim()).toBe('8');
    }
    expect(lab.exec(lab.router, ['sysctl', '-n', 'net.ipv4.ip_forward']).stdout.trim()).toBe('0');
    expect(lab.exec(lab.router, ['ip', 'link', 'show', 'lo']).stdout).toMatch(/UP/);
    expect(lab.warnings).toEqual([]);
    // The VM and TUN namespaces wait for rawgate's devices: only lo for now.
    expect(lab.exec(lab.vm.ns, ['ip', '-o', 'link']).stdout.trim().split('\n')).toHaveLength(1);
    // Addresses exist only inside the namespaces.
    expect(tryRun(['ip', '-4', '-o', 'addr']).stdout).not.toContain(lab.lan.hostAddr);
    expect(existsSync(lab.workDir)).toBe(true);

    lab.teardown();
    expect(nsOf(lab.prefix)).toEqual([]);
    expect(existsSync(lab.workDir)).toBe(false);
    expect(rootLinks()).toEqual(before);
  });

  it('the kernel twin forwards between LAN and WAN inside its namespaces', () => {
    const lab = createLab({ kind: 'kernel' });
    made.push(lab);
    expect(lab.exec(lab.router, ['sysctl', '-n', 'net.ipv4.ip_forward']).stdout.trim()).toBe('1');
    expect(lab.exec(lab.router, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'lan0']).stdout).toContain(`inet ${lab.lan.routerAddr}/24`);
    const ping = lab.exec(lab.lan.ns, ['ping', '-c', '1', '-W', '2', lab.wan.hostAddr]);
    expect(ping.status, ping.stdout + ping.stderr).toBe(0);
    expect(lab.vm.hostIf).toBe('eth0');
    expect(lab.exec(lab.vm.ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout).toContain(`inet ${lab.vm.hostAddr}/24`);
    const vm = lab.exec(lab.vm.ns, ['ping', '-c', '1', '-W', '2', lab.tun.hostAddr]);
    expect(vm.status, vm.stdout + vm.stderr).toBe(0);
    lab.teardown();
    expect(nsOf(lab.prefix)).toEqual([]);
  });

  it('tears down what it built when a setup step fails', () => {
    const prefix = newPrefix();
    expect(() => createLab({ prefix, afterStep: (s) => { if (s === 'link:wan0') throw new Error('injected failure'); } })).toThrow('injected failure');
    expect(nsOf(prefix)).toEqual([]);
  });

  it('lab down by prefix removes a kept lab and what runs in it', () => {
    const lab = createLab({ withGuests: false });
    lab.keep();
    const sleeper = tryRun(['ip', 'netns', 'exec', lab.router, 'sh', '-c', 'sleep 60 >/dev/null 2>&1 & echo $!']);
    const pid = Number(sleeper.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(listLabs()).toContain(lab.prefix);
    expect(teardownPrefix(lab.prefix).sort()).toEqual([lab.lan.ns, lab.router, lab.wan.ns].sort());
    expect(nsOf(lab.prefix)).toEqual([]);
    // Killed: gone, or a zombie waiting for its parent to reap it.
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    expect(stat === '' || /^\d+ \(.*\) Z/.test(stat)).toBe(true);
    lab.teardown();
  });

  it('refuses prefixes that are not a lab\'s', () => {
    expect(() => teardownPrefix('eth0')).toThrow(/not a lab prefix/);
    expect(() => createLab({ prefix: 'rg-bad' })).toThrow(/must be rg \+ 6/);
  });
});

describe.skipIf(!canRun)('rawgate in the lab', () => {
  const main = path.resolve(import.meta.dirname, '../../dist/src/cli/main.js');

  it('starts rawgate in the router namespace, talks to it, stops it', async () => {
    expect(existsSync(main), 'dist/src/cli/main.js missing: npm run build').toBe(true);
    const lab = createLab({ withGuests: false });
    made.push(lab);
    try {
      const rg = await startRawgate(lab, { rules: '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n' });
      const pids = tryRun(['ip', 'netns', 'pids', lab.router]).stdout.split('\n');
      expect(pids).toContain(String(rg.pid));
      const save = await rg.iptablesSave();
      expect(save.status).toBe(0);
      expect(save.stdout).toContain(':FORWARD DROP');
      const add = await rg.iptables(['-A', 'FORWARD', '-i', 'lan0', '-o', 'wan0', '-j', 'ACCEPT']);
      expect(add).toMatchObject({ status: 0 });
      expect((await rg.iptables(['-S', 'FORWARD'])).stdout).toContain('-A FORWARD -i lan0 -o wan0 -j ACCEPT');
      const metrics = lab.exec(lab.router, ['curl', '-s', '--max-time', '5', 'http://127.0.0.1:9108/metrics']);
      expect(metrics.stdout).toContain('rawgate_build_info');
      // The ruleset metrics as the real dataplane reports them: the JIT runs, the -A above was put in force.
      expect(metrics.stdout).toContain('rawgate_ruleset_evaluator{evaluator="jit"} 1');
      expect(metrics.stdout).toContain('rawgate_ruleset_evaluator{evaluator="interpreter"} 0');
      expect(metrics.stdout).toContain('rawgate_ruleset_last_load_successful 1');
      expect(metrics.stdout).toContain('\nrawgate_ruleset_generation 2\n'); // 1 loaded at start, 2 after the -A
      const r = await rg.stop();
      expect(r.code).toBe(0);
      expect(r.logs).toContain('"msg":"rawgate ready"');
      expect(existsSync(rg.socketPath)).toBe(false);
    } finally {
      lab.teardown();
    }
    expect(nsOf(lab.prefix)).toEqual([]);
  });

  it('a rawgate that refuses its config is reported with its log, and the lab still goes', async () => {
    const lab = createLab({ withGuests: false });
    made.push(lab);
    try {
      await expect(startRawgate(lab, { extra: { io: { batch: 0 } } })).rejects.toThrow(/exited before it was ready \(code 2[\s\S]*io.batch: 0 is out of range/);
    } finally {
      lab.teardown();
    }
    expect(nsOf(lab.prefix)).toEqual([]);
  });
});
