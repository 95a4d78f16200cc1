/**
 * `rawgate lab demo` (and `npm start`): build a lab, start rawgate with a
 * small firewall, show traffic passing and being dropped, the counters and
 * the metrics, then remove everything. Every packet stays inside the lab's
 * namespaces; pings are bounded (count and deadline).
 */
import { createLab } from './topology.js';
import type { Lab } from './topology.js';
import { startRawgate } from './daemon.js';
import type { RawgateRun } from './daemon.js';

export const DEMO_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -i lan0 -o wan0 -j ACCEPT
-A FORWARD -p icmp -m icmp --icmp-type 0 -j ACCEPT
-A FORWARD -i vm0 -j ACCEPT
-A FORWARD -i tun0 -j ACCEPT
COMMIT
`;

export interface DemoOutput {
  (line: string): void;
}

interface Step {
  title: string;
  ns: (lab: Lab) => string;
  argv: (lab: Lab) => string[];
  expectOk: boolean;
}

const ping = (to: (lab: Lab) => string) => (lab: Lab) => ['ping', '-c', '2', '-i', '0.2', '-W', '1', '-w', '3', to(lab)];

const STEPS: Step[] = [
  { title: 'LAN host pings the router', ns: (l) => l.lan.ns, argv: ping((l) => l.lan.routerAddr), expectOk: true },
  { title: 'LAN host pings the WAN host (forwarded, allowed)', ns: (l) => l.lan.ns, argv: ping((l) => l.wan.hostAddr), expectOk: true },
  { title: 'WAN host pings the LAN host (FORWARD policy DROP)', ns: (l) => l.wan.ns, argv: ping((l) => l.lan.hostAddr), expectOk: false },
  { title: 'VM (TAP) pings the TUN host', ns: (l) => l.vm.ns, argv: ping((l) => l.tun.hostAddr), expectOk: true },
];

/** Returns the exit code: 0 when every step behaved as expected. */
export async function runDemo(out: DemoOutput): Promise<number> {
  const lab = createLab();
  let rg: RawgateRun | null = null;
  let failures = 0;
  try {
    out(`lab ${lab.prefix}: namespaces ${lab.router}, ${lab.lan.ns}, ${lab.wan.ns}, ${lab.vm.ns}, ${lab.tun.ns}`);
    out(`  LAN ${lab.lan.subnet}  WAN ${lab.wan.subnet}  VM ${lab.vm.subnet}  TUN ${lab.tun.subnet}`);
    for (const w of lab.warnings) out(`  warning: ${w}`);
    rg = await startRawgate(lab, { rules: DEMO_RULES });
    out(`rawgate running in ${lab.router} (pid ${rg.pid}), control socket ${rg.socketPath}`);
    out('');
    for (const s of STEPS) {
      const r = lab.exec(s.ns(lab), s.argv(lab), { timeoutMs: 10_000 });
      const ok = r.status === 0;
      const good = ok === s.expectOk;
      if (!good) failures++;
      out(`${good ? 'ok  ' : 'FAIL'}  ${s.title}: ${ok ? 'replies' : 'no reply'}${good ? '' : ` (expected ${s.expectOk ? 'replies' : 'no reply'})`}`);
    }
    out('');
    out('$ iptables -L FORWARD -v -n');
    const list = await rg.iptables(['-L', 'FORWARD', '-v', '-n']);
    out((list.stdout + list.stderr).trimEnd());
    out('');
    out('$ curl http://127.0.0.1:9108/metrics   (inside the router namespace; excerpt)');
    const m = lab.exec(lab.router, ['curl', '-s', '--max-time', '5', 'http://127.0.0.1:9108/metrics']);
    if (m.status !== 0) {
      failures++;
      out(`FAIL  metrics endpoint: curl exited ${m.status}`);
    }
    for (const line of m.stdout.split('\n')) {
      if (/^rawgate_(interface_(rx|tx)_packets_total|dropped_total\{reason="(policy_drop|filter_drop)"\})/.test(line)) out(line);
    }
  } finally {
    if (rg !== null) {
      const r = await rg.stop();
      out('');
      out(`rawgate stopped (exit ${r.code ?? r.signal})`);
      if (r.code !== 0) failures++;
    }
    lab.teardown();
    out(`lab ${lab.prefix} removed`);
  }
  out(failures === 0 ? 'demo: all steps as expected' : `demo: ${failures} step(s) not as expected`);
  return failures === 0 ? 0 : 1;
}
