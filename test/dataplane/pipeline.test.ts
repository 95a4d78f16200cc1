/**
 * The pipeline on known bytes, no root needed: fake ports record what they
 * send, the net layer is the real one. Every malformed-frame reason is
 * counted and dropped (never thrown), forwarding rewrites in place, the
 * router answers ARP, echo, TTL expiry, frag-needed, no route; a neighbour
 * miss parks the packet and solicits. Slot accounting: every slot handed in
 * ends sent, parked or released.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/types.js';
import { Pipeline, HEADROOM } from '../../src/dataplane/pipeline.js';
import type { PortIO, SlabIO } from '../../src/dataplane/deps.js';
import { Interfaces, IcmpLimiter, Neighbours, buildRoutes } from '../../src/net/index.js';
import { DropReason, internetChecksum, setIpChecksum, setUdpChecksum, ipHeaderChecksumOk } from '../../src/packet/index.js';
import { interpret } from '../../src/rules/interpreter.js';
import { runIptablesRestore } from '../../src/iptables/index.js';
import type { Ruleset } from '../../src/rules/model.js';
import { DataplaneRuleHost } from '../../src/dataplane/rule-host.js';

const SLOT = 2048;
const SLOTS = 64;
const ip = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
const MAC_LAN = [2, 0, 0, 0, 1, 1];
const MAC_WAN = [2, 0, 0, 0, 2, 1];
const MAC_HOST = [2, 0, 0, 0, 1, 2];
const MAC_PEER = [2, 0, 0, 0, 2, 2];

class FakeSlab implements SlabIO {
  readonly buf = new Uint8Array(SLOT * SLOTS);
  readonly slotSize = SLOT;
  free: number[] = Array.from({ length: SLOTS }, (_, i) => SLOTS - 1 - i);
  slotOffset(s: number) { return s * SLOT; }
  alloc() { return this.free.length ? this.free.pop()! : -1; }
  release(s: number) {
    if (this.free.includes(s)) throw new Error(`slot ${s} released twice`);
    this.free.push(s);
  }
}

class FakePort implements PortIO {
  sent: Uint8Array[] = [];
  queued: { slot: number; off: number; len: number }[] = [];
  constructor(readonly ifIndex: number, readonly l2: boolean, readonly mac: Uint8Array, private slab: FakeSlab) {}
  queueTx(slot: number, off: number, len: number) { this.queued.push({ slot, off, len }); }
  flush() {
    for (const q of this.queued) {
      const o = this.slab.slotOffset(q.slot) + q.off;
      this.sent.push(this.slab.buf.slice(o, o + q.len));
      this.slab.release(q.slot);
    }
    this.queued = [];
  }
}

function setup(rules?: string) {
  const slab = new FakeSlab();
  const ports = [
    new FakePort(0, true, Uint8Array.from(MAC_LAN), slab),
    new FakePort(1, true, Uint8Array.from(MAC_WAN), slab),
    new FakePort(2, false, new Uint8Array(6), slab), // TUN, MTU 1400
    new FakePort(3, false, new Uint8Array(6), slab), // host port
  ];
  const list = [
    { name: 'lan0', mtu: 1500, addresses: [{ addr: ip('10.1.1.1'), prefix: 24 }] },
    { name: 'wan0', mtu: 1500, addresses: [{ addr: ip('10.1.2.1'), prefix: 24 }] },
    { name: 'tun0', mtu: 1400, addresses: [{ addr: ip('10.1.4.1'), prefix: 24 }] },
    { name: 'rg-host', mtu: 1500, addresses: [] },
  ];
  const ifaces = new Interfaces(list);
  const routes = buildRoutes(list, [], new Map(list.map((l, i) => [l.name, i])));
  let now = 1000;
  let p: Pipeline;
  const solicits: number[] = [];
  const neigh = new Neighbours(DEFAULTS.arp, {
    solicit: (i, a) => { solicits.push(a); p.solicit(i, a); },
    release: (i, s, o, l, m, mo) => p.sendResolved(i, s, o, l, m, mo),
    failed: (i, s, o, l) => p.neighbourFailed(i, s, o, l),
    overflow: (i, s) => p.dropParked(i, s),
  }, () => now);
  let rs: Ruleset = { tables: new Map() };
  if (rules) {
    const r = runIptablesRestore([], rules, rs);
    expect(r.status, r.stderr).toBe(0);
    rs = r.ruleset;
  }
  const logs: string[] = [];
  const host = new DataplaneRuleHost(list.map((l) => l.name), (r) => logs.push(r.line), () => now);
  p = new Pipeline({ slab, ports, ifaces, routes, neigh, icmpLimit: new IcmpLimiter(DEFAULTS.icmp), hostIf: 3, nowMs: () => now }, interpret(rs, host));
  host.pipeline = p;
  /** Teach rawgate the WAN peer's MAC (as an ARP reply would). */
  const learnPeer = () => {
    const m = Uint8Array.from(MAC_PEER);
    neigh.learn(1, ip('10.1.2.2'), m, 0, true);
  };
  const rx = (ifIndex: number, frame: Uint8Array, off = 0) => {
    const s = slab.alloc();
    const o = slab.slotOffset(s) + off;
    slab.buf.set(frame, o);
    p.beginBatch();
    if (ports[ifIndex].l2) p.receiveL2(ifIndex, s, o, frame.length, -1);
    else p.receiveL3(ifIndex, s, o, frame.length);
    p.endBatch();
  };
  return { slab, ports, p, rx, learnPeer, solicits, advance: (ms: number) => { now += ms; neigh.tick(now); p.endBatch(); } };
}

