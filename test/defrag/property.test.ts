import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DefragResult } from '../../src/defrag/index.js';
import { DropReason } from '../../src/packet/index.js';
import { Rig, datagram, expected, frag, rng, expectBytes } from './helpers.js';

/** Fragments of random sizes (multiples of 8, the last takes the rest) for a payload of plen bytes. */
function cut(plen: number, r: () => number, maxUnits: number): [number, number][] {
  const out: [number, number][] = [];
  let o = 0;
  while (o < plen) {
    const size = (1 + Math.floor(r() * maxUnits)) * 8;
    out.push([o, Math.min(plen, o + size)]);
    o += size;
  }
  return out;
}

function shuffle<T>(a: T[], r: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Arrival order: the fragments shuffled, plus exact copies placed before the final original. */
function arrivals(g: Uint8Array, pieces: [number, number][], r: () => number, dupRate: number): { f: Uint8Array; dup: boolean }[] {
  const list = shuffle(pieces.map(([a, b]) => ({ f: frag(g, a, b), dup: false })), r);
  const res: { f: Uint8Array; dup: boolean }[] = [];
  for (let i = 0; i < list.length; i++) {
    res.push(list[i]);
    if (i < list.length - 1 && r() < dupRate) {
      const j = Math.floor(r() * (i + 1)); // a copy of something already in
      res.push({ f: list[j].f, dup: true });
    }
  }
  return res;
}

describe('defrag: any datagram reassembles byte for byte', () => {
  it('random sizes, random order, exact duplicates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 9, max: 65515 }),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.integer(),
        (plen, maxUnits, df, dupRate, seed) => {
          const r = rng(seed);
          const g = datagram({ payload: plen, df, id: seed & 0xffff, seed });
          const pieces = cut(plen, r, maxUnits);
          fc.pre(pieces.length >= 2);
          const rig = new Rig();
          const arr = arrivals(g, pieces, r, dupRate);
          // Plain checks per fragment (an expect() per fragment would dominate the run time).
          let wrong = -1;
          for (let i = 0; i < arr.length && wrong < 0; i++) {
            const res = rig.sub(arr[i].f);
            const want = arr[i].dup ? DefragResult.DROPPED : i < arr.length - 1 ? DefragResult.QUEUED : DefragResult.COMPLETE;
            if (res !== want || (arr[i].dup && rig.d.reason !== DropReason.DEFRAG_DUPLICATE)) wrong = i;
          }
          expect(wrong).toBe(-1);
          expectBytes(rig.result(), expected(g, df));
          expect(rig.resultOk()).toBe(true);
          expect(rig.d.df).toBe(df ? 1 : 0);
          const largest = Math.max(...pieces.map(([a, b]) => b - a)) + 20;
          expect(rig.d.maxFragSize).toBe(largest);
          expect(rig.d.memory).toBe(0);
          expect(rig.d.queues).toBe(0);
          expect(rig.d.reassembled).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('interleaved datagrams from several sources (and several ids from one source)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ plen: fc.integer({ min: 9, max: 20000 }), src: fc.integer({ min: 0, max: 3 }), units: fc.integer({ min: 1, max: 200 }) }), { minLength: 2, maxLength: 6 }),
        fc.integer(),
        (specs, seed) => {
          const r = rng(seed);
          const rig = new Rig({ ipfrag_max_dist: 0 }); // one source may interleave > 64 fragments here
          const gs = specs.map((s, i) => datagram({ payload: s.plen, saddr: 0x0a000001 + s.src, id: 1000 + i, seed: seed + i }));
          const all: { k: number; f: Uint8Array; last: boolean }[] = [];
          specs.forEach((s, k) => {
            const pieces = cut(s.plen, r, s.units);
            for (const [a, b] of pieces) all.push({ k, f: frag(gs[k], a, b), last: false });
          });
          shuffle(all, r);
          const seen = new Map<number, number>();
          for (const a of all) seen.set(a.k, (seen.get(a.k) ?? 0) + 1);
          const got = new Map<number, Uint8Array>();
          const left = new Map(seen);
          for (const a of all) {
            const res = rig.sub(a.f);
            const n = left.get(a.k)! - 1;
            left.set(a.k, n);
            // A datagram of one piece is not a fragment at all: submit still completes it.
            expect(res).toBe(n === 0 ? DefragResult.COMPLETE : DefragResult.QUEUED);
            if (res === DefragResult.COMPLETE) {
              expect(rig.resultOk()).toBe(true);
              got.set(a.k, rig.result());
            }
          }
          gs.forEach((g, k) => expectBytes(got.get(k), expected(g, false)));
          expect(rig.d.memory).toBe(0);
          expect(rig.d.queues).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
