/**
 * `conntrack` against rawgate's table and against the kernel's, side by side:
 * the same stateful ruleset in rawgate and in the kernel twin, the same
 * traffic (a ping, an HTTP request, a UDP datagram nobody answers), then
 * `conntrack -L` (and `-L -p tcp`, `-C`) from conntrack-tools on the kernel
 * and through rawgate's control socket: the listings must be the same after
 * normalising what differs between two runs (remaining timeouts, the
 * client's ephemeral ports and ping ids, hash order). And `conntrack -E`
 * through the installed CLI streams a [NEW] event for a new ping and prints
 * the tool's summary when interrupted.
 * Root only (skips with a message; runs, and must pass, with CI set).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsArgv, repoRoot, startRawgate } from '../../src/lab/index.js';
import type { Lab, RawgateRun } from '../../src/lab/index.js';
import { isRoot, systemIptables } from '../../src/lab/exec.js';
import { createLab } from '../../src/lab/topology.js';

const canRun = isRoot() || !!process.env.CI;
if (!canRun) console.warn('test/conntrack: conntrack CLI parity skipped — needs root to create network namespaces (set CI=1 to force)');

const RULES = (lanIf: string) => `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m state --state INVALID -j DROP
-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i ${lanIf} -m state --state NEW -j ACCEPT
COMMIT
`;

/** A listing line with what two runs cannot share made equal: timeouts, client ports, ping ids. */
function normalise(line: string, clientPorts: Set<string>): string {
  return line
    .replace(/^(\w+\s+\d+ )\d+ /, '$1T ')
    .replace(/\b10\.\d+\.(\d+)\.(\d+)\b/g, '10.L.$1.$2')
    .replace(/\b(sport|dport)=(\d+)/g, (m, k: string, v: string) => (clientPorts.has(v) ? `${k}=P` : m))
    .replace(/\bid=\d+/g, 'id=I');
}

/** Ports above 1023 are the clients' ephemeral ones here (the servers listen on 8080 and 9009). */
function ephemeral(lines: string[]): Set<string> {
  const s = new Set<string>();
  for (const l of lines) for (const m of l.matchAll(/\b(?:sport|dport)=(\d+)/g)) if (Number(m[1]) > 10000) s.add(m[1]!);
  return s;
}

const listing = (stdout: string) => stdout.split('\n').filter((l) => l !== '');
const norm = (stdout: string) => {
  const l = listing(stdout);
  const p = ephemeral(l);
  return l.map((x) => normalise(x, p)).sort();
};

interface Side { lab: Lab; rg?: RawgateRun; conntrack(argv: string[]): Promise<{ stdout: string; stderr: string; status: number }> }

describe.skipIf(!canRun)('conntrack: rawgate\'s table and the kernel\'s list the same', () => {
  const sides = {} as Record<'rawgate' | 'kernel', Side>;
  const bg: ReturnType<typeof spawn>[] = [];

  beforeAll(async () => {
    const rlab = createLab({ withGuests: false });
    const klab = createLab({ kind: 'kernel', withGuests: false });
    const k = klab.exec(klab.router, [`${systemIptables()}-restore`], { input: RULES(klab.lan.routerIf) });
    if (k.status !== 0) throw new Error(`kernel iptables-restore: ${k.stderr}`);
    const rg = await startRawgate(rlab);
    const r = await rg.iptablesRestore(RULES(rlab.lan.routerIf));
    if (r.status !== 0) throw new Error(`rawgate iptables-restore: ${r.stderr}`);
    sides.rawgate = { lab: rlab, rg, conntrack: (argv) => rg.conntrack(argv) };
    sides.kernel = { lab: klab, conntrack: async (argv) => klab.exec(klab.router, ['conntrack', ...argv]) };
    for (const s of Object.values(sides)) {
      const [cmd, ...args] = nsArgv(s.lab.wan.ns, ['/usr/bin/python3', '-m', 'http.server', '8080', '--bind', s.lab.wan.hostAddr, '--directory', s.lab.workDir]);
      bg.push(spawn(cmd!, args, { stdio: 'ignore' }));
    }
    for (const s of Object.values(sides)) {
      const end = Date.now() + 10_000;
      while (!s.lab.exec(s.lab.wan.ns, ['ss', '-ltn', 'sport = :8080']).stdout.includes('8080')) {
        if (Date.now() > end) throw new Error('HTTP server did not start');
        await new Promise((res) => setTimeout(res, 100));
      }
      const { lab } = s;
      lab.exec(lab.lan.ns, ['ping', '-n', '-c', '1', '-W', '2', lab.wan.hostAddr]);
      lab.exec(lab.lan.ns, ['curl', '-s', '-o', '/dev/null', '--max-time', '3', `http://${lab.wan.hostAddr}:8080/`]);
      lab.exec(lab.lan.ns, ['/usr/bin/python3', '-c', `import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', ('${lab.wan.hostAddr}', 9009))`]);
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of bg) c.kill('SIGKILL');
    if (sides.rawgate?.rg) await sides.rawgate.rg.stop();
    for (const s of Object.values(sides)) s.lab?.teardown();
  });

  for (const argv of [['-L'], ['-L', '-p', 'tcp'], ['-L', '-p', 'udp'], ['-L', '-o', 'extended'], ['-C']]) {
    it(`conntrack ${argv.join(' ')}`, async () => {
      const ours = await sides.rawgate.conntrack(argv);
      const kernel = await sides.kernel.conntrack(argv);
      expect(ours.status).toBe(kernel.status);
      expect(norm(ours.stdout)).toEqual(norm(kernel.stdout));
      expect(ours.stderr).toBe(kernel.stderr);
      if (argv[0] === '-L' && argv.length === 1) {
        // Not merely equal: the three flows are there (ICMP, TCP in TIME_WAIT or ESTABLISHED, UDP unreplied).
        const l = norm(kernel.stdout).join('\n');
        expect(l).toMatch(/^icmp/m);
        expect(l).toMatch(/^tcp .*dport=8080/m);
        expect(l).toMatch(/^udp .*dport=9009 \[UNREPLIED\]/m);
      }
    });
  }

  it('conntrack -E through the installed CLI streams a [NEW] event and prints the summary on SIGINT', async () => {
    const { lab, rg } = sides.rawgate;
    const main = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
    const child = spawn(process.execPath, [main, 'conntrack', '--socket', rg!.socketPath, '-E', '-p', 'icmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    await new Promise((res) => setTimeout(res, 700));
    lab.exec(lab.lan.ns, ['ping', '-n', '-c', '1', '-W', '2', '-p', 'ab', lab.wan.hostAddr]);
    const end = Date.now() + 5000;
    while (!out.includes('[NEW]') && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(out).toMatch(/^ {4}\[NEW\] icmp {5}1 30 src=\S+ dst=\S+ type=8 code=0 id=\d+ \[UNREPLIED\] src=/m);
    expect(err).toMatch(/conntrack v1\.4\.7 \(conntrack-tools\): \d+ flow events have been shown\.\n$/);
    expect(code).toBe(0);
  });
});
