/**
 * A pipeline on known bytes, no root needed: a fake slab, fake ports that
 * record what they send, the real net layer (interfaces lan0, wan0, tun0 with
 * MTU 1400, and the host port rg-host). Shared by the pipeline tests.
 */
import { expect } from 'vitest';
import { DEFAULTS } from '../../src/config/types.js';
import { Pipeline } from '../../src/dataplane/pipeline.js';
import type { HookStages } from '../../src/dataplane/hooks.js';
import type { PortIO, SlabIO } from '../../src/dataplane/deps.js';
import { Interfaces, IcmpLimiter, Neighbours, buildRoutes } from '../../src/net/index.js';
import { internetChecksum, setIpChecksum, setTcpChecksum, setUdpChecksum } from '../../src/packet/index.js';
import { interpret } from '../../src/rules/interpreter.js';
import { runIptablesRestore } from '../../src/iptables/index.js';
import type { Ruleset } from '../../src/rules/model.js';
import { DataplaneRuleHost, type LogSink } from '../../src/dataplane/rule-host.js';
import type { Conntrack } from '../../src/conntrack/conntrack.js';
import { ConntrackView } from '../../src/conntrack/view.js';
import { Defrag } from '../../src/defrag/defrag.js';
import { Nat } from '../../src/nat/nat.js';
import { DefragStage } from '../../src/defrag/stage.js';
import { DEFRAG_DEFAULTS } from '../../src/defrag/settings.js';

export const SLOT = 2048;
export const SLOTS = 64;
export const ip = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
export const MAC_LAN = [2, 0, 0, 0, 1, 1];
export const MAC_WAN = [2, 0, 0, 0, 2, 1];
export const MAC_HOST = [2, 0, 0, 0, 1, 2];
export const MAC_PEER = [2, 0, 0, 0, 2, 2];

