import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArpConfig } from '../../src/config/types.js';
import { DEFAULTS } from '../../src/config/types.js';
import { Neighbours, NUD_FAILED, NUD_FREE, NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE } from '../../src/net/index.js';

type Ev = string;

function setup(over: Partial<ArpConfig> = {}) {
  const cfg: ArpConfig = { ...DEFAULTS.arp, ...over };
  const clock = { t: 1000 };
  const ev: Ev[] = [];
  const n = new Neighbours(
    cfg,
    {
      solicit: (i, a) => ev.push(`solicit ${i} ${a}`),
      release: (i, s, o, l, mac, m) => ev.push(`release ${i} ${s} ${o} ${l} ${mac[m]}:${mac[m + 5]}`),
      failed: (i, s, o, l) => ev.push(`failed ${i} ${s} ${o} ${l}`),
      overflow: (i, s) => ev.push(`overflow ${i} ${s}`),
    },
    () => clock.t,
  );
  const tick = (t: number): void => {
    clock.t = t;
    n.tick(t);
  };
  return { n, ev, clock, tick, cfg };
}

const MAC = Uint8Array.of(0, 0xaa, 1, 2, 3, 0xbb);
const buf = new Uint8Array(32);

describe('Neighbours', () => {
  it('miss → park → solicit once; learn → release in order, then hits', () => {
    const { n, ev } = setup();
    expect(n.resolve(1, 42, buf, 0)).toBe(false);
    expect(n.park(1, 42, 7, 100, 60)).toBe(true);
    expect(n.park(1, 42, 8, 200, 61)).toBe(true);
    expect(n.park(1, 42, 9, 300, 62)).toBe(true);
    expect(ev).toEqual(['solicit 1 42']);
    expect(n.stateOf(1, 42)).toBe(NUD_INCOMPLETE);
    expect(n.entries()).toEqual([{ ifIndex: 1, addr: 42, mac: '', state: 'INCOMPLETE', queued: 3 }]);
    // Same address on another interface is another entry.
    expect(n.resolve(2, 42, buf, 0)).toBe(false);
    n.learn(1, 42, MAC, 0, true);
    expect(ev.slice(1)).toEqual(['release 1 7 100 60 0:187', 'release 1 8 200 61 0:187', 'release 1 9 300 62 0:187']);
    expect(n.stateOf(1, 42)).toBe(NUD_REACHABLE);
    const out = new Uint8Array(20);
    expect(n.resolve(1, 42, out, 8)).toBe(true);
    expect([...out.subarray(8, 14)]).toEqual([...MAC]);
    expect(n.entries()[0].mac).toBe('00:aa:01:02:03:bb');
    expect(n.counts.hits).toBe(1);
    expect(n.counts.misses).toBe(2);
    expect(n.counts.released).toBe(3);
  });

  it('creates entries from ARP only for replies or requests for us', () => {
    const { n } = setup();
    n.learn(0, 5, MAC, 0, false);
    expect(n.stateOf(0, 5)).toBe(NUD_FREE);
    n.learn(0, 5, MAC, 0, true);
    expect(n.stateOf(0, 5)).toBe(NUD_REACHABLE);
    // An existing entry is updated by any ARP traffic.
    const m2 = Uint8Array.of(9, 9, 9, 9, 9, 9);
    n.learn(0, 5, m2, 0, false);
    const out = new Uint8Array(6);
    n.resolve(0, 5, out, 0);
    expect([...out]).toEqual([...m2]);
  });

  it('retransmits every retransMs, then fails the parked packets', () => {
    const { n, ev, tick } = setup({ retries: 3, retransMs: 1000 });
    n.park(0, 9, 1, 10, 20);
    n.park(0, 9, 2, 10, 21);
    tick(1500);
    expect(ev).toEqual(['solicit 0 9']);
    tick(2000);
    tick(3000);
    expect(ev).toEqual(['solicit 0 9', 'solicit 0 9', 'solicit 0 9']);
    expect(n.stateOf(0, 9)).toBe(NUD_INCOMPLETE);
    tick(4000);
    expect(ev.slice(3)).toEqual(['failed 0 1 10 20', 'failed 0 2 10 21']);
    expect(n.stateOf(0, 9)).toBe(NUD_FAILED);
    expect(n.counts.resolutionsFailed).toBe(1);
    // A FAILED entry is a miss; a new packet restarts resolution.
    expect(n.resolve(0, 9, buf, 0)).toBe(false);
    expect(n.park(0, 9, 3, 10, 22)).toBe(true);
    expect(n.stateOf(0, 9)).toBe(NUD_INCOMPLETE);
    expect(ev.at(-1)).toBe('solicit 0 9');
  });

  it('drops the oldest parked packet when the queue is full', () => {
    const { n, ev } = setup({ queueLen: 2 });
    n.park(0, 1, 10, 0, 1);
    n.park(0, 1, 11, 0, 1);
    expect(n.park(0, 1, 12, 0, 1)).toBe(true);
    expect(n.park(0, 1, 13, 0, 1)).toBe(true);
    expect(ev).toEqual(['solicit 0 1', 'overflow 0 10', 'overflow 0 11']);
    n.learn(0, 1, MAC, 0, true);
    expect(ev.slice(3).map((e) => e.split(' ')[2])).toEqual(['12', '13']);
    expect(n.counts.overflow).toBe(2);
  });

  it('ages REACHABLE → STALE (still used, re-solicited once) → freed', () => {
    const { n, ev, tick } = setup({ reachableMs: 30_000, staleMs: 60_000 });
    n.learn(0, 3, MAC, 0, true); // at t=1000
    tick(30_999);
    expect(n.stateOf(0, 3)).toBe(NUD_REACHABLE);
    tick(31_000);
    expect(n.stateOf(0, 3)).toBe(NUD_STALE);
    expect(n.resolve(0, 3, buf, 0)).toBe(true);
    expect(n.resolve(0, 3, buf, 0)).toBe(true);
    expect(ev).toEqual(['solicit 0 3']);
    tick(90_999);
    expect(n.stateOf(0, 3)).toBe(NUD_STALE);
    tick(91_000);
    expect(n.stateOf(0, 3)).toBe(NUD_FREE);
    expect(n.size()).toBe(0);
  });

  it('a reply to the stale re-solicitation makes it REACHABLE again', () => {
    const { n, tick } = setup({ reachableMs: 100, staleMs: 1000 });
    n.learn(0, 3, MAC, 0, true);
    tick(1100);
    expect(n.stateOf(0, 3)).toBe(NUD_STALE);
    n.resolve(0, 3, buf, 0);
    n.learn(0, 3, MAC, 0, true);
    expect(n.stateOf(0, 3)).toBe(NUD_REACHABLE);
  });

  it('refuses when the pool is full of unresolved entries, evicts STALE/FAILED ones', () => {
    const { n, tick } = setup({ maxEntries: 2, reachableMs: 100 });
    expect(n.park(0, 1, 1, 0, 1)).toBe(true);
    expect(n.park(0, 2, 2, 0, 1)).toBe(true);
    expect(n.park(0, 3, 3, 0, 1)).toBe(false);
    expect(n.counts.refused).toBe(1);
    n.learn(0, 1, MAC, 0, true);
    n.learn(0, 2, MAC, 0, true);
    expect(n.park(0, 3, 3, 0, 1)).toBe(false); // both REACHABLE: nothing to evict
    tick(1100);
    expect(n.stateOf(0, 1)).toBe(NUD_STALE);
    expect(n.park(0, 3, 3, 0, 1)).toBe(true);
    expect(n.counts.evicted).toBe(1);
    expect(n.size()).toBe(2);
    expect(n.stateOf(0, 3)).toBe(NUD_INCOMPLETE);
  });

  it('refuses parking when the shared node pool is exhausted', () => {
    const cfg: ArpConfig = { ...DEFAULTS.arp };
    const n = new Neighbours(cfg, { solicit() {}, release() {}, failed() {}, overflow() {} }, () => 0, { poolSize: 2 });
    expect(n.park(0, 1, 1, 0, 1)).toBe(true);
    expect(n.park(0, 2, 2, 0, 1)).toBe(true);
    expect(n.park(0, 3, 3, 0, 1)).toBe(false);
    expect(n.stateOf(0, 3)).toBe(NUD_INCOMPLETE); // resolution still goes on
  });

  it('lets callbacks re-enter (a failed packet parks on the same neighbour)', () => {
    const cfg: ArpConfig = { ...DEFAULTS.arp, retries: 1 };
    const fails: number[] = [];
    let n!: Neighbours;
    n = new Neighbours(
      cfg,
      {
        solicit() {},
        release() {},
        failed: (i, s) => {
          fails.push(s);
          if (s < 100) n.park(i, 1, s + 100, 0, 1);
        },
        overflow() {},
      },
      () => 0,
    );
    n.park(0, 1, 1, 0, 1);
    n.park(0, 1, 2, 0, 1);
    n.tick(1000);
    expect(fails).toEqual([1, 2]);
    expect(n.entries()[0]).toMatchObject({ state: 'INCOMPLETE', queued: 2 });
  });

  it('keeps every parked packet accounted for under random operations', () => {
    const opArb = fc.oneof(
      fc.record({ k: fc.constant('park' as const), a: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ k: fc.constant('learn' as const), a: fc.integer({ min: 1, max: 12 }), us: fc.boolean() }),
      fc.record({ k: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 5000 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const live = new Set<number>();
        let t = 0;
        let slot = 0;
        const done = (s: number): void => {
          expect(live.delete(s)).toBe(true);
        };
        const n = new Neighbours(
          { maxEntries: 6, reachableMs: 3000, staleMs: 6000, queueLen: 3, retries: 2, retransMs: 1000 },
          { solicit() {}, release: (_i, s) => done(s), failed: (_i, s) => done(s), overflow: (_i, s) => done(s) },
          () => t,
          { poolSize: 10 },
        );
        for (const op of ops) {
          if (op.k === 'park') {
            const s = slot++;
            if (n.resolve(0, op.a, buf, 0)) continue;
            live.add(s);
            if (!n.park(0, op.a, s, 0, 1)) live.delete(s);
          } else if (op.k === 'learn') n.learn(0, op.a, MAC, 0, op.us);
          else n.tick((t += op.dt));
        }
        const queued = n.entries().reduce((a, e) => a + e.queued, 0);
        expect(queued).toBe(live.size);
        expect(n.size()).toBeLessThanOrEqual(6);
        for (const e of n.entries()) if (e.state !== 'INCOMPLETE') expect(e.queued).toBe(0);
        // Everything parked eventually leaves.
        for (let k = 0; k < 10; k++) n.tick((t += 1000));
        expect(live.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