/** An IPv4 packet (no Ethernet): UDP with `payload` bytes, or ICMP echo when proto is 1. */
function ipPacket(src: string, dst: string, o: { ttl?: number; proto?: number; payload?: number; df?: boolean } = {}): Uint8Array {
  const proto = o.proto ?? 17;
  const pl = o.payload ?? 16;
  const l4 = 8 + pl;
  const b = new Uint8Array(20 + l4);
  b[0] = 0x45; b[2] = (20 + l4) >> 8; b[3] = (20 + l4) & 255; b[4] = 0x12; b[5] = 0x34;
  if (o.df) b[6] = 0x40;
  b[8] = o.ttl ?? 64; b[9] = proto;
  const dv = new DataView(b.buffer);
  dv.setUint32(12, ip(src)); dv.setUint32(16, ip(dst));
  for (let i = 0; i < pl; i++) b[28 + i] = i & 255;
  if (proto === 17) {
    dv.setUint16(20, 4000); dv.setUint16(22, 53); dv.setUint16(24, l4);
    setUdpChecksum(b, 0, 20, l4);
  } else {
    b[20] = 8; dv.setUint16(24, 7); dv.setUint16(26, 1);
    dv.setUint16(22, internetChecksum(b, 20, l4));
  }
  setIpChecksum(b, 0);
  return b;
}

function eth(dst: number[], src: number[], type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(dst, 0); f.set(src, 6); f[12] = type >> 8; f[13] = type & 255; f.set(payload, 14);
  return f;
}

function arpRequest(srcMac: number[], spa: string, tpa: string): Uint8Array {
  const a = new Uint8Array(28);
  const dv = new DataView(a.buffer);
  dv.setUint16(0, 1); dv.setUint16(2, 0x0800); a[4] = 6; a[5] = 4; dv.setUint16(6, 1);
  a.set(srcMac, 8); dv.setUint32(14, ip(spa)); dv.setUint32(24, ip(tpa));
  return eth([255, 255, 255, 255, 255, 255], srcMac, 0x0806, a);
}

const drops = (p: Pipeline, ifIndex: number, r: number) => p.counters.rxDrops[ifIndex * p.counters.rxDrops.length / p.counters.names.length + r];

