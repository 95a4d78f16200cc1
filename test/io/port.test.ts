/**
 * Ports for real: TUN, TAP and AF_PACKET opened by test/io/fixtures/echo-port.ts
 * inside namespaces this file creates (root only: skipped with a message
 * otherwise, run — and failing — when CI is set). Addresses are 10.9.x.x and
 * exist only inside the namespaces; everything is deleted in afterAll.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, cleanup, inNs, linkStats, listNs, macOf, macStr, makeNs, startDriver } from './netns.js';

if (!canRun) console.warn('test/io/port.test.ts: skipped — needs root to create network namespaces (set CI=1 to force)');

afterAll(() => {
  cleanup();
  expect(listNs()).toEqual([]);
});

type Counters = Record<string, number>;
type Stats = { batches: number; maxBatch: number; frames: number; pktTypes: number[]; arp: number; icmp: number; udp9999: number; vlanIds: number[]; txSent: number; held: number };
interface Done {
  stats: Stats;
  counters: Counters;
  freeSlots: number;
  slotCount: number;
  ownershipErrors: number;
  existsAfterClose: boolean;
}

function ping(ns: string, addr: string, count = 3): string {
  return inNs(ns, ['ping', '-c', String(count), '-i', '0.2', '-W', '2', addr], 20_000);
}

/** A namespace with veth va (for the port, no address) <-> vb (kernel side, 10.9.2.1/24). */
function vethNs(tag: string): string {
  const ns = makeNs(tag);
  inNs(ns, ['ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
  inNs(ns, ['sysctl', '-qw', 'net.ipv6.conf.va.disable_ipv6=1']);
  inNs(ns, ['sysctl', '-qw', 'net.ipv6.conf.vb.disable_ipv6=1']);
  inNs(ns, ['ip', 'link', 'set', 'va', 'up']);
  inNs(ns, ['ip', 'addr', 'add', '10.9.2.1/24', 'dev', 'vb']);
  inNs(ns, ['ip', 'link', 'set', 'vb', 'up']);
  return ns;
}

function udpBurst(ns: string, addr: string, n: number): void {
  inNs(ns, ['/usr/bin/python3', '-c',
    `import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(${n}): s.sendto(b'x'*64, ('${addr}', 9999))`]);
}

const fixturePy = (f: string): string => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', f);

/** tcpdump (or any capture) in the namespace: resolves `listening` once it is, `done` with its output. */
function capture(ns: string, cmd: string[]): { listening: Promise<void>; done: Promise<string> } {
  const child = spawn('ip', ['netns', 'exec', ns, 'timeout', '10', ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const listening = new Promise<void>((resolve) => {
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('listening on')) resolve();
    });
  });
  const done = new Promise<string>((resolve) => child.on('exit', () => resolve(out)));
  return { listening, done };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!canRun)('TUN port', () => {
  it('creates the device (UP, MTU set), answers ping through it, and close removes it', async () => {
    const ns = makeNs('tun');
    const d = startDriver(ns, { port: { kind: 'tun', name: 'rgtun0', mtu: 1400 }, mode: 'echo' });
    const ready = await d.next('ready');
    expect(ready).toMatchObject({ kind: 'tun', name: 'rgtun0', mtu: 1400, mac: [0, 0, 0, 0, 0, 0] });
    const link = inNs(ns, ['ip', '-o', 'link', 'show', 'rgtun0']);
    expect(link).toMatch(/<[^>]*\bUP\b[^>]*>/);
    expect(link).toContain('mtu 1400');
    expect(link).toContain(`${ready.ifindex as number}: rgtun0`);
    inNs(ns, ['ip', 'addr', 'add', '10.9.0.1/24', 'dev', 'rgtun0']);
    expect(ping(ns, '10.9.0.2')).toContain('3 received');
    const done = (await d.stop()) as unknown as Done;
    expect(done.stats.icmp).toBe(3);
    expect(done.counters.txPackets).toBe(3);
    expect(done.counters.rxPackets).toBeGreaterThanOrEqual(3);
    expect(done.stats.pktTypes[0]).toBe(done.stats.frames); // TUN: all PACKET_HOST
    expect(done.freeSlots).toBe(done.slotCount); // every slot came back
    expect(done.existsAfterClose).toBe(false);
    expect(() => inNs(ns, ['ip', 'link', 'show', 'rgtun0'])).toThrow();
  });

  it('keeps a persistent device after close', async () => {
    const ns = makeNs('tunp');
    const d = startDriver(ns, { port: { kind: 'tun', name: 'rgkeep%d', persist: true }, mode: 'count' });
    const ready = await d.next('ready');
    expect(ready.name).toBe('rgkeep0');
    const done = (await d.stop()) as unknown as Done;
    expect(done.existsAfterClose).toBe(true);
    expect(inNs(ns, ['ip', '-o', 'link', 'show', 'rgkeep0'])).toContain('rgkeep0');
  });
});

describe.skipIf(!canRun)('TAP port', () => {
  it('reports the device MAC, answers ARP and ping, and classifies frames', async () => {
    const ns = makeNs('tap');
    const deviceMac = [0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01];
    const d = startDriver(ns, { port: { kind: 'tap', name: 'rgtap0', deviceMac }, mode: 'echo' });
    const ready = await d.next('ready');
    expect(ready).toMatchObject({ kind: 'tap', name: 'rgtap0', mtu: 1500, deviceMac });
    expect(ready.mac).toEqual([0x02, 0x00, 0x00, 0xaa, 0xbb, 0x00]); // ours: last bit flipped
    expect(macOf(ns, 'rgtap0')).toBe(macStr(deviceMac));
    inNs(ns, ['sysctl', '-qw', 'net.ipv6.conf.rgtap0.disable_ipv6=1']);
    inNs(ns, ['ip', 'addr', 'add', '10.9.1.1/24', 'dev', 'rgtap0']);
    expect(ping(ns, '10.9.1.2')).toContain('3 received');
    expect(inNs(ns, ['ip', 'neigh', 'show', '10.9.1.2'])).toContain('lladdr 02:00:00:aa:bb:00');
    const done = (await d.stop()) as unknown as Done;
    expect(done.stats.arp).toBeGreaterThanOrEqual(1);
    expect(done.stats.icmp).toBe(3);
    expect(done.stats.pktTypes[1]).toBeGreaterThanOrEqual(1); // ARP request: broadcast
    expect(done.stats.pktTypes[0]).toBeGreaterThanOrEqual(3); // echo requests: to us
    expect(done.freeSlots).toBe(done.slotCount);
    expect(done.existsAfterClose).toBe(false);
  });
});

describe.skipIf(!canRun)('AF_PACKET port', () => {
  it('receives frames from the veth peer and what it sends arrives there (ARP, ping)', async () => {
    const ns = vethNs('pkt');
    const d = startDriver(ns, { port: { kind: 'afpacket', name: 'va', promisc: true }, mode: 'echo' });
    const ready = await d.next('ready');
    expect(ready).toMatchObject({ kind: 'afpacket', name: 'va', mtu: 1500 });
    expect(macStr(ready.mac as number[])).toBe(macOf(ns, 'va'));
    expect(ready.ifindex).toBe(Number(inNs(ns, ['cat', '/sys/class/net/va/ifindex']).trim()));
    expect(inNs(ns, ['ip', '-d', '-o', 'link', 'show', 'va'])).toContain('promiscuity 1');
    const before = linkStats(ns, 'vb');
    expect(ping(ns, '10.9.2.2')).toContain('3 received');
    expect(inNs(ns, ['ip', 'neigh', 'show', '10.9.2.2'])).toContain(`lladdr ${macOf(ns, 'va')}`);
    const after = linkStats(ns, 'vb');
    const done = (await d.stop()) as unknown as Done;
    expect(done.stats.icmp).toBe(3);
    expect(done.stats.arp).toBeGreaterThanOrEqual(1);
    expect(done.stats.pktTypes[1]).toBeGreaterThanOrEqual(1); // ARP request: broadcast
    expect(done.stats.pktTypes[0]).toBeGreaterThanOrEqual(3); // echo requests: to our MAC
    expect(after.rx - before.rx).toBeGreaterThanOrEqual(done.counters.txPackets!);
    expect(done.counters.txPackets).toBe(done.stats.txSent);
    expect(done.counters.txPackets).toBeGreaterThanOrEqual(4); // ARP reply + 3 echo replies
    expect(done.freeSlots).toBe(done.slotCount);
    expect(inNs(ns, ['ip', '-d', '-o', 'link', 'show', 'va'])).toContain('promiscuity 0'); // membership dropped
  });

  it('restores the 802.1Q tag the kernel stripped, so a tagged request gets a tagged reply', async () => {
    const ns = vethNs('vlan');
    const d = startDriver(ns, { port: { kind: 'afpacket', name: 'va' }, mode: 'echo' });
    const ready = await d.next('ready');
    // Receiving on vb, the kernel strips the tag again; tcpdump (libpcap) shows it from the aux data.
    const dump = capture(ns, ['tcpdump', '-i', 'vb', '-Q', 'in', '-nn', '-e', '-c', '3', 'vlan 10 and icmp']);
    await dump.listening;
    inNs(ns, ['/usr/bin/python3', fixturePy('send-tagged.py'), 'vb', macStr(ready.mac as number[]), '10', '10.9.3.1', '10.9.3.2', '3']);
    const text = await dump.done;
    const done = (await d.stop()) as unknown as Done;
    expect(done.stats.vlanIds).toEqual([10]);
    expect(done.stats.icmp).toBe(3);
    const replies = text.split('\n').filter((l) => l.includes('vlan 10') && l.includes('ICMP echo reply'));
    expect(replies).toHaveLength(3);
    expect(replies[0]).toContain(`${macOf(ns, 'va')} > ${macOf(ns, 'vb')}`);
    expect(replies[0]).toContain('10.9.3.2 > 10.9.3.1');
  });

  it('receives 1000 datagrams in batches, each seen or counted as a drop', async () => {
    const ns = vethNs('batch');
    const d = startDriver(ns, { port: { kind: 'afpacket', name: 'va' }, mode: 'count' });
    const ready = await d.next('ready');
    inNs(ns, ['ip', 'neigh', 'add', '10.9.2.3', 'lladdr', macStr(ready.mac as number[]), 'dev', 'vb']);
    udpBurst(ns, '10.9.2.3', 1000);
    await sleep(500);
    const done = (await d.stop()) as unknown as Done;
    const c = done.counters;
    expect(c.rxPackets! + c.rxKernelDrops!).toBe(1000);
    expect(c.rxPackets).toBeGreaterThan(900);
    expect(done.stats.maxBatch).toBeGreaterThan(1);
    expect(c.rxBatches).toBeLessThan(c.rxPackets!);
    expect(done.freeSlots).toBe(done.slotCount);
  });

  it('counts frames it has no free slot for as drops', async () => {
    const ns = vethNs('full');
    const d = startDriver(ns, { port: { kind: 'afpacket', name: 'va' }, mode: 'count', hold: true, slab: { slots: 32, rxBatch: 16 } });
    const ready = await d.next('ready');
    expect(ready.freeSlots).toBe(32);
    inNs(ns, ['ip', 'neigh', 'add', '10.9.2.3', 'lladdr', macStr(ready.mac as number[]), 'dev', 'vb']);
    udpBurst(ns, '10.9.2.3', 100);
    await sleep(300);
    const done = (await d.stop()) as unknown as Done;
    expect(done.stats.held).toBe(32);
    expect(done.counters.rxPackets).toBe(32);
    expect(done.counters.rxDropNoSlot! + done.counters.rxKernelDrops!).toBe(68);
    expect(done.freeSlots).toBe(32); // released at stop
  });

  it('sends allocated frames in batches (sendmmsg) and they arrive at the peer', async () => {
    const ns = vethNs('tx');
    const before = linkStats(ns, 'vb');
    const d = startDriver(ns, {
      port: { kind: 'afpacket', name: 'va' }, mode: 'blast', count: 500, burst: 50, size: 200,
      dstMac: macOf(ns, 'vb').split(':').map((h) => parseInt(h, 16)), srcIp: '10.9.2.2', dstIp: '10.9.2.1',
    });
    const blasted = await d.next('blasted');
    expect(blasted).toMatchObject({ made: 500, noSlot: 0 });
    const done = (await d.stop()) as unknown as Done;
    expect(done.counters.txPackets).toBe(500);
    expect(done.counters.txBytes).toBe(500 * 200);
    expect(done.counters.txCalls).toBe(10); // one call per flush of 50
    expect(linkStats(ns, 'vb').rx - before.rx).toBeGreaterThanOrEqual(500);
    expect(done.freeSlots).toBe(done.slotCount);
  });

  it('counts a full transmit queue (EAGAIN) as drops instead of throwing', async () => {
    const ns = vethNs('eagain');
    // A slow qdisc keeps sent frames charged to the socket; a minimal send buffer then fills at once.
    inNs(ns, ['tc', 'qdisc', 'add', 'dev', 'va', 'root', 'tbf', 'rate', '100kbit', 'burst', '2000', 'limit', '10000000']);
    const d = startDriver(ns, {
      port: { kind: 'afpacket', name: 'va', sndbuf: 1 }, mode: 'blast', count: 300, burst: 100, size: 1000,
      dstMac: macOf(ns, 'vb').split(':').map((h) => parseInt(h, 16)), srcIp: '10.9.2.2', dstIp: '10.9.2.1',
    });
    await d.next('blasted');
    const done = (await d.stop()) as unknown as Done;
    const c = done.counters;
    expect(c.txDropEagain).toBeGreaterThan(0);
    expect(c.txPackets! + c.txDropEagain! + c.txDropEnobufs! + c.txErrors!).toBe(300);
    expect(done.freeSlots).toBe(done.slotCount);
    expect(d.stderr()).toBe('');
  });
});
