/**
 * rawgate and the kernel, side by side: the same iptables ruleset loaded into
 * rawgate (through its control socket) and into the Linux kernel of an
 * identical sibling lab (with Debian's iptables-restore), the same probes
 * from the same hosts with real tools, the same outcome required — allowed,
 * rejected with a RST or an ICMP error, dropped, answered by the router —
 * and the same rule counters where the traffic is deterministic (ICMP).
 * The rules are stateless on purpose: connection tracking is a later issue.
 * Root only (skips with a message; runs, and must pass, with CI set).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRawgate } from '../../src/lab/index.js';
import type { Lab, RawgateRun } from '../../src/lab/index.js';
import { isRoot, nsArgv, systemIptables } from '../../src/lab/exec.js';
import { createLab } from '../../src/lab/topology.js';

const canRun = isRoot() || !!process.env.CI;
if (!canRun) console.warn('test/dataplane: kernel parity skipped — needs root to create network namespaces (set CI=1 to force)');

const rules = (lab: Lab) => `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 7001 -j REJECT --reject-with tcp-reset
-A INPUT -s ${lab.wan.hostAddr}/32 -p icmp --icmp-type echo-request -j DROP
-A FORWARD -i wan0 -p icmp --icmp-type echo-request -j DROP
-A FORWARD -p icmp -j ACCEPT
-A FORWARD -p tcp -m multiport --dports 8080,8090 -j ACCEPT
-A FORWARD -p tcp --sport 8080 -j ACCEPT
-A FORWARD -p tcp --dport 8081 -j REJECT --reject-with tcp-reset
-A FORWARD -p udp --dport 9001 -j REJECT --reject-with icmp-port-unreachable
-A FORWARD -p udp --dport 9002 -j REJECT --reject-with icmp-admin-prohibited
-A FORWARD -p udp --dport 9004 -j ACCEPT
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A FORWARD -s ${lab.wan.hostAddr}/32 -p icmp --icmp-type echo-reply -j TTL --ttl-set 33
-A POSTROUTING -o lan0 -p icmp -m ttl --ttl-eq 33 -j MARK --set-mark 0x7
COMMIT
*security
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p udp --dport 9004 -j DROP
COMMIT
`;

interface Side { lab: Lab; rg?: RawgateRun; bg: ChildProcess[] }
const sides: Record<'rawgate' | 'kernel', Side> = {} as never;

/** Send one UDP datagram and wait for an answer: 'refused' (ICMP unreachable reached the socket), 'timeout' or 'answer'. */
const UDP_PROBE = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
try:
    s.send(b'probe'); s.recv(100); print('answer')
