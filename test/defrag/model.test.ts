/**
 * Differential test: Defrag against a plain model of the kernel's
 * ip_frag_queue + inet_frag_queue_insert (runs kept as a list, searched
 * linearly) on random fragment sequences of one datagram: same result, same
 * reason, same bytes on completion.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DefragResult } from '../../src/defrag/index.js';
import { DropReason } from '../../src/packet/index.js';
import { Rig, datagram, expected, expectBytes, frag } from './helpers.js';

const { QUEUED, COMPLETE, DROPPED } = DefragResult;

class KernelModel {
  live = false;
  runs: { start: number; end: number }[] = [];
  tailEnd = 0;
  len = 0;
  first = false;
  last = false;
  meat = 0;

  private reset(): void {
    this.live = false;
    this.runs = [];
    this.tailEnd = 0;
    this.len = 0;
    this.first = this.last = false;
    this.meat = 0;
  }

  private fail(reason: number): [number, number] {
    this.reset();
    return [DROPPED, reason];
  }

  submit(offset: number, plen: number, mf: boolean): [number, number] {
    let end = offset + plen;
    if (mf) end &= ~7;
    if (!this.live) {
      if (end === offset) return [DROPPED, DropReason.DEFRAG_MALFORMED];
      if (end > 65515) return [DROPPED, DropReason.DEFRAG_OVERSIZE];
      this.live = true;
    }
    let len = this.len;
    let last = this.last;
    if (!mf) {
      if (end < len || (last && end !== len)) return this.fail(DropReason.DEFRAG_MALFORMED);
      last = true;
      len = end;
    } else if (end > len) {
      if (last) return this.fail(DropReason.DEFRAG_MALFORMED);
      len = end;
    }
    if (end === offset) return this.fail(DropReason.DEFRAG_MALFORMED);
    let action: 'new' | 'append' = 'new';
    if (this.runs.length > 0) {
      if (end > this.tailEnd) {
        if (offset < this.tailEnd) return this.fail(DropReason.DEFRAG_OVERLAP);
        if (offset === this.tailEnd) action = 'append';
      } else {
        for (const r of this.runs) {
          if (end <= r.start || offset >= r.end) continue;
          if (offset >= r.start && end <= r.end) {
            this.len = len;
            this.last = last;
            return [DROPPED, DropReason.DEFRAG_DUPLICATE];
          }
          return this.fail(DropReason.DEFRAG_OVERLAP);
        }
      }
    }
    if (end > 65515) return this.fail(DropReason.DEFRAG_OVERSIZE);
    if (action === 'append') {
      const lastRun = this.runs.reduce((a, b) => (b.start > a.start ? b : a));
      lastRun.end = end;
    } else this.runs.push({ start: offset, end });
    if (end > this.tailEnd) this.tailEnd = end;
    this.len = len;
    this.last = last;
    this.meat += end - offset;
    if (offset === 0) this.first = true;
    if (this.first && this.last && this.meat === this.len) {
      this.reset();
      if (20 + len > 65535) return [DROPPED, DropReason.DEFRAG_OVERSIZE];
      return [COMPLETE, len];
    }
    return [QUEUED, 0];
  }
}

describe('defrag vs a model of the kernel queue', () => {
  const compare = (P: number, maxN: number, runs: number): void => {
    const g = datagram({ payload: P + 64 });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ u: fc.integer({ min: 0, max: P / 8 }), n: fc.integer({ min: 0, max: maxN }), mf: fc.oneof(fc.constant(undefined), fc.boolean()) }),
          { minLength: 1, maxLength: 14 },
        ),
        (ops) => {
          const rig = new Rig({ ipfrag_max_dist: 0, ipfrag_high_thresh: 1 << 18 });
          const m = new KernelModel();
          for (const op of ops) {
            const offset = op.u * 8;
            const end = Math.min(offset + op.n, P);
            const mf = op.mf ?? end < P;
            const f = frag(g, offset, end, { mf });
            const want = m.submit(offset, end - offset, mf);
            const got = rig.sub(f);
            expect(got).toBe(want[0]);
            if (got === DROPPED) expect(rig.d.reason).toBe(want[1]);
            if (got === COMPLETE) {
              const e = g.slice(0, 20 + want[1]);
              e[2] = (20 + want[1]) >> 8;
              e[3] = (20 + want[1]) & 255;
              expectBytes(rig.result(), expected(e, false));
            }
            expect(rig.d.queues).toBe(m.live ? 1 : 0);
          }
        },
      ),
      { numRuns: runs },
    );
  };
  it('random fragment sequences within a page: same results, reasons and bytes', () => compare(160, 72, 3000));
  it('random fragment sequences across 1 KiB pages', () => compare(4096, 3000, 1500));
});
