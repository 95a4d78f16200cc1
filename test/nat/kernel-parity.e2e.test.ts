/**
 * rawgate's NAT held to the Linux kernel's: the tutorial's NAT gateway
 * (MASQUERADE out of the WAN interface, a DNAT port forward from the router's
 * WAN address :8080 to the LAN host's :80, a REDIRECT of LAN traffic to port
 * 8081 into a proxy on the router's :3128, a stateful FORWARD with policy
 * DROP) loaded into rawgate and into the kernel twin, the same probes with
 * real tools (curl, iperf3, ping, python sockets) from the same hosts, the
 * same outcomes required — and then `conntrack -L` (plain, -o extended,
 * --src-nat, --dst-nat) on both must list the same translated tuples after
 * normalising what two labs cannot share (the subnet octet, remaining
 * timeouts, ephemeral ports, ping ids), and the nat table's counters
 * (one packet per connection) must be equal.
 * Everything runs inside the two labs' namespaces (a second address for the
 * LAN host is added inside its namespace only); the labs are torn down
 * whatever happens. Root only (skips with a message; runs, and must pass,
 * with CI set).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRawgate } from '../../src/lab/index.js';
import type { Lab, RawgateRun } from '../../src/lab/index.js';
import { isRoot, nsArgv, systemIptables } from '../../src/lab/exec.js';
import { createLab } from '../../src/lab/topology.js';

const canRun = isRoot() || !!process.env.CI;
if (!canRun) console.warn('test/nat: NAT kernel parity skipped — needs root to create network namespaces (set CI=1 to force)');

/** The LAN host's second address (same host, another source behind the MASQUERADE). */
const lan2 = (lab: Lab) => lab.lan.hostAddr.replace(/\.2$/, '.3');

const RULES = (lab: Lab) => `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d ${lab.wan.routerAddr}/32 -i ${lab.wan.routerIf} -p tcp -m tcp --dport 8080 -j DNAT --to-destination ${lab.lan.hostAddr}:80
-A PREROUTING -i ${lab.lan.routerIf} -p tcp -m tcp --dport 8081 -j REDIRECT --to-ports 3128
-A POSTROUTING -o ${lab.wan.routerIf} -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate INVALID -j DROP
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i ${lab.lan.routerIf} -o ${lab.wan.routerIf} -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -d ${lab.lan.hostAddr}/32 -i ${lab.wan.routerIf} -o ${lab.lan.routerIf} -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
`;

/** A UDP echo server that answers every datagram with the address and port it came from. */
const UDP_ECHO = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(('%s:%d' % a).encode(), a)
`;

/** One datagram, optionally from a fixed source address and port; prints the answer, 'refused' (an ICMP error reached the socket) or 'timeout'. */
const UDP_PROBE = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
if len(sys.argv) > 3: s.bind((sys.argv[3], int(sys.argv[4])))
s.connect((sys.argv[1], int(sys.argv[2])))
try:
    s.send(b'probe'); print('answer', s.recv(100).decode())
except ConnectionRefusedError: print('refused')
except socket.timeout: print('timeout')
except OSError as e: print('error', e.errno)
`;

/** The ports the servers use and the fixed client port; every other port in a listing is an ephemeral one. */
const FIXED_PORTS = new Set(['80', '3128', '5201', '8080', '8081', '9000', '9009', '40000', '40002']);

/**
 * A listing line with what two labs cannot share made equal: subnet octet,
 * timeout, ephemeral ports, ping ids — and how iperf3's connections ended:
 * when the test ends the server closes its data socket, with a RST if
 * unread data is still queued (then CLOSE, else TIME_WAIT). That is iperf3's
 * timing, not the router's: the kernel twin alone shows both from run to run.
 */
function normalise(line: string): string {
  return line
    .replace(/^((?:ipv4\s+2\s+)?\w+\s+\d+ )\d+ /, '$1T ')
    .replace(/^((?:ipv4\s+2\s+)?tcp\s+6 T )(?:TIME_WAIT|CLOSE)( .* dport=5201 )/, '$1TIME_WAIT|CLOSE$2')
    .replace(/\b10\.\d+\.(\d+)\.(\d+)\b/g, '10.L.$1.$2')
    .replace(/\b(sport|dport)=(\d+)/g, (m, k: string, v: string) => (FIXED_PORTS.has(v) ? m : `${k}=P`))
    .replace(/\bid=\d+/g, 'id=I');
}
const norm = (stdout: string) => stdout.split('\n').filter((l) => l !== '').map(normalise).sort();

