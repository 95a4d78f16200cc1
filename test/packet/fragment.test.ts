import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as P from '../../src/packet/index.js';
import { fixture, frameBytes } from './fixtures.js';
import { arbPacket } from './gen.js';

/** A sink writing fragments one after another into its own buffer (or a shared one from `start`). */
class ArraySink implements P.FragmentSink {
  frags: { off: number; len: number }[] = [];
  private at: number;
  constructor(public buf: Uint8Array, start = 0, private limit = Infinity) { this.at = start; }
  next(len: number): number {
    if (this.frags.length >= this.limit || this.at + len > this.buf.length) return -1;
    const o = this.at;
    this.at += len + 3; // odd gaps: offsets are absolute, never assumed aligned
    return o;
  }
  done(off: number, len: number): void { this.frags.push({ off, len }); }
  bytes(i: number): Uint8Array { const f = this.frags[i]; return this.buf.subarray(f.off, f.off + f.len); }
}

/** Reassemble fragments (IP packets) into the original payload; checks there are no holes. */
function reassemble(frags: Uint8Array[]): { payload: Uint8Array; lastMf: boolean; base: number } {
  const base = Math.min(...frags.map((f) => P.ipFragOff(f, 0) * 8));
  const end = Math.max(...frags.map((f) => P.ipFragOff(f, 0) * 8 + P.ipTotLen(f, 0) - P.ipHdrLen(f, 0)));
  const out = new Uint8Array(end - base);
  const seen = new Uint8Array(end - base);
  let lastMf = false;
  for (const f of frags) {
    const o = P.ipFragOff(f, 0) * 8 - base;
    const hl = P.ipHdrLen(f, 0);
    const len = P.ipTotLen(f, 0) - hl;
    out.set(f.subarray(hl, hl + len), o);
    seen.fill(1, o, o + len);
    if (o + len === end - base) lastMf = P.ipMf(f, 0);
  }
  expect(seen.every((x) => x === 1)).toBe(true);
  return { payload: out, lastMf, base };
}

/** A 124-byte UDP datagram (20 + 8 + 96), the A5 observation's size. */
function udp124(df = false): Uint8Array {
  const b = new Uint8Array(124);
  b[0] = 0x45; b[2] = 0; b[3] = 124; b[4] = 0x0b; b[5] = 0xb9; b[6] = df ? 0x40 : 0; b[8] = 63; b[9] = 17;
  b.set([10, 91, 1, 2, 10, 91, 2, 2], 12);
  b.set([0x14, 0xe9, 0x23, 0x8c, 0, 104], 20);
  for (let i = 28; i < 124; i++) b[i] = i;
  P.setIpChecksum(b, 0);
  P.setUdpChecksum(b, 0, 20, 104);
  return b;
}