except ConnectionRefusedError: print('refused')
except socket.timeout: print('timeout')
except OSError as e: print('error', e.errno)
`;

type Probe = { name: string; run: (s: Side) => string };
const PROBES: Probe[] = [
  // First, while the per-destination ICMP token bucket towards the LAN host is still full.
  { name: 'burst of 50 TTL-1 pings in 0.5 s: time-exceeded replies under icmp_ratelimit', run: (s) => ttlBurst(s) },
  { name: 'ping LAN → WAN host', run: (s) => ping(s, s.lab.lan.ns, s.lab.wan.hostAddr) },
  { name: 'ping WAN → LAN host (echo-request from wan0 dropped)', run: (s) => ping(s, s.lab.wan.ns, s.lab.lan.hostAddr) },
  { name: 'ping LAN → router', run: (s) => ping(s, s.lab.lan.ns, s.lab.lan.routerAddr) },
  { name: 'ping WAN → router (dropped in INPUT)', run: (s) => ping(s, s.lab.wan.ns, s.lab.wan.routerAddr) },
  { name: 'ping LAN → WAN with TTL 1', run: (s) => ping(s, s.lab.lan.ns, s.lab.wan.hostAddr, ['-t', '1']) },
  { name: 'HTTP LAN → WAN :8080 (allowed both ways)', run: (s) => curl(s, s.lab.wan.hostAddr, 8080) },
  { name: 'TCP LAN → WAN :8081 (REJECT tcp-reset)', run: (s) => curl(s, s.lab.wan.hostAddr, 8081) },
  { name: 'TCP LAN → WAN :8082 (policy DROP)', run: (s) => curl(s, s.lab.wan.hostAddr, 8082) },
  { name: 'UDP LAN → WAN :9001 (REJECT port-unreachable)', run: (s) => udp(s, s.lab.wan.hostAddr, 9001) },
  { name: 'UDP LAN → WAN :9004 (filter ACCEPT, then security DROP)', run: (s) => udp(s, s.lab.wan.hostAddr, 9004) },
  { name: 'UDP LAN → WAN :9002 (REJECT admin-prohibited)', run: (s) => udp(s, s.lab.wan.hostAddr, 9002) },
  { name: 'TCP LAN → router :7001 (INPUT REJECT tcp-reset)', run: (s) => curl(s, s.lab.lan.routerAddr, 7001) },
  { name: 'TCP LAN → router :7002 (nothing listens: the router stack resets)', run: (s) => curl(s, s.lab.lan.routerAddr, 7002) },
];

function ping(s: Side, ns: string, to: string, extra: string[] = []): string {
  const r = s.lab.exec(ns, ['ping', '-n', '-c', '2', '-i', '0.3', '-W', '1', ...extra, to], { timeoutMs: 10_000 });
  const m = /(\d+) received/.exec(r.stdout);
  const err = /From (\S+) icmp_seq=\d+ (.+)/.exec(r.stdout);
  const ttl = /ttl=(\d+)/.exec(r.stdout);
  return `received ${m ? m[1] : '?'}${ttl ? ` ttl ${ttl[1]}` : ''}${err ? `, from ${err[1] === s.lab.lan.routerAddr ? 'router' : err[1]}: ${err[2]}` : ''}`;
}

/** How many time-exceeded answers 50 TTL-1 pings 10 ms apart get (the kernel's icmp_ratelimit: burst 6, then 1/s). */
function ttlBurst(s: Side): string {
  const r = s.lab.exec(s.lab.lan.ns, ['ping', '-n', '-c', '50', '-i', '0.01', '-W', '1', '-t', '1', s.lab.wan.hostAddr], { timeoutMs: 15_000 });
  return String((r.stdout.match(/Time to live exceeded/g) ?? []).length);
}

function curl(s: Side, host: string, port: number): string {
  const r = s.lab.exec(s.lab.lan.ns, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', `http://${host}:${port}/`], { timeoutMs: 10_000 });
  return `curl exit ${r.status} http ${r.stdout}`;
}

function udp(s: Side, host: string, port: number): string {
  return s.lab.exec(s.lab.lan.ns, ['/usr/bin/python3', '-c', UDP_PROBE, host, String(port)], { timeoutMs: 10_000 }).stdout.trim();
}

function httpServer(s: Side): void {
  const [cmd, ...args] = nsArgv(s.lab.wan.ns, ['/usr/bin/python3', '-m', 'http.server', '8080', '--bind', s.lab.wan.hostAddr, '--directory', s.lab.workDir]);
  s.bg.push(spawn(cmd, args, { stdio: 'ignore' }));
}