export class FakeSlab implements SlabIO {
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

export class FakePort implements PortIO {
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

export interface SetupOptions {
  stages?: HookStages;
  onLog?: LogSink;
  /** Connection tracking for the pipeline: made with the harness's clock, attached to its rule host and hooks. */
  conntrack?: (now: () => number) => Conntrack;
}

export function setup(rules?: string, opts: SetupOptions = {}) {
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
  const host = new DataplaneRuleHost(list.map((l) => l.name), (r) => { logs.push(r.line); opts.onLog?.(r); }, () => now);
  const ct = opts.conntrack?.(() => now) ?? null;
  let stages = opts.stages;
  if (ct !== null) {
    host.attachConntrack(new ConntrackView(ct.table, () => now, (s) => ct.tcp.state(s)));
    ct.active = true;
    const defrag = new DefragStage(new Defrag(DEFRAG_DEFAULTS), () => ct.active, () => now);
    const nat = new Nat(ct.table, ifaces, () => now);
    host.attachNat(nat);
    ct.helpers.follow = nat;
    stages = { defrag, conntrack: ct.lookup, nat: nat.stage, confirm: ct.confirm };
  }
  p = new Pipeline({ slab, ports, ifaces, routes, neigh, icmpLimit: new IcmpLimiter(DEFAULTS.icmp), hostIf: 3, nowMs: () => now }, interpret(rs, host), stages);
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
  /** Teach rawgate a LAN host's MAC (10.1.1.x on lan0). */
  const learnLan = (addr: string) => neigh.learn(0, ip(addr), Uint8Array.from(MAC_HOST), 0, true);
  return { slab, ports, p, rx, learnPeer, learnLan, solicits, ct, neigh, now: () => now, advance: (ms: number) => { now += ms; neigh.tick(now); p.endBatch(); } };
}

/** An IPv4 packet (no Ethernet): UDP with `payload` bytes, or ICMP echo when proto is 1. */
export interface PacketOptions {
  ttl?: number; proto?: number; payload?: number; df?: boolean;
  /** UDP ports (default 4000 → 53). */
  sport?: number; dport?: number;
  /** ICMP type (default 8, echo) and echo id (default 7). */
  icmpType?: number; icmpId?: number;
}

/** An IPv4 packet (no Ethernet): UDP with `payload` bytes, or ICMP echo when proto is 1. */
export function ipPacket(src: string, dst: string, o: PacketOptions = {}): Uint8Array {
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
    dv.setUint16(20, o.sport ?? 4000); dv.setUint16(22, o.dport ?? 53); dv.setUint16(24, l4);
    setUdpChecksum(b, 0, 20, l4);
  } else {
    b[20] = o.icmpType ?? 8; dv.setUint16(24, o.icmpId ?? 7); dv.setUint16(26, 1);
    dv.setUint16(22, internetChecksum(b, 20, l4));
  }
  setIpChecksum(b, 0);
  return b;
}

export interface TcpOptions { seq?: number; ack?: number; win?: number; payload?: number; ttl?: number }
export const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10;

/** An IPv4 TCP segment (no options) with `payload` bytes and a valid checksum. */
export function tcpPacket(src: string, dst: string, sport: number, dport: number, flags: number, o: TcpOptions = {}): Uint8Array {
  const pl = o.payload ?? 0;
  const l4 = 20 + pl;
  const b = new Uint8Array(20 + l4);
  b[0] = 0x45; b[2] = (20 + l4) >> 8; b[3] = (20 + l4) & 255; b[8] = o.ttl ?? 64; b[9] = 6;
  const dv = new DataView(b.buffer);
  dv.setUint32(12, ip(src)); dv.setUint32(16, ip(dst));
  dv.setUint16(20, sport); dv.setUint16(22, dport);
  dv.setUint32(24, (o.seq ?? 0) >>> 0); dv.setUint32(28, (o.ack ?? 0) >>> 0);
  b[32] = 5 << 4; b[33] = flags; dv.setUint16(34, o.win ?? 65535);
  for (let i = 0; i < pl; i++) b[40 + i] = i & 255;
  setTcpChecksum(b, 0, 20, l4);
  setIpChecksum(b, 0);
  return b;
}

/** An ICMP error (default: port unreachable) from src to dst quoting the first 28 bytes of `about`. */
export function icmpError(src: string, dst: string, about: Uint8Array, type = 3, code = 3): Uint8Array {
  const quoted = about.subarray(0, 28);
  const l4 = 8 + quoted.length;
  const b = new Uint8Array(20 + l4);
  b[0] = 0x45; b[2] = (20 + l4) >> 8; b[3] = (20 + l4) & 255; b[8] = 64; b[9] = 1;
  const dv = new DataView(b.buffer);
  dv.setUint32(12, ip(src)); dv.setUint32(16, ip(dst));
  b[20] = type; b[21] = code;
  b.set(quoted, 28);
  dv.setUint16(22, internetChecksum(b, 20, l4));
  setIpChecksum(b, 0);
  return b;
}

export function eth(dst: number[], src: number[], type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(dst, 0); f.set(src, 6); f[12] = type >> 8; f[13] = type & 255; f.set(payload, 14);
  return f;
}

export function arpRequest(srcMac: number[], spa: string, tpa: string): Uint8Array {
  const a = new Uint8Array(28);
  const dv = new DataView(a.buffer);
  dv.setUint16(0, 1); dv.setUint16(2, 0x0800); a[4] = 6; a[5] = 4; dv.setUint16(6, 1);
  a.set(srcMac, 8); dv.setUint32(14, ip(spa)); dv.setUint32(24, ip(tpa));
  return eth([255, 255, 255, 255, 255, 255], srcMac, 0x0806, a);
}

export const drops = (p: Pipeline, ifIndex: number, r: number) => p.counters.rxDrops[ifIndex * p.counters.rxDrops.length / p.counters.names.length + r];


/** Split an IPv4 packet into fragments carrying `chunk` payload bytes each (a multiple of 8), DF as given. */
export function fragmentsOf(pkt: Uint8Array, chunk: number, df = false): Uint8Array[] {
  const payload = pkt.subarray(20);
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += chunk) {
    const part = payload.subarray(at, Math.min(payload.length, at + chunk));
    const f = new Uint8Array(20 + part.length);
    f.set(pkt.subarray(0, 20));
    f.set(part, 20);
    f[2] = f.length >> 8; f[3] = f.length & 255;
    const more = at + chunk < payload.length ? 0x2000 : 0;
    const word = (at >> 3) | more | (df ? 0x4000 : 0);
    f[6] = word >> 8; f[7] = word & 255;
    setIpChecksum(f, 0);
    out.push(f);
  }
  return out;
}
