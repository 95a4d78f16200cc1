import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DefragResult } from '../../src/defrag/index.js';
import * as P from '../../src/packet/index.js';
import { Rig, datagram, expected, frag, split, expectBytes } from './helpers.js';

/** Fragments written one after another into a buffer (optionally the source's own, from `start`). */
class Sink implements P.FragmentSink {
  frags: { off: number; len: number }[] = [];
  constructor(public buf: Uint8Array, private at = 0, private limit = Infinity) {}
  next(len: number): number {
    if (this.frags.length >= this.limit || this.at + len > this.buf.length) return -1;
    const o = this.at;
    this.at += len + 5;
    return o;
  }
  done(off: number, len: number): void { this.frags.push({ off, len }); }
  get(i: number): Uint8Array { const f = this.frags[i]; return this.buf.slice(f.off, f.off + f.len); }
  all(): Uint8Array[] { return this.frags.map((_, i) => this.get(i)); }
}

/** Reassemble `frags` with a fresh Defrag; the datagram or undefined. */
function reasm(frags: Uint8Array[]): Uint8Array | undefined {
  const rig = new Rig();
  let r: number = DefragResult.QUEUED;
  for (const f of frags) r = rig.sub(f);
  return r === DefragResult.COMPLETE ? rig.result() : undefined;
}

/** 3 fragments of at most 1500 bytes (1480 + 1480 + 1000 of payload) reassembled. */
function threeBy1500(df: boolean): Rig {
  const g = datagram({ payload: 3960, df });
  const rig = new Rig();
  for (const f of split(g, 1480)) rig.sub(f);
  expect(rig.d.reassembled).toBe(1);
  return rig;
}