async function until(fn: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** pkts of each FORWARD rule from `iptables -L FORWARD -v -x -n` output. */
function forwardPkts(listing: string): number[] {
  return listing.split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe.skipIf(!canRun)('rawgate and the kernel treat the same packets the same way', () => {
  const results: Record<string, { rawgate: string; kernel: string }> = {};

  beforeAll(async () => {
    sides.rawgate = { lab: createLab({ withGuests: false }), bg: [] };
    sides.kernel = { lab: createLab({ kind: 'kernel', withGuests: false }), bg: [] };
    const k = sides.kernel.lab;
    const load = k.exec(k.router, [`${systemIptables()}-restore`], { input: rules(k) });
    if (load.status !== 0) throw new Error(`kernel iptables-restore: ${load.stderr}`);
    sides.rawgate.rg = await startRawgate(sides.rawgate.lab);
    const r = await sides.rawgate.rg.iptablesRestore(rules(sides.rawgate.lab));
    if (r.status !== 0) throw new Error(`rawgate iptables-restore: ${r.stderr}`);
    for (const s of [sides.rawgate, sides.kernel]) {
      httpServer(s);
      await until(() => s.lab.exec(s.lab.wan.ns, ['ss', '-ltn', 'sport = :8080']).stdout.includes('8080'), 'the HTTP server');
    }
    for (const p of PROBES) results[p.name] = { rawgate: p.run(sides.rawgate), kernel: p.run(sides.kernel) };
    if (process.env.RAWGATE_PARITY_VERBOSE) console.log(results);
  }, 120_000);

  afterAll(async () => {
    for (const s of Object.values(sides)) for (const c of s.bg) c.kill('SIGKILL');
    if (sides.rawgate?.rg) await sides.rawgate.rg.stop();
    for (const s of Object.values(sides)) s.lab.teardown();
  });

  for (const p of PROBES) {
    if (p.run === ttlBurst) {
      it(p.name, () => {
        const [ours, kernel] = [Number(results[p.name].rawgate), Number(results[p.name].kernel)];
        expect(kernel).toBeGreaterThanOrEqual(5);
        expect(kernel).toBeLessThan(10);
        expect(Math.abs(ours - kernel), `rawgate ${ours}, kernel ${kernel}`).toBeLessThanOrEqual(1);
      });
      continue;
    }
    it(p.name, () => {
      expect(results[p.name].rawgate).toBe(results[p.name].kernel);
    });
  }

  it('the outcomes are the ones the rules say (not merely equal)', () => {
    expect(results['ping LAN → WAN host'].kernel).toBe('received 2 ttl 33'); // mangle FORWARD TTL --ttl-set, after the decrement
    expect(results['ping WAN → LAN host (echo-request from wan0 dropped)'].kernel).toBe('received 0');
    expect(results['ping LAN → WAN with TTL 1'].kernel).toMatch(/from router: Time to live exceeded/);
    expect(results['HTTP LAN → WAN :8080 (allowed both ways)'].kernel).toBe('curl exit 0 http 200');
    expect(results['TCP LAN → WAN :8081 (REJECT tcp-reset)'].kernel).toBe('curl exit 7 http 000');
    expect(results['TCP LAN → WAN :8082 (policy DROP)'].kernel).toBe('curl exit 28 http 000');
    expect(results['UDP LAN → WAN :9001 (REJECT port-unreachable)'].kernel).toBe('refused');
    expect(results['UDP LAN → WAN :9004 (filter ACCEPT, then security DROP)'].kernel).toBe('timeout');
  });

  it('counts the ICMP rules the same', async () => {
    const k = sides.kernel.lab;
    const kernel = forwardPkts(k.exec(k.router, [systemIptables(), '-L', 'FORWARD', '-v', '-x', '-n']).stdout);
    const ours = forwardPkts((await sides.rawgate.rg!.iptables(['-L', 'FORWARD', '-v', '-x', '-n'])).stdout);
    expect(ours.length).toBe(kernel.length);
    // Rules 1 and 2 see only ICMP: pings and the ICMP errors the router forwards.
    expect(ours.slice(0, 2)).toEqual(kernel.slice(0, 2));
    const mangle = (t: string) => t.split('\n').filter((l) => /TTL|MARK/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    const km = mangle(k.exec(k.router, [systemIptables(), '-t', 'mangle', '-L', '-v', '-x', '-n']).stdout);
    const om = mangle((await sides.rawgate.rg!.iptables(['-t', 'mangle', '-L', '-v', '-x', '-n'])).stdout);
    expect(km.length).toBe(2);
    expect(km[0]).toBeGreaterThan(0);
    expect(om).toEqual(km);
  });
});