describe('fragment', () => {
  it('refragments as the kernel did in A5: 124 bytes over MTU 72 → 68, 68, 28 at 0, 48, 96', () => {
    const b = udp124();
    const sink = new ArraySink(new Uint8Array(400));
    expect(P.fragment(b, 0, 72, sink)).toBe(3);
    expect(sink.frags.map((f) => f.len)).toEqual([68, 68, 28]);
    expect([0, 1, 2].map((i) => P.ipFragOff(sink.bytes(i), 0) * 8)).toEqual([0, 48, 96]);
    expect([0, 1, 2].map((i) => P.ipMf(sink.bytes(i), 0))).toEqual([true, true, false]);
    expect([0, 1, 2].map((i) => P.ipId(sink.bytes(i), 0))).toEqual([3001, 3001, 3001]);
  });

  it('reproduces the kernel\'s own fragments of a 2028-byte echo over MTU 1500, byte for byte', () => {
    const first = frameBytes(fixture('icmp-frag-first')).subarray(14);
    const later = frameBytes(fixture('icmp-frag-later')).subarray(14);
    const { payload } = reassemble([first, later]);
    const whole = new Uint8Array(20 + payload.length);
    whole.set(first.subarray(0, 20));
    whole.set(payload, 20);
    P.wr16(whole, 2, whole.length);
    P.wr16(whole, 6, 0);
    P.setIpChecksum(whole, 0);
    expect(P.icmpChecksumOk(whole, 20, payload.length)).toBe(true);
    const sink = new ArraySink(new Uint8Array(4000), 1);
    expect(P.fragment(whole, 0, 1500, sink)).toBe(2);
    expect(Buffer.from(sink.bytes(0)).toString('hex')).toBe(Buffer.from(first).toString('hex'));
    expect(Buffer.from(sink.bytes(1)).toString('hex')).toBe(Buffer.from(later).toString('hex'));
  });

  it('leaves a packet that fits alone, refuses an MTU below header + 8, stops when the sink refuses', () => {
    const b = udp124();
    const sink = new ArraySink(new Uint8Array(400));
    expect(P.fragment(b, 0, 124, sink)).toBe(0);
    expect(P.fragment(b, 0, 27, sink)).toBe(-1);
    expect(sink.frags.length).toBe(0);
    expect(P.fragmentPayloadSize(20, 28)).toBe(8);
    const limited = new ArraySink(new Uint8Array(400), 0, 1);
    expect(P.fragment(b, 0, 72, limited)).toBe(-1);
    expect(limited.frags.length).toBe(1);
  });

  it('copies DF as it is (the caller decides about DF before fragmenting)', () => {
    const sink = new ArraySink(new Uint8Array(400));
    P.fragment(udp124(true), 0, 72, sink);
    expect(sink.frags.every((_, i) => P.ipDf(sink.bytes(i), 0))).toBe(true);
  });

  it('refragmenting a fragment keeps its offset and its MF on the last piece', () => {
    const b = udp124();
    P.wr16(b, 6, 0x2000 | 25); // a middle fragment at offset 200
    P.setIpChecksum(b, 0);
    const sink = new ArraySink(new Uint8Array(400));
    expect(P.fragment(b, 0, 72, sink)).toBe(3);
    expect([0, 1, 2].map((i) => P.ipFragOff(sink.bytes(i), 0))).toEqual([25, 31, 37]);
    expect([0, 1, 2].map((i) => P.ipMf(sink.bytes(i), 0))).toEqual([true, true, true]);
    const r = reassemble([0, 1, 2].map((i) => sink.bytes(i)));
    expect(r.base).toBe(200);
    expect(r.payload).toEqual(b.subarray(20));
  });

  it('options: all in the first fragment; only copied ones (NOPs instead of the others) later', () => {
    const f = fixture('ipopt-udp-frag-first'); // RR (not copied) + router alert (copied)
    const first = frameBytes(f).subarray(14);
    const hl = P.ipHdrLen(first, 0);
    // Make it a whole packet again (the fixture is scapy's first fragment).
    P.wr16(first, 6, 0);
    P.setIpChecksum(first, 0);
    const sink = new ArraySink(new Uint8Array(800));
    const n = P.fragment(first, 0, hl + 16, sink);
    expect(n).toBeGreaterThan(2);
    expect(sink.bytes(0).subarray(20, hl)).toEqual(first.subarray(20, hl));
    for (let i = 1; i < n; i++) {
      const g = sink.bytes(i);
      expect(P.ipHdrLen(g, 0)).toBe(hl);
      expect(P.ipOptionFind(g, 0, P.IPOPT_RR)).toBe(-1);
      expect(P.ipOptionFind(g, 0, P.IPOPT_RA)).toBe(P.ipOptionFind(first, 0, P.IPOPT_RA));
      const ra = P.ipOptionFind(g, 0, P.IPOPT_RA);
      expect(g.subarray(ra, ra + 4)).toEqual(first.subarray(ra, ra + 4));
      expect(P.ipHeaderChecksumOk(g, 0, hl)).toBe(true);
    }
  });

  it('property: fragments reassemble to the original, fit the MTU, 8-byte offsets, headers kept, same-buffer or not', () => {
    fc.assert(fc.property(arbPacket(1200), fc.nat(), fc.boolean(), fc.boolean(), (p, m, shared, optsCopied) => {
      const { buf, l3, hl, tot } = p;
      if (optsCopied && hl > 20) { buf[l3 + 20] = 0x94; buf[l3 + 21] = 4; buf[l3 + 22] = 0; buf[l3 + 23] = 0; P.setIpChecksum(buf, l3); }
      const minMtu = hl + 8;
      if (tot <= minMtu) return;
      const mtu = minMtu + (m % (tot - minMtu)); // hl + 8 ≤ mtu < tot
      let src = buf;
      let srcOff = l3;
      let sink: ArraySink;
      if (shared) {
        src = new Uint8Array(tot * 3 + 1000);
        src.set(buf.subarray(l3, l3 + tot), 5);
        srcOff = 5;
        sink = new ArraySink(src, tot + 10);
      } else {
        sink = new ArraySink(new Uint8Array(tot * 3 + 1000));
      }
      const before = src.slice(srcOff, srcOff + tot);
      const n = P.fragment(src, srcOff, mtu, sink);
      // The kernel's rule: full 8-aligned chunks until the rest fits the room (mtu - hl) whole.
      let want = 1;
      for (let left = tot - hl; left > mtu - hl; left -= (mtu - hl) & ~7) want++;
      expect(n).toBe(want);
      expect(src.subarray(srcOff, srcOff + tot)).toEqual(before); // source untouched
      const frags = sink.frags.map((_, i) => sink.bytes(i).slice());
      for (let i = 0; i < frags.length; i++) {
        const g = frags[i];
        expect(g.length).toBeLessThanOrEqual(mtu);
        expect(P.ipTotLen(g, 0)).toBe(g.length);
        expect(P.ipHdrLen(g, 0)).toBe(hl);
        expect(P.ipHeaderChecksumOk(g, 0, hl)).toBe(true);
        expect([P.ipId(g, 0), P.ipTtl(g, 0), P.ipTos(g, 0), P.ipProto(g, 0), P.ipSaddr(g, 0), P.ipDaddr(g, 0), P.ipDf(g, 0)])
          .toEqual([P.ipId(before, 0), P.ipTtl(before, 0), P.ipTos(before, 0), P.ipProto(before, 0), P.ipSaddr(before, 0), P.ipDaddr(before, 0), P.ipDf(before, 0)]);
        expect(P.ipMf(g, 0)).toBe(i < frags.length - 1);
        if (i < frags.length - 1) expect((g.length - hl) % 8).toBe(0);
        if (i > 0 && optsCopied && hl > 20) expect(g.subarray(20, 24)).toEqual(Uint8Array.from([0x94, 4, 0, 0]));
      }
      const r = reassemble(frags);
      expect(r.base).toBe(0);
      expect(r.payload).toEqual(before.subarray(hl));
      expect(r.lastMf).toBe(false);
    }), { numRuns: 200 });
  });
});