describe('pipeline', () => {
  it('counts and drops every kind of malformed frame, never throwing, releasing each slot', () => {
    const t = setup();
    const good = ipPacket('10.1.1.2', '10.1.2.2');
    const cases: [Uint8Array, number][] = [
      [new Uint8Array(10), DropReason.FRAME_TRUNCATED],
      [eth(MAC_LAN, MAC_HOST, 0x86dd, new Uint8Array(40)), DropReason.NOT_IPV4],
      [eth(MAC_LAN, MAC_HOST, 0x0800, good.subarray(0, 12)), DropReason.IP_TRUNCATED],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 0 ? 0x65 : v))), DropReason.IP_BAD_VERSION],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 0 ? 0x44 : v))), DropReason.IP_BAD_IHL],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 2 ? 0x09 : v))), DropReason.IP_BAD_TOTAL_LENGTH],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 10 ? v ^ 0xff : v))), DropReason.IP_BAD_CHECKSUM],
      [eth(MAC_LAN, MAC_HOST, 0x0806, new Uint8Array(10)), DropReason.ARP_MALFORMED],
    ];
    for (const [frame, reason] of cases) {
      expect(() => t.rx(0, frame)).not.toThrow();
      expect(drops(t.p, 0, reason), `reason ${reason}`).toBe(1);
    }
    expect(t.slab.free.length).toBe(SLOTS);
    expect(t.ports.every((p) => p.sent.length === 0)).toBe(true);
  });

  it('answers ARP for its own address on that port only', () => {
    const t = setup();
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1'));
    expect(t.ports[0].sent).toHaveLength(1);
    const r = t.ports[0].sent[0];
    expect([...r.subarray(0, 6)]).toEqual(MAC_HOST);
    expect([...r.subarray(6, 12)]).toEqual(MAC_LAN);
    expect(r[21]).toBe(2); // op reply
    expect([...r.subarray(22, 28)]).toEqual(MAC_LAN);
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.2.1'));
    expect(t.ports[0].sent).toHaveLength(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('forwards with TTL - 1 and a valid header checksum, after resolving the next hop', () => {
    const t = setup();
    const pkt = ipPacket('10.1.1.2', '10.1.2.2', { ttl: 64 });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt));
    // Miss: parked, and an ARP request for 10.1.2.2 went out of wan0.
    expect(t.solicits).toEqual([ip('10.1.2.2')]);
    expect(t.ports[1].sent).toHaveLength(1);
    expect(t.ports[1].sent[0][21]).toBe(1);
    t.learnPeer();
    t.p.endBatch();
    const out = t.ports[1].sent[1];
    expect([...out.subarray(0, 6)]).toEqual(MAC_PEER);
    expect([...out.subarray(6, 12)]).toEqual(MAC_WAN);
    expect(out[14 + 8]).toBe(63);
    expect(ipHeaderChecksumOk(out, 14, 20)).toBe(true);
    expect([...out.subarray(14 + 20)]).toEqual([...pkt.subarray(20)]);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('answers TTL 1 with time exceeded, no route with net unreachable, and echo to itself', () => {
    const t = setup();
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2', { ttl: 1 })));
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '192.0.2.1')));
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.1.1', { proto: 1 })));
    // Replies to 10.1.1.2 wait for its MAC: rawgate asked for it; an ARP request from the host teaches it.
    expect(t.ports[0].sent.filter((f) => f[12] === 8 && f[13] === 6)).toHaveLength(1);
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1'));
    const icmp = t.ports[0].sent.filter((f) => f[12] === 8 && f[13] === 0 && f[14 + 9] === 1);
    const kinds = icmp.map((f) => `${f[34]}/${f[35]}`).sort();
    expect(kinds).toEqual(['0/0', '11/0', '3/0']);
    for (const f of icmp) expect(new DataView(f.buffer, f.byteOffset).getUint32(14 + 12)).toBe(ip('10.1.1.1'));
    expect(drops(t.p, 0, DropReason.TTL_EXPIRED)).toBe(1);
    expect(drops(t.p, 0, DropReason.NO_ROUTE)).toBe(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('sends frag-needed with the next-hop MTU for DF, and fragments without DF (TUN, MTU 1400)', () => {
    const t = setup();
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.4.2', { payload: 1472 - 8 + 8, df: true })));
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1'));
    const fn = t.ports[0].sent.find((f) => f[12] === 8 && f[14 + 9] === 1 && f[34] === 3);
    expect(fn && [fn[35], (fn[40] << 8) | fn[41]]).toEqual([4, 1400]);
    expect(drops(t.p, 0, DropReason.FRAG_NEEDED)).toBe(1);

    const big = ipPacket('10.1.1.2', '10.1.4.2', { payload: 1472 });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, big));
    const frags = t.ports[2].sent;
    expect(frags.length).toBe(2);
    expect(frags.every((f) => f.length <= 1400 && ipHeaderChecksumOk(f, 0, 20))).toBe(true);
    const payload = new Uint8Array(1480);
    let total = 0;
    for (const f of frags) {
      const off = (((f[6] & 0x1f) << 8) | f[7]) * 8;
      payload.set(f.subarray(20), off);
      total += f.length - 20;
    }
    expect(total).toBe(1480);
    expect([...payload]).toEqual([...big.subarray(20)]);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('hands packets for its own addresses to the host port and filters them in INPUT', () => {
    const t = setup('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 53 -j DROP\nCOMMIT\n');
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.1.1', { proto: 17 })));
    expect(t.ports[3].sent).toHaveLength(0);
    expect(drops(t.p, 0, DropReason.FILTER_DROP)).toBe(1);
    const tcpish = ipPacket('10.1.1.2', '10.1.1.1', { proto: 17 });
    tcpish[23] = 54; // dport 54
    setUdpChecksum(tcpish, 0, 20, tcpish.length - 20);
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, tcpish));
    expect(t.ports[3].sent).toHaveLength(1);
    expect(t.ports[3].sent[0].length).toBe(tcpish.length);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('leaves room for an Ethernet header when a TUN packet goes out of an Ethernet port', () => {
    const t = setup();
    t.learnPeer();
    t.rx(2, ipPacket('10.1.4.2', '10.1.2.2'), 16);
    expect(t.ports[1].sent).toHaveLength(1);
    expect(t.ports[1].sent[0][14 + 8]).toBe(63);
    expect(HEADROOM).toBeGreaterThanOrEqual(14);
  });

  it('never throws and never loses a slot on random frames (mutations of a good one, and noise)', () => {
    const t = setup();
    t.learnPeer();
    const good = eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2', { payload: 40 }));
    const mutated = fc.tuple(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(good.length))
      .map(([edits, cut]) => {
        const f = good.slice(0, Math.max(1, cut));
        for (const [i, v] of edits) if (i < f.length) f[i] = v;
        return f;
      });
    const noise = fc.uint8Array({ minLength: 1, maxLength: 200 });
    fc.assert(fc.property(fc.oneof(mutated, noise), fc.boolean(), (frame, l3) => {
      if (l3) t.rx(2, frame.subarray(Math.min(14, frame.length - 1)), 16);
      else t.rx(0, frame);
      for (const p of t.ports) p.flush();
      return t.slab.free.length === SLOTS;
    }), { numRuns: 2000 });
  });

  it('MIRROR sends the packet back out of its interface with the addresses swapped (2.4 semantics)', () => {
    const t = setup('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p udp --dport 53 -j MIRROR\nCOMMIT\n');
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1')); // rawgate learns the LAN host
    const sentBefore = t.ports[0].sent.length;
    const pkt = ipPacket('10.1.1.2', '10.1.2.2', { ttl: 64 });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt));
    const back = t.ports[0].sent.slice(sentBefore);
    expect(back).toHaveLength(1);
    const f = back[0];
    expect([...f.subarray(0, 6)]).toEqual(MAC_HOST);
    const dv = new DataView(f.buffer, f.byteOffset);
    expect([dv.getUint32(14 + 12), dv.getUint32(14 + 16)]).toEqual([ip('10.1.2.2'), ip('10.1.1.2')]);
    expect(f[14 + 8]).toBe(63); // decremented once, by forwarding
    expect(ipHeaderChecksumOk(f, 14, 20)).toBe(true);
    expect(t.ports[1].sent.filter((x) => x[12] === 8 && x[13] === 0)).toHaveLength(0);
    expect(drops(t.p, 0, DropReason.REJECTED)).toBe(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('runs the security table after filter on FORWARD', () => {
    const t = setup('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p udp -j ACCEPT\nCOMMIT\n' +
      '*security\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p udp --dport 53 -j DROP\nCOMMIT\n');
    t.learnPeer();
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2')));
    expect(t.ports[1].sent).toHaveLength(0);
    expect(drops(t.p, 0, DropReason.FILTER_DROP)).toBe(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });
});