describe('refragment (ip_do_fragment for a reassembled datagram)', () => {
  it('3 x 1500 reassembled, out to MTU 9000: fragments of at most 1500 again, DF kept', () => {
    const rig = threeBy1500(true);
    expect(rig.d.maxFragSize).toBe(1500);
    expect(rig.d.df).toBe(1);
    const dg = rig.result();
    const s = new Sink(new Uint8Array(10000));
    expect(P.refragment(dg, 0, 9000, rig.d.maxFragSize, rig.d.df, s)).toBe(3);
    const fs = s.all();
    expect(fs.map((f) => f.length)).toEqual([1500, 1500, 1020]);
    expect(fs.map((f) => P.ipFragOff(f, 0) * 8)).toEqual([0, 1480, 2960]);
    expect(fs.map((f) => P.ipMf(f, 0))).toEqual([true, true, false]);
    expect(fs.every((f) => P.ipDf(f, 0))).toBe(true);
    expect(fs.every((f) => P.ipHeaderChecksumOk(f, 0, 20))).toBe(true);
    expectBytes(reasm(fs), dg);
  });

  it('to MTU 1000: at most 1000 bytes, (1000 - 20) & ~7 = 976 of payload each, DF on each', () => {
    const rig = threeBy1500(true);
    const s = new Sink(new Uint8Array(10000));
    expect(P.refragment(rig.result(), 0, 1000, rig.d.maxFragSize, rig.d.df, s)).toBe(5);
    const fs = s.all();
    expect(fs.map((f) => f.length)).toEqual([996, 996, 996, 996, 20 + 3960 - 4 * 976]);
    expect(fs.every((f) => P.ipDf(f, 0))).toBe(true);
    expectBytes(reasm(fs), rig.result());
  });

  it('without DF on the largest original fragment: no DF on any fragment', () => {
    const rig = threeBy1500(false);
    const s = new Sink(new Uint8Array(10000));
    P.refragment(rig.result(), 0, 9000, rig.d.maxFragSize, rig.d.df, s);
    expect(s.all().some((f) => P.ipDf(f, 0))).toBe(false);
    // `df` decides, whatever the header says.
    const dg = rig.result();
    P.setIpFragWord(dg, 0, P.IP_DF);
    const s2 = new Sink(new Uint8Array(10000));
    P.refragment(dg, 0, 9000, 1500, 0, s2);
    expect(s2.all().some((f) => P.ipDf(f, 0))).toBe(false);
  });

  it('a datagram that fits min(mtu, maxFragSize) is left whole (0); maxFragSize 0 means the egress MTU only', () => {
    const dg = datagram({ payload: 1000 });
    const s = new Sink(new Uint8Array(4000));
    expect(P.refragment(dg, 0, 1500, 1500, 0, s)).toBe(0);
    expect(P.refragment(dg, 0, 1500, 0, 0, s)).toBe(0);
    expect(s.frags.length).toBe(0);
    expect(P.refragment(dg, 0, 1500, 600, 0, s)).toBe(2);
    expect(P.refragmentMtu(1500, 0)).toBe(1500);
    expect(P.refragmentMtu(1500, 9000)).toBe(1500);
    expect(P.refragmentMtu(9000, 1500)).toBe(1500);
  });

  it('the rest goes whole when it fits: (mtu - hl) not rounded for the last piece', () => {
    const dg = datagram({ payload: 100 });
    const s = new Sink(new Uint8Array(4000));
    expect(P.refragment(dg, 0, 84 + 20, 0, 0, s)).toBe(2); // 80 + 20
    expect(s.all().map((f) => f.length)).toEqual([100, 40]);
  });

  it('options: all in the first fragment, only copied ones (others NOPed) after; header length kept', () => {
    const opts = [0x94, 0x04, 0, 0, 0x07, 0x07, 0x04, 1, 2, 3, 4, 0]; // Router Alert (copied), RR (not)
    const g = datagram({ payload: 3000, options: opts });
    const rig = new Rig();
    for (const f of split(g, 1480)) rig.sub(f);
    const dg = rig.result();
    const s = new Sink(new Uint8Array(10000));
    expect(P.refragment(dg, 0, 9000, rig.d.maxFragSize, rig.d.df, s)).toBe(3);
    const fs = s.all();
    expect([...fs[0].subarray(20, 32)]).toEqual(opts);
    for (const f of fs.slice(1)) {
      expect(P.ipHdrLen(f, 0)).toBe(32);
      expect([...f.subarray(20, 32)]).toEqual([0x94, 0x04, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
      expect(P.ipHeaderChecksumOk(f, 0, 32)).toBe(true);
    }
    expect(fs.every((f) => f.length <= rig.d.maxFragSize)).toBe(true);
  });

  it('fails (-1) when the MTU cannot carry header + 8, or the sink refuses (what was sent stays sent)', () => {
    const dg = datagram({ payload: 3000 });
    expect(P.refragment(dg, 0, 27, 0, 0, new Sink(new Uint8Array(10000)))).toBe(-1);
    const s = new Sink(new Uint8Array(10000), 0, 1);
    expect(P.refragment(dg, 0, 1500, 0, 0, s)).toBe(-1);
    expect(s.frags.length).toBe(1);
  });

  it('writes into the source\'s own buffer (copyWithin) when the sink shares it', () => {
    const dg = datagram({ payload: 3000, df: true });
    const big = new Uint8Array(20000);
    big.set(dg, 100);
    const s = new Sink(big, 5000);
    expect(P.refragment(big, 100, 1500, 1000, 1, s)).toBe(4);
    expectBytes(reasm(s.all()), expected(dg, true));
  });

  it('defragExceedsMtu: DF and a larger original fragment than the MTU -> frag needed', () => {
    expect(P.defragExceedsMtu(1, 1500, 1400)).toBe(true);
    expect(P.defragExceedsMtu(1, 1400, 1400)).toBe(false);
    expect(P.defragExceedsMtu(0, 1500, 1400)).toBe(false);
  });

  it('property: fragments never exceed min(mtu, maxFragSize), 8-byte multiples but the last, and reassemble to the datagram', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65515 }), fc.integer({ min: 28, max: 9000 }), fc.integer({ min: 0, max: 9000 }), fc.boolean(),
        (plen, mtu, maxFrag, df) => {
          const dg = datagram({ payload: plen, df, seed: plen });
          const lim = P.refragmentMtu(mtu, maxFrag);
          const s = new Sink(new Uint8Array(400_000));
          const n = P.refragment(dg, 0, mtu, maxFrag, df ? 1 : 0, s);
          if (dg.length <= lim) return n === 0;
          if (lim < 28) return n === -1;
          const fs = s.all();
          expect(n).toBe(fs.length);
          // Plain checks per fragment (thousands of expect() calls would dominate the run time).
          const bad = fs.findIndex((f, i) => f.length > lim || (i < fs.length - 1 && (f.length - 20) % 8 !== 0) ||
            P.ipDf(f, 0) !== df || P.ipMf(f, 0) !== (i < fs.length - 1));
          expect(bad).toBe(-1);
          expectBytes(reasm(fs), dg);
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('refragment vs fragment: the existing fragmenter is unchanged', () => {
  it('same bytes as fragment() for a datagram with its DF as df and no maxFragSize', () => {
    const dg = datagram({ payload: 5000, df: true, options: [0x94, 4, 0, 0] });
    const a = new Sink(new Uint8Array(20000));
    const b = new Sink(new Uint8Array(20000));
    expect(P.fragment(dg, 0, 1400, a)).toBe(P.refragment(dg, 0, 1400, 0, 1, b));
    expect(a.all()).toEqual(b.all());
    void frag;
  });
});
