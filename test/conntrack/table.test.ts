/**
 * The connection table on its own: lookup in both directions, expiry on
 * lookup and by the bounded GC scan, destroy from any chain position,
 * early drop of unassured entries only, flush, the kernel's sizing, and a
 * property: any sequence of inserts and deletes leaves exactly the live
 * entries findable under both tuples.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConntrackTable, Status } from '../../src/conntrack/table.js';
import { Tuple, invert } from '../../src/conntrack/tuple.js';
import { defaultBuckets, tableSize } from '../../src/conntrack/sizing.js';

const tuple = (src: number, dst: number, sport: number, dport: number, proto = 17): Tuple => {
  const t = new Tuple();
  t.src = src; t.dst = dst; t.ports = ((sport << 16) | dport) >>> 0; t.proto = proto;
  return t;
};
const reply = (o: Tuple): Tuple => {
  const r = new Tuple();
  invert(o, r);
  return r;
};
function add(tb: ConntrackTable, o: Tuple, now = 0, ttl = 1000): number {
  const s = tb.alloc(o, reply(o), 0, now);
  if (s >= 0) {
    tb.setExpires(s, now + ttl);
    tb.confirm(s);
  }
  return s;
}

describe('conntrack table', () => {
  it('finds an entry by either tuple, with the direction', () => {
    const tb = new ConntrackTable(16, 4);
    const o = tuple(1, 2, 1000, 53);
    const s = add(tb, o);
    expect(tb.find(o, 0, 0)).toBe(s * 2);
    expect(tb.find(reply(o), 0, 0)).toBe(s * 2 + 1);
    expect(tb.find(o, 1, 0)).toBe(-1); // another zone
    expect(tb.find(tuple(1, 2, 1000, 54), 0, 0)).toBe(-1);
  });

  it('an unconfirmed entry is not found; discard frees it', () => {
    const tb = new ConntrackTable(4, 4);
    const o = tuple(1, 2, 3, 4);
    const s = tb.alloc(o, reply(o), 0, 0);
    expect(tb.find(o, 0, 0)).toBe(-1);
    expect(tb.count).toBe(1);
    tb.discard(s);
    expect(tb.count).toBe(0);
  });

  it('expires on lookup and by the GC scan', () => {
    const tb = new ConntrackTable(8, 2);
    const a = tuple(1, 2, 3, 4), b = tuple(5, 6, 7, 8);
    add(tb, a, 0, 100);
    add(tb, b, 0, 100);
    expect(tb.find(a, 0, 100)).toBe(-1);
    expect(tb.count).toBe(1);
    tb.gc(100, 8);
    expect(tb.count).toBe(0);
  });

  it('early drop evicts unassured entries only, else refuses', () => {
    const tb = new ConntrackTable(2, 1);
    const s1 = add(tb, tuple(1, 2, 3, 4));
    add(tb, tuple(1, 2, 3, 5));
    tb.addStatus(s1, Status.ASSURED);
    const s3 = add(tb, tuple(1, 2, 3, 6));
    expect(s3).toBeGreaterThanOrEqual(0);
    expect(tb.earlyDrops).toBe(1);
    expect(tb.find(tuple(1, 2, 3, 4), 0, 0)).toBe(s1 * 2);
    tb.addStatus(s3, Status.ASSURED);
    expect(add(tb, tuple(1, 2, 3, 7))).toBe(-1);
    expect(tb.allocFailures).toBe(1);
  });

  it('flush deletes every confirmed entry and lists nothing after', () => {
    const tb = new ConntrackTable(32, 8);
    for (let i = 0; i < 20; i++) add(tb, tuple(1, 2, i, 80, 6));
    expect([...tb.confirmedSlots()]).toHaveLength(20);
    expect(tb.flush()).toBe(20);
    expect([...tb.confirmedSlots()]).toHaveLength(0);
    expect(tb.count).toBe(0);
  });

  it('sizes like the kernel: RAM/128 KiB buckets, 65536 above 1 GiB, 262144 above 4 GiB, multiple of 512, max = buckets', () => {
    expect(defaultBuckets(512 * 1024 ** 2)).toBe(4096);
    expect(defaultBuckets(2 * 1024 ** 3)).toBe(65536);
    expect(defaultBuckets(24 * 1024 ** 3)).toBe(262144);
    expect(defaultBuckets(64 * 1024 ** 2)).toBe(1024);
    expect(tableSize(0, 0, 24 * 1024 ** 3)).toEqual({ max: 262144, buckets: 262144 });
    expect(tableSize(1000, 0)).toEqual({ max: 1000, buckets: 1000 });
  });

  it('property: after any inserts and deletes, exactly the live entries are found under both tuples', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }), (ops) => {
      const tb = new ConntrackTable(64, 7);
      const live = new Map<number, number>();
      for (const [ins, k] of ops) {
        const o = tuple(10, 20, k, 99);
        if (ins && !live.has(k)) {
          const s = add(tb, o, 0, 1e9);
          if (s >= 0) live.set(k, s);
        } else if (!ins && live.has(k)) {
          tb.destroy(live.get(k)!);
          live.delete(k);
        }
      }
      expect(tb.count).toBe(live.size);
      for (let k = 0; k <= 40; k++) {
        const o = tuple(10, 20, k, 99);
        const s = live.get(k);
        expect(tb.find(o, 0, 0)).toBe(s === undefined ? -1 : s * 2);
        expect(tb.find(reply(o), 0, 0)).toBe(s === undefined ? -1 : s * 2 + 1);
      }
    }));
  });
});
