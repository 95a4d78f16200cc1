/**
 * The port choice of get_unique_tuple / nf_nat_l4proto_unique_tuple, on a
 * table whose every candidate is taken: the keys tried are exactly the
 * kernel's schedule — 128 consecutive from a random offset, then 64, 32, 16
 * and 8 from new random offsets, then give up (nat_exhausted) — in the source
 * port's class; a free original tuple is kept; a DNAT without a port range
 * never changes the port.
 */
import { describe, expect, it } from 'vitest';
import { ConntrackTable } from '../../src/conntrack/table.js';
import { Tuple, invert } from '../../src/conntrack/tuple.js';
import { Nat } from '../../src/nat/nat.js';
import { PacketContext } from '../../src/packet/context.js';
import { CtState } from '../../src/rules/ctstate.js';
import { Hook } from '../../src/rules/model.js';
import { Verdict } from '../../src/rules/verdict.js';
import type { Target } from '../../src/rules/targets.js';

const ip = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;

function udp(src: string, sport: number, dst: string, dport: number): Tuple {
  const t = new Tuple();
  t.src = ip(src); t.dst = ip(dst); t.ports = ((sport << 16) | dport) >>> 0; t.proto = 17;
  return t;
}

/** A table with one confirmed connection per given original tuple; returns the table and a spy on find(). */
function world(taken: Tuple[]) {
  const tb = new ConntrackTable(70000, 4096);
  for (const o of taken) {
    const r = new Tuple();
    invert(o, r);
    const s = tb.alloc(o, r, 0, 0);
    tb.setExpires(s, 1e12);
    tb.confirm(s);
  }
  const tried: number[] = [];
  const find = tb.find.bind(tb);
  tb.find = (t, zone, now) => {
    tried.push(t.ports & 0xffff); // the reply tuple's dport: the candidate source port
    return find(t, zone, now);
  };
  return { tb, tried };
}

/** SNAT the new connection `o` in POSTROUTING with target t; the NAT's random16 yields `offs` in turn. */
function snat(tb: ConntrackTable, o: Tuple, t: Target, offs: number[]): { verdict: number; exhausted: number; ports: number } {
  const r = new Tuple();
  invert(o, r);
  const slot = tb.alloc(o, r, 0, 0);
  let k = 0;
  const nat = new Nat(tb, { primaryAddress: () => ip('192.0.2.1') }, () => 1, () => offs[k++ % offs.length]!);
  const ctx = new PacketContext();
  ctx.ctIndex = slot; ctx.ctState = CtState.NEW; ctx.proto = 17; ctx.outIf = 1;
  const rules = { evaluate: () => nat.target(ctx, t as never), lastDropWasPolicy: false, ruleset: { tables: new Map() } };
  // The NAT stage runs the target through "the nat table" (here: the target alone).
  const verdict = nat.stage.enter(Hook.POSTROUTING, ctx, rules as never);
  return { verdict, exhausted: nat.exhausted, ports: tb.ports(slot * 2 + 1) & 0xffff };
}

const MASQ: Target = { kind: 'MASQUERADE', minPort: 0, maxPort: 0, random: false, randomFully: false };

describe('NAT port choice, as the kernel schedules it', () => {
  it('keeps the original port when its tuple is free', () => {
    const { tb } = world([]);
    const r = snat(tb, udp('10.0.0.2', 40000, '198.51.100.7', 53), MASQ, [0]);
    expect(r).toEqual({ verdict: Verdict.ACCEPT, exhausted: 0, ports: 40000 });
  });

  it('all of 1024–65535 taken: 128 tries from the offset, then 64, 32, 16, 8 from new offsets, then nat_exhausted', () => {
    const taken: Tuple[] = [];
    // Every source port of 192.0.2.1 towards 198.51.100.7:53 is in use (by SNATed or local flows).
    for (let p = 1024; p <= 65535; p++) taken.push(udp('192.0.2.1', p, '198.51.100.7', 53));
    const { tb, tried } = world(taken);
    tried.length = 0;
    const r = snat(tb, udp('10.0.0.2', 40000, '198.51.100.7', 53), MASQ, [100, 5000, 70, 64511, 300]);
    expect(r.verdict).toBe(Verdict.DROP);
    expect(r.exhausted).toBe(1);
    // Before the schedule: the original tuple (in the class, but taken) and the kept-port check.
    const schedule = tried.slice(tried.length - 248);
    const expectRun = (off: number, n: number) => Array.from({ length: n }, (_, i) => 1024 + ((off + i) % 64512));
    expect(schedule).toEqual([...expectRun(100, 128), ...expectRun(5000, 64), ...expectRun(70, 32), ...expectRun(64511, 16), ...expectRun(300, 8)]);
  });

  it('ports below 1024 stay in their class: 600–1023 for 700', () => {
    const taken = [udp('192.0.2.1', 700, '198.51.100.7', 53)];
    const { tb } = world(taken);
    const r = snat(tb, udp('10.0.0.2', 700, '198.51.100.7', 53), MASQ, [3]);
    expect(r.ports).toBe(603);
  });

  it('a DNAT without a port range never changes the port, even on a clash', () => {
    const { tb } = world([]);
    const o = udp('203.0.113.9', 5555, '192.0.2.1', 8080);
    const r = new Tuple();
    invert(o, r);
    const slot = tb.alloc(o, r, 0, 0);
    const nat = new Nat(tb, { primaryAddress: () => 0 }, () => 1, () => 999);
    const ctx = new PacketContext();
    ctx.ctIndex = slot; ctx.ctState = CtState.NEW; ctx.proto = 17;
    const t: Target = { kind: 'DNAT', range: { minIp: ip('10.1.1.2'), maxIp: ip('10.1.1.2'), minPort: 0, maxPort: 0, basePort: 0 }, random: false, randomFully: false, persistent: false };
    const rules = { evaluate: () => nat.target(ctx, t as never), lastDropWasPolicy: false, ruleset: { tables: new Map() } };
    expect(nat.stage.enter(Hook.PREROUTING, ctx, rules as never)).toBe(Verdict.ACCEPT);
    expect(tb.src(slot * 2 + 1)).toBe(ip('10.1.1.2'));
    expect(tb.ports(slot * 2 + 1) >>> 16).toBe(8080);
  });
});
