/**
 * A bounded flood against a rawgate with a deliberately small slab (256
 * slots): forwarded packets, packets for a neighbour that never answers ARP
 * (parked, overflowing its queue, then failed) and packets with a bad header
 * checksum, as fast as trafgen sends them for at most a few seconds. rawgate
 * must keep running, count every loss by reason, give every slot back once
 * the ARP retries are over, and forward normally afterwards. Root only (CI
 * runs it); the flood stays inside the lab's namespaces and stops by itself.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfigObject, startRawgate } from '../../src/lab/index.js';
import type { Lab, RawgateRun } from '../../src/lab/index.js';
import { isRoot } from '../../src/lab/exec.js';
import { createLab } from '../../src/lab/topology.js';

const canRun = isRoot() || !!process.env.CI;
if (!canRun) console.warn('test/dataplane: flood skipped — needs root to create network namespaces (set CI=1 to force)');

const SLOTS = 256;
let lab: Lab;
let rg: RawgateRun;

function metrics(): string {
  return lab.exec(lab.router, ['curl', '-sf', 'http://127.0.0.1:9108/metrics']).stdout;
}
function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').pop()) : NaN;
}

/** One 64-byte UDP frame from the LAN host to `dst`; `badCsum` spoils the IP header checksum. */
function frame(routerMac: string, hostMac: string, src: string, dst: string, badCsum: boolean): string {
  const b = (mac: string) => mac.split(':').map((h) => `0x${h}`).join(', ');
  const ip = (a: string) => a.split('.').join(', ');
  const csum = badCsum ? 'const16(0xdead)' : 'csumip(14, 33)';
  return `{ ${b(routerMac)}, ${b(hostMac)}, const16(0x0800),
  0x45, 0x00, const16(50), const16(0), 0x00, 0x00, 64, 17, ${csum},
  ${ip(src)}, ${ip(dst)}, const16(40000), const16(9), const16(30), const16(0), fill(0x00, 22) }\n`;
}

describe.skipIf(!canRun)('a flood against a small slab', () => {
  beforeAll(async () => {
    lab = createLab({ withGuests: false });
    const base = labConfigObject(lab);
    rg = await startRawgate(lab, { logLevel: 'warn', extra: { interfaces: base.interfaces, io: { slots: SLOTS, slotSize: 2048, batch: 64 } } });
  }, 60_000);

  afterAll(async () => {
    if (rg) await rg.stop();
    if (lab) lab.teardown();
  });

  it('keeps running, counts every loss by reason, and gives every slot back', async () => {
    expect(lab.exec(lab.lan.ns, ['ping', '-c', '1', '-W', '2', lab.lan.routerAddr]).status).toBe(0);
    const routerMac = /lladdr (\S+)/.exec(lab.exec(lab.lan.ns, ['ip', 'neigh', 'show', lab.lan.routerAddr]).stdout)![1];
    const hostMac = /link\/ether (\S+)/.exec(lab.exec(lab.lan.ns, ['ip', 'link', 'show', 'eth0']).stdout)![1];
    const silent = lab.wan.hostAddr.replace(/\.2$/, '.99');
    const cfg = path.join(lab.workDir, 'flood.trafgen');
    writeFileSync(cfg, frame(routerMac, hostMac, lab.lan.hostAddr, lab.wan.hostAddr, false) +
      frame(routerMac, hostMac, lab.lan.hostAddr, silent, false) +
      frame(routerMac, hostMac, lab.lan.hostAddr, lab.wan.hostAddr, true));
    const before = metrics();
    expect(metric(before, 'rawgate_slab_free_slots')).toBe(SLOTS);

    const tg = lab.exec(lab.lan.ns, ['timeout', '-s', 'INT', '-k', '2', '4', '/usr/sbin/trafgen', '-o', 'eth0', '-i', cfg,
      '-n', '150000', '-P', '1', '--no-sock-mem', '-Q', '-C'], { timeoutMs: 15_000 });
    expect([0, 124, 130]).toContain(tg.status);

    // The silent neighbour fails after its ARP retries (3 x 1 s): every parked slot comes back.
    let after = '';
    const end = Date.now() + 10_000;
    do {
      await new Promise((r) => setTimeout(r, 250));
      after = metrics();
    } while (metric(after, 'rawgate_slab_free_slots') !== SLOTS && Date.now() < end);
    expect(metric(after, 'rawgate_slab_free_slots')).toBe(SLOTS);

    const d = (reason: string) => metric(after, `rawgate_dropped_total{reason="${reason}"}`) - metric(before, `rawgate_dropped_total{reason="${reason}"}`);
    expect(d('ip_bad_checksum')).toBeGreaterThan(1000);
    expect(d('neighbour_queue_full')).toBeGreaterThan(1000);
    expect(d('neighbour_failed')).toBeGreaterThan(0);
    expect(metric(after, 'rawgate_interface_tx_packets_total{interface="wan0"}')).toBeGreaterThan(1000);

    // Still forwarding, and still the same process.
    const p = lab.exec(lab.lan.ns, ['ping', '-c', '2', '-i', '0.2', '-W', '2', lab.wan.hostAddr]);
    expect(p.status, p.stdout + rg.logs()).toBe(0);
    expect(rg.child.exitCode).toBeNull();
  }, 60_000);
});