interface Side {
  lab: Lab;
  rg?: RawgateRun;
  bg: ChildProcess[];
  /** What each server wrote (stderr and stdout), by name. */
  logs: Record<string, string>;
  conntrack(argv: string[]): Promise<{ stdout: string; stderr: string; status: number }>;
  iptables(argv: string[]): Promise<{ stdout: string; stderr: string; status: number }>;
}

function serve(s: Side, name: string, ns: string, argv: string[]): void {
  const [cmd, ...args] = nsArgv(ns, argv);
  const c = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  s.logs[name] = '';
  c.stdout!.on('data', (d) => (s.logs[name] += String(d)));
  c.stderr!.on('data', (d) => (s.logs[name] += String(d)));
  s.bg.push(c);
}

async function until(fn: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const listening = (s: Side, ns: string, proto: 't' | 'u', port: number) =>
  s.lab.exec(ns, ['ss', `-ln${proto}`, `sport = :${port}`]).stdout.includes(`:${port}`);

const requests = (s: Side, log: string) => s.logs[log]!.split('\n').filter((l) => /"GET /.test(l));

/**
 * Run a request, then (the servers' output arrives through this process's
 * event loop, which a synchronous exec holds up) wait up to 2 s for the
 * server's log line and return the client address it logged, named.
 */
async function withClient(s: Side, log: string, request: () => string): Promise<string> {
  const before = requests(s, log).length;
  const out = request();
  const end = Date.now() + 2000;
  while (requests(s, log).length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const line = requests(s, log).slice(before).at(-1);
  return `${out}; ${log.replace(/-http$/, '')} server saw ${line ? name(s.lab, line.split(' ')[0]!) : 'nothing'}`;
}

function name(lab: Lab, addr: string): string {
  const names: Record<string, string> = {
    [lab.wan.routerAddr]: 'router WAN address',
    [lab.lan.routerAddr]: 'router LAN address',
    [lab.wan.hostAddr]: 'WAN host',
    [lab.lan.hostAddr]: 'LAN host',
    [lan2(lab)]: 'LAN host (second address)',
  };
  return names[addr] ?? addr;
}

function curl(s: Side, ns: string, url: string): string {
  const r = s.lab.exec(ns, ['curl', '-s', '-w', ' http %{http_code}', '--max-time', '3', url], { timeoutMs: 10_000 });
  return `exit ${r.status}: ${r.stdout.trim()}`;
}

function udp(s: Side, host: string, port: number, from?: [string, number]): string {
  const argv = ['/usr/bin/python3', '-c', UDP_PROBE, host, String(port), ...(from ? [from[0], String(from[1])] : [])];
  const out = s.lab.exec(s.lab.lan.ns, argv, { timeoutMs: 10_000 }).stdout.trim();
  // The echo names the source it saw: the port is the point, the address is named.
  return out.replace(/^answer (\S+):(\d+)$/, (_m, a: string, p: string) => `answer from ${name(s.lab, a)}:${p}`);
}

type Probe = { name: string; run: (s: Side) => string | Promise<string> };
const PROBES: Probe[] = [
  {
    name: '1. HTTP LAN → WAN through MASQUERADE: served, and the WAN server sees the router\'s WAN address',
    run: (s) => withClient(s, 'wan-http', () => curl(s, s.lab.lan.ns, `http://${s.lab.wan.hostAddr}:8080/who`)),
  },
  {
    name: '2a. ping LAN → WAN through MASQUERADE',
    run: (s) => {
      const r = s.lab.exec(s.lab.lan.ns, ['ping', '-n', '-c', '2', '-i', '0.3', '-W', '1', s.lab.wan.hostAddr], { timeoutMs: 10_000 });
      return `received ${/(\d+) received/.exec(r.stdout)?.[1] ?? '?'}`;
    },
  },
  {
    name: '2b. UDP LAN → WAN from LAN host :40000: answered, the source port kept',
    run: (s) => udp(s, s.lab.wan.hostAddr, 9000, [s.lab.lan.hostAddr, 40000]),
  },
  {
    name: '2c. UDP LAN → WAN from the second LAN address, also :40000: answered, on another port of the router',
    run: (s) => udp(s, s.lab.wan.hostAddr, 9000, [lan2(s.lab), 40000]).replace(/:(\d+)$/, (_m, p: string) => (p === '40000' ? ':40000' : ':another port')),
  },
  {
    name: '3. DNAT port forward: WAN host → router WAN :8080 reaches the LAN host\'s :80, which sees the WAN host',
    run: (s) => withClient(s, 'lan-http', () => curl(s, s.lab.wan.ns, `http://${s.lab.wan.routerAddr}:8080/who`)),
  },
  {
    name: '4. UDP LAN → WAN closed port: the WAN host\'s port unreachable reaches the LAN client as its own error',
    run: (s) => udp(s, s.lab.wan.hostAddr, 9009),
  },
  {
    name: '4b. the same from LAN host :40002 to the closed port: refused',
    run: (s) => udp(s, s.lab.wan.hostAddr, 9009, [s.lab.lan.hostAddr, 40002]),
  },
  {
    // The router maps this one to another port; the error quotes that port and must come back about :40002.
    name: '4c. the same from the second LAN address :40002 (remapped port): the error reaches it too',
    run: (s) => udp(s, s.lab.wan.hostAddr, 9009, [lan2(s.lab), 40002]),
  },
  {
    name: '5. REDIRECT: LAN → WAN :8081 answered by the router\'s own :3128, which sees the LAN host',
    run: (s) => withClient(s, 'router-http', () => curl(s, s.lab.lan.ns, `http://${s.lab.wan.hostAddr}:8081/who`)),
  },
  {
    // Last: a data stream that ends with a RST is CLOSE, which lasts 10 s; the listings follow at once.
    name: '6. iperf3 LAN → WAN for 2 s through MASQUERADE: completes, the server sees the router\'s WAN address',
    run: async (s) => {
      const r = s.lab.exec(s.lab.lan.ns, ['iperf3', '-c', s.lab.wan.hostAddr, '-p', '5201', '-t', '2', '-b', '200M', '--connect-timeout', '3000'], { timeoutMs: 20_000 });
      const done = /receiver/.test(r.stdout) && r.status === 0;
      const end = Date.now() + 2000;
      while (!/Accepted connection from/.test(s.logs['iperf3']!) && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
      const from = /Accepted connection from (\S+), port/.exec(s.logs['iperf3']!);
      return `${done ? 'completed' : `failed (exit ${r.status}: ${r.stderr.trim() || r.stdout.trim().split('\n').at(-1)})`}; server accepted from ${from ? name(s.lab, from[1]!) : 'none'}`;
    },
  },
];

/** pkts of every rule and chain policy in `iptables -t nat -L -v -x -n`-style output. */
function counters(listing: string): string[] {
  return listing.split('\n').flatMap((l) => {
    const chain = /^Chain (\S+) \(policy \S+ (\d+) packets/.exec(l);
    if (chain) return [`${chain[1]} policy ${chain[2]}`];
    const rule = /^\s*(\d+)\s+\d+\s+(\S+)/.exec(l);
    return rule ? [`${rule[2]} ${rule[1]}`] : [];
  });
}

describe.skipIf(!canRun)('NAT: rawgate\'s gateway and the kernel\'s treat the same traffic the same way', () => {
  const sides = {} as Record<'rawgate' | 'kernel', Side>;
  const results: Record<string, { rawgate: string; kernel: string }> = {};

  beforeAll(async () => {
    const rlab = createLab({ withGuests: false });
    const klab = createLab({ kind: 'kernel', withGuests: false });
    sides.rawgate = { lab: rlab, bg: [], logs: {}, conntrack: async () => ({ stdout: '', stderr: '', status: 1 }), iptables: async () => ({ stdout: '', stderr: '', status: 1 }) };
    sides.kernel = {
      lab: klab, bg: [], logs: {},
      conntrack: async (argv) => klab.exec(klab.router, ['conntrack', ...argv]),
      iptables: async (argv) => klab.exec(klab.router, [systemIptables(), ...argv]),
    };
    const k = klab.exec(klab.router, [`${systemIptables()}-restore`], { input: RULES(klab) });
    if (k.status !== 0) throw new Error(`kernel iptables-restore: ${k.stderr}`);
    const rg = await startRawgate(rlab);
    sides.rawgate.rg = rg;
    sides.rawgate.conntrack = (argv) => rg.conntrack(argv);
    sides.rawgate.iptables = (argv) => rg.iptables(argv);
    const r = await rg.iptablesRestore(RULES(rlab));
    if (r.status !== 0) throw new Error(`rawgate iptables-restore: ${r.stderr}`);

    for (const s of [sides.rawgate, sides.kernel]) {
      const { lab } = s;
      // Each server serves a file naming it, so an answer says who answered.
      for (const who of ['wan', 'lan', 'router']) {
        mkdirSync(path.join(lab.workDir, who), { recursive: true });
        writeFileSync(path.join(lab.workDir, who, 'who'), `${who}`);
      }
      lab.exec(lab.lan.ns, ['ip', 'addr', 'add', `${lan2(lab)}/${lab.lan.prefixLen}`, 'dev', lab.lan.hostIf]);
      const http = (port: number, bind: string, dir: string) => ['/usr/bin/python3', '-u', '-m', 'http.server', String(port), '--bind', bind, '--directory', path.join(lab.workDir, dir)];
      serve(s, 'wan-http', lab.wan.ns, http(8080, lab.wan.hostAddr, 'wan'));
      serve(s, 'lan-http', lab.lan.ns, http(80, lab.lan.hostAddr, 'lan'));
      // The REDIRECT's proxy: a local service of the router, on all its addresses.
      serve(s, 'router-http', lab.router, http(3128, '0.0.0.0', 'router'));
      serve(s, 'iperf3', lab.wan.ns, ['iperf3', '-s', '-p', '5201', '-B', lab.wan.hostAddr, '--forceflush']);
      serve(s, 'udp-echo', lab.wan.ns, ['/usr/bin/python3', '-u', '-c', UDP_ECHO, lab.wan.hostAddr, '9000']);
    }
    for (const s of [sides.rawgate, sides.kernel]) {
      const { lab } = s;
      await until(() => listening(s, lab.wan.ns, 't', 8080), 'the WAN HTTP server');
      await until(() => listening(s, lab.lan.ns, 't', 80), 'the LAN HTTP server');
      await until(() => listening(s, lab.router, 't', 3128), 'the router\'s HTTP server');
      await until(() => listening(s, lab.wan.ns, 't', 5201), 'the iperf3 server');
      await until(() => listening(s, lab.wan.ns, 'u', 9000), 'the UDP echo server');
    }
    for (const p of PROBES) results[p.name] = { rawgate: await p.run(sides.rawgate), kernel: await p.run(sides.kernel) };
    if (process.env.RAWGATE_PARITY_VERBOSE) console.log(results);
  }, 120_000);

  afterAll(async () => {
    for (const s of Object.values(sides)) for (const c of s.bg) c.kill('SIGKILL');
    if (sides.rawgate?.rg) await sides.rawgate.rg.stop();
    for (const s of Object.values(sides)) s.lab?.teardown();
  });

  for (const p of PROBES) {
    it(p.name, () => {
      expect(results[p.name]!.rawgate).toBe(results[p.name]!.kernel);
    });
  }

  it('the outcomes are the ones the gateway is for (not merely equal)', () => {
    const k = (n: string) => results[PROBES.find((p) => p.name.startsWith(n))!.name]!.kernel;
    expect(k('1.')).toBe('exit 0: wan http 200; wan server saw router WAN address');
    expect(k('2a.')).toBe('received 2');
    expect(k('2b.')).toBe('answer from router WAN address:40000');
    expect(k('2c.')).toBe('answer from router WAN address:another port');
    expect(k('3.')).toBe('exit 0: lan http 200; lan server saw WAN host');
    expect(k('4.')).toBe('refused');
    expect(k('4b.')).toBe('refused');
    expect(k('4c.')).toBe('refused');
    expect(k('5.')).toBe('exit 0: router http 200; router server saw LAN host');
    expect(k('6.')).toBe('completed; server accepted from router WAN address');
  });

  for (const argv of [['-L'], ['-L', '-o', 'extended'], ['-L', '--src-nat'], ['-L', '--dst-nat']]) {
    it(`conntrack ${argv.join(' ')} lists the same translated tuples`, async () => {
      const ours = await sides.rawgate.conntrack(argv);
      const kernel = await sides.kernel.conntrack(argv);
      if (process.env.RAWGATE_PARITY_VERBOSE) console.log(`conntrack ${argv.join(' ')}\n--- rawgate\n${ours.stdout}${ours.stderr}--- kernel\n${kernel.stdout}${kernel.stderr}`);
      expect(ours.status).toBe(kernel.status);
      expect(norm(ours.stdout)).toEqual(norm(kernel.stdout));
      expect(ours.stderr).toBe(kernel.stderr);
      if (argv.length === 1) {
        const l = norm(kernel.stdout).join('\n');
        const L = (x: string) => x.replace(/\./g, '\\.');
        // MASQUERADE: the reply comes back to the router's WAN address; the first source keeps its port, the second does not.
        expect(l).toMatch(new RegExp(`^udp .* src=${L('10.L.1.2')} dst=${L('10.L.2.2')} sport=40000 dport=9000 src=${L('10.L.2.2')} dst=${L('10.L.2.1')} sport=9000 dport=40000 `, 'm'));
        expect(l).toMatch(new RegExp(`^udp .* src=${L('10.L.1.3')} dst=${L('10.L.2.2')} sport=40000 dport=9000 src=${L('10.L.2.2')} dst=${L('10.L.2.1')} sport=9000 dport=P `, 'm'));
        // DNAT: the reply comes from the LAN host's :80.
        expect(l).toMatch(new RegExp(`^tcp .* src=${L('10.L.2.2')} dst=${L('10.L.2.1')} sport=P dport=8080 src=${L('10.L.1.2')} dst=${L('10.L.2.2')} sport=80 dport=P `, 'm'));
        // REDIRECT: the reply comes from the router's LAN address :3128.
        expect(l).toMatch(new RegExp(`^tcp .* src=${L('10.L.1.2')} dst=${L('10.L.2.2')} sport=P dport=8081 src=${L('10.L.1.1')} dst=${L('10.L.1.2')} sport=3128 dport=P `, 'm'));
        // The ICMP errors left their flows unreplied; the second source on :40002 got another port.
        expect(l).toMatch(/^udp .* dport=9009 \[UNREPLIED\] /m);
        expect(l).toMatch(new RegExp(`^udp .* src=${L('10.L.1.2')} dst=${L('10.L.2.2')} sport=40002 dport=9009 \\[UNREPLIED\\] src=${L('10.L.2.2')} dst=${L('10.L.2.1')} sport=9009 dport=40002 `, 'm'));
        expect(l).toMatch(new RegExp(`^udp .* src=${L('10.L.1.3')} dst=${L('10.L.2.2')} sport=40002 dport=9009 \\[UNREPLIED\\] src=${L('10.L.2.2')} dst=${L('10.L.2.1')} sport=9009 dport=P `, 'm'));
        expect(l).toMatch(/^icmp .* type=8 code=0 id=I src=/m);
      }
    });
  }

  it('the nat table counts the same connections, and FORWARD the same new ones', async () => {
    const natArgs = ['-t', 'nat', '-L', '-v', '-x', '-n'];
    const kn = counters((await sides.kernel.iptables(natArgs)).stdout);
    const on = counters((await sides.rawgate.iptables(natArgs)).stdout);
    expect(on).toEqual(kn);
    // The three rules saw what the probes made: 1 DNAT, 1 REDIRECT, and LAN → WAN connections to MASQUERADE.
    expect(kn.filter((c) => /^(DNAT|REDIRECT|MASQUERADE) /.test(c))).toEqual(['DNAT 1', 'REDIRECT 1', 'MASQUERADE 9']);
    const fwd = ['-L', 'FORWARD', '-v', '-x', '-n'];
    const kf = counters((await sides.kernel.iptables(fwd)).stdout);
    const of = counters((await sides.rawgate.iptables(fwd)).stdout);
    // INVALID drops and the NEW / DNAT accepts (rules 1, 3, 4) are per connection; rule 2 counts every later packet.
    const pick = (c: string[]) => [c[1], c[3], c[4]];
    expect(pick(of)).toEqual(pick(kf));
  });
});
