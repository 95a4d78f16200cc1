import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Defrag, DEFRAG_DEFAULTS, DefragResult, PAGE_COST, QUEUE_COST } from '../../src/defrag/index.js';
import { DropReason } from '../../src/packet/index.js';
import { Rig, datagram, expected, frag, expectBytes } from './helpers.js';

const { QUEUED, COMPLETE, DROPPED } = DefragResult;
const ONE = PAGE_COST + QUEUE_COST; // a queue holding one small fragment

describe('defrag: memory (ipfrag_high_thresh as a hard bound)', () => {
  it('fill to the threshold: the next fragment is DEFRAG_MEMORY, memory never exceeds it', () => {
    const thresh = 10 * ONE + 500;
    const rig = new Rig({ ipfrag_high_thresh: thresh });
    const gs = Array.from({ length: 12 }, (_, i) => datagram({ payload: 16, id: i }));
    for (let i = 0; i < 10; i++) {
      expect(rig.sub(frag(gs[i], 0, 8))).toBe(QUEUED);
      expect(rig.d.memory).toBe((i + 1) * ONE);
    }
    expect(rig.sub(frag(gs[10], 0, 8))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_MEMORY);
    expect(rig.d.memory).toBeLessThanOrEqual(thresh);
    // A fragment that needs no new page is still taken, and completing frees the queue.
    expect(rig.sub(frag(gs[0], 8, 16))).toBe(COMPLETE);
    expect(rig.d.memory).toBe(9 * ONE);
    expect(rig.sub(frag(gs[10], 0, 8))).toBe(QUEUED);
    // A fragment needing a new page of an existing queue is refused alone; the queue lives on.
    expect(rig.sub(frag(datagram({ payload: 4096, id: 1 }), 2048, 2056))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_MEMORY);
    expect(rig.d.queues).toBe(10);
    // Expiry frees too.
    rig.d.expire(30_000, () => {});
    expect(rig.d.memory).toBe(0);
    expect(rig.sub(frag(gs[11], 0, 8))).toBe(QUEUED);
  });

  it('default 4 MiB: large datagrams up to the bound, then DEFRAG_MEMORY; never above', () => {
    const rig = new Rig();
    let id = 0;
    let refused = 0;
    for (; id < 100 && refused === 0; id++) {
      const g = datagram({ payload: 65000, id, seed: id });
      for (let o = 0; o < 60000; o += 1480) { // never the last: no datagram completes
        const r = rig.sub(frag(g, o, o + 1480));
        expect(rig.d.memory).toBeLessThanOrEqual(DEFRAG_DEFAULTS.ipfrag_high_thresh);
        if (r === DROPPED) {
          expect(rig.d.reason).toBe(DropReason.DEFRAG_MEMORY);
          refused++;
          break;
        }
      }
    }
    expect(refused).toBe(1);
    expect(id).toBeGreaterThan(60); // ~66 KiB a datagram here (Linux: ~127 KiB of truesize)
    expect(rig.d.memory).toBeGreaterThan(DEFRAG_DEFAULTS.ipfrag_high_thresh - 65 * PAGE_COST);
  });

  it('ipfrag_high_thresh 0 disables reassembly', () => {
    const rig = new Rig({ ipfrag_high_thresh: 0 });
    expect(rig.sub(frag(datagram(), 0, 8))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_MEMORY);
  });

  it('setSettings: a lower threshold applies to new fragments; a higher one grows the arena', () => {
    const rig = new Rig({ ipfrag_high_thresh: 4 * ONE });
    const gs = Array.from({ length: 20 }, (_, i) => datagram({ payload: 16, id: i }));
    for (let i = 0; i < 4; i++) expect(rig.sub(frag(gs[i], 0, 8))).toBe(QUEUED);
    rig.d.setSettings({ ...DEFRAG_DEFAULTS, ipfrag_high_thresh: 2 * ONE });
    expect(rig.d.memory).toBe(4 * ONE); // held memory is not taken back
    expect(rig.sub(frag(gs[4], 0, 8))).toBe(DROPPED);
    expect(rig.sub(frag(gs[0], 8, 16))).toBe(COMPLETE); // no new memory needed
    rig.d.setSettings({ ...DEFRAG_DEFAULTS, ipfrag_high_thresh: 16 * ONE });
    for (let i = 4; i < 17; i++) expect(rig.sub(frag(gs[i], 0, 8))).toBe(QUEUED);
    expect(rig.sub(frag(gs[17], 0, 8))).toBe(DROPPED);
    for (let i = 1; i < 17; i++) expect(rig.sub(frag(gs[i], 8, 16))).toBe(COMPLETE);
    expectBytes(rig.result(), expected(gs[16], false));
    expect(rig.d.memory).toBe(0);
    expect(() => rig.d.setSettings({ ...DEFRAG_DEFAULTS, ipfrag_time: -1 })).toThrow(RangeError);
  });

  it('random traffic: memory stays within the bound and returns to 0 when everything expires', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({
          id: fc.integer({ min: 0, max: 7 }), off: fc.integer({ min: 0, max: 8191 }),
          len: fc.integer({ min: 0, max: 3000 }), mf: fc.boolean(), dt: fc.integer({ min: 0, max: 3000 }),
        }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 20 }),
        (ops, units) => {
          const thresh = units * ONE;
          const rig = new Rig({ ipfrag_high_thresh: thresh, ipfrag_max_dist: 8 });
          const g = datagram({ payload: 65515 });
          for (const op of ops) {
            const f = frag(g, 0, Math.min(op.len, 65515 - 1));
            f[5] = op.id;
            f[6] = (op.mf ? 0x20 : 0) | (op.off >> 8);
            f[7] = op.off & 0xff;
            rig.now += op.dt;
            const r = rig.sub(f);
            expect([QUEUED, COMPLETE, DROPPED]).toContain(r);
            expect(rig.d.memory).toBeLessThanOrEqual(thresh);
            rig.d.expire(rig.now, () => {}, 4);
          }
          rig.d.expire(Infinity, () => {}, 1e9);
          expect(rig.d.memory).toBe(0);
          expect(rig.d.queues).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('defrag: timeout (ipfrag_time)', () => {
  it('with the first fragment: onTimeout gets its header and payload; without it: no call', () => {
    const rig = new Rig();
    const a = datagram({ payload: 2000, id: 1 });
    const b = datagram({ payload: 2000, id: 2 });
    const firstA = frag(a, 0, 1480);
    rig.sub(firstA);
    rig.sub(frag(b, 1480, 2000));
    const calls: Uint8Array[] = [];
    const cb = (buf: Uint8Array, off: number, len: number): void => { calls.push(buf.slice(off, off + len)); };
    expect(rig.d.expire(29_999, cb)).toBe(0);
    expect(rig.d.expire(30_000, cb)).toBe(2);
    expect(calls.length).toBe(1);
    expectBytes(calls[0], firstA.subarray(0, 576)); // the header + as much as an ICMP error quotes
    expect(rig.d.drops[DropReason.DEFRAG_TIMEOUT]).toBe(2);
    expect(rig.d.queues).toBe(0);
    expect(rig.d.memory).toBe(0);
  });

  it('a short first fragment is quoted whole, with the queue\'s user', () => {
    const rig = new Rig();
    const g = datagram({ payload: 64, options: [0x94, 4, 0, 0] });
    const f = frag(g, 0, 16);
    rig.sub(f);
    let got: Uint8Array | undefined;
    let user = -1;
    rig.d.expire(1e9, (buf, off, len, u) => { got = buf.slice(off, off + len); user = u; });
    expectBytes(got, f);
    expect(user).toBe(0);
    rig.d.submit(f, 0, f.length, 1e9, rig.out, 0, 3); // user 3 (say conntrack-in)
    rig.d.expire(2e9, (_b, _o, _l, u) => { user = u; });
    expect(user).toBe(3);
  });

  it('the timer is armed once: later fragments do not extend it', () => {
    const rig = new Rig();
    const g = datagram({ payload: 48 });
    rig.sub(frag(g, 0, 16));
    rig.now = 29_000;
    expect(rig.sub(frag(g, 16, 32))).toBe(QUEUED);
    expect(rig.d.nextDeadline()).toBe(30_000);
    rig.now = 30_000;
    // Found expired before expire() ran: dropped as a timeout, the fragment starts afresh.
    expect(rig.sub(frag(g, 32, 48))).toBe(QUEUED);
    expect(rig.d.drops[DropReason.DEFRAG_TIMEOUT]).toBe(1);
    expect(rig.d.fragDrops[DropReason.DEFRAG_TIMEOUT]).toBe(2);
    expect(rig.d.queues).toBe(1);
    expect(rig.d.nextDeadline()).toBe(60_000);
  });

  it('bounded work per call, oldest first; a lowered ipfrag_time keeps the order by deadline', () => {
    const rig = new Rig();
    for (let i = 0; i < 5; i++) {
      rig.now = i;
      rig.sub(frag(datagram({ payload: 16, id: i }), 0, 8));
    }
    rig.d.setSettings({ ...DEFRAG_DEFAULTS, ipfrag_time: 10 });
    rig.now = 100;
    rig.sub(frag(datagram({ payload: 16, id: 99 }), 0, 8));
    const ids: number[] = [];
    const cb = (buf: Uint8Array, off: number): void => { ids.push((buf[off + 4] << 8) | buf[off + 5]); };
    expect(rig.d.expire(10_100, cb, 2)).toBe(1);
    expect(ids).toEqual([99]);
    expect(rig.d.expire(1e9, cb, 2)).toBe(2);
    expect(rig.d.expire(1e9, cb, 2)).toBe(2);
    expect(rig.d.expire(1e9, cb, 2)).toBe(1);
    expect(ids).toEqual([99, 0, 1, 2, 3, 4]);
  });

  it('ipfrag_time 0: every queue is already expired at the next look', () => {
    const rig = new Rig({ ipfrag_time: 0 });
    const g = datagram({ payload: 16 });
    rig.sub(frag(g, 0, 8));
    expect(rig.sub(frag(g, 8, 16))).toBe(QUEUED); // the old queue timed out
    expect(rig.d.drops[DropReason.DEFRAG_TIMEOUT]).toBe(1);
  });
});

describe('defrag: construction', () => {
  it('rejects settings the hot path cannot honour', () => {
    expect(() => new Defrag({ ...DEFRAG_DEFAULTS, ipfrag_high_thresh: -1 })).toThrow(RangeError);
    expect(() => new Defrag({ ...DEFRAG_DEFAULTS, ipfrag_max_dist: 1.5 })).toThrow(RangeError);
    expect(() => new Defrag({ ...DEFRAG_DEFAULTS, ipfrag_time: NaN })).toThrow(RangeError);
  });
  it('two instances hash differently by default (random seed) and both work', () => {
    const a = new Defrag(DEFRAG_DEFAULTS);
    const b = new Defrag(DEFRAG_DEFAULTS);
    const g = datagram({ payload: 16 });
    const out = new Uint8Array(100);
    for (const d of [a, b]) {
      const f1 = frag(g, 0, 8);
      const f2 = frag(g, 8, 16);
      expect(d.submit(f1, 0, f1.length, 0, out, 0)).toBe(QUEUED);
      expect(d.submit(f2, 0, f2.length, 0, out, 0)).toBe(COMPLETE);
    }
  });
});
