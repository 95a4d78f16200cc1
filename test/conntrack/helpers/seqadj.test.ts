/**
 * nf_conntrack_seqadj: offsets before and after correction_pos, the sender's
 * seq moved up and the other side's ack/SACK moved back, across several
 * rewrites (one correction point remembered), a retransmitted rewrite not
 * counted twice, all modulo 2^32 (fast-check, bases near the wrap).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeqAdj } from '../../../src/conntrack/helpers/seqadj.js';
import { setIpChecksum, setTcpChecksum, tcpChecksumOk } from '../../../src/packet/index.js';

describe('seqadj', () => {
  it('offset_before up to and at correction_pos, offset_after beyond it', () => {
    const s = new SeqAdj(1);
    s.set(0, 0, 1000, 3);
    expect([s.offset(0, 0, 999), s.offset(0, 0, 1000), s.offset(0, 0, 1001)]).toEqual([0, 0, 3]);
    s.set(0, 0, 1000, 3); // a retransmission of the same segment
    expect(s.offsetAfter(0, 0)).toBe(3);
    s.set(0, 0, 2000, -1);
    expect([s.correctionPos(0, 0), s.offsetBefore(0, 0), s.offsetAfter(0, 0)]).toEqual([2000, 3, 2]);
    expect([s.adjustSeq(0, 0, 1500), s.adjustSeq(0, 0, 2000), s.adjustSeq(0, 0, 2001)]).toEqual([1503, 2003, 2003]);
    // Acks from the other direction are moved back by this direction's offsets.
    expect([s.adjustAck(0, 1, 1503), s.adjustAck(0, 1, 2003), s.adjustAck(0, 1, 2004)]).toEqual([1500, 2000, 2002]);
  });

  it('property: rewrites at increasing positions; every later byte maps up and its ack maps back (wrap-around)', () => {
    fc.assert(fc.property(
      fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xffff0000, max: 0xffffffff })),
      fc.array(fc.record({ gap: fc.integer({ min: 1, max: 5000 }), len: fc.integer({ min: 1, max: 200 }), delta: fc.integer({ min: -8, max: 8 }) }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 5000 }),
      (base, rewrites, probe) => {
        const s = new SeqAdj(1);
        let pos = base, total = 0, lastPos = -1, lastBefore = 0;
        for (const r of rewrites) {
          pos = (pos + r.gap) >>> 0;
          if (r.delta !== 0) {
            s.set(0, 0, pos, r.delta);
            s.set(0, 0, pos, r.delta); // retransmitted: counted once
            lastPos = pos;
            lastBefore = total;
            total += r.delta;
          }
          pos = (pos + r.len) >>> 0;
        }
        const x = (pos + probe) >>> 0; // a byte after the last rewritten segment
        expect(s.offset(0, 0, x)).toBe(total);
        const sent = s.adjustSeq(0, 0, x);
        expect(sent).toBe((x + total) >>> 0);
        expect(s.adjustAck(0, 1, sent)).toBe(x);
        if (lastPos >= 0) {
          // The rewritten segment itself, and anything up to it, uses offset_before.
          expect(s.offset(0, 0, lastPos)).toBe(lastBefore);
          expect(s.adjustAck(0, 1, s.adjustSeq(0, 0, lastPos))).toBe(lastPos);
        }
      },
    ));
  });

  it('adjust(): seq, ack and SACK blocks (aligned and odd) rewritten with a valid checksum', () => {
    const s = new SeqAdj(1);
    s.set(0, 0, 100, 4); // direction 0 grew by 4 after 100
    s.set(0, 1, 500, -2); // direction 1 shrank by 2 after 500
    for (const opts of [[1, 1, 5, 18], [1, 5, 18]]) {
      const hl = 20 + opts.length + 16 + ((4 - ((opts.length + 16) % 4)) % 4);
      const b = new Uint8Array(20 + hl);
      b[0] = 0x45; b[3] = 20 + hl; b[8] = 64; b[9] = 6;
      const dv = new DataView(b.buffer);
      dv.setUint32(12, 0x0a000001); dv.setUint32(16, 0x0a000002);
      dv.setUint32(24, 600); dv.setUint32(28, 110); b[32] = (hl / 4) << 4; b[33] = 0x10;
      b.set(opts, 40);
      const blk = 40 + opts.length;
      dv.setUint32(blk, 104); dv.setUint32(blk + 4, 120); dv.setUint32(blk + 8, 90); dv.setUint32(blk + 12, 100);
      for (let i = blk + 16; i < 20 + hl; i++) b[i] = 1;
      setTcpChecksum(b, 0, 20, hl);
      setIpChecksum(b, 0);
      expect(s.adjust(0, 1, b, 20, hl)).toBe(true);
      expect(dv.getUint32(24)).toBe(598); // seq of direction 1 after 500: -2
      expect(dv.getUint32(28)).toBe(106); // ack of direction 0's data: -4
      expect([dv.getUint32(blk), dv.getUint32(blk + 4), dv.getUint32(blk + 8), dv.getUint32(blk + 12)]).toEqual([100, 116, 90, 100]);
      expect(tcpChecksumOk(b, 0, 20, hl)).toBe(true);
    }
  });

  it('malformed options make adjust() refuse (the kernel drops)', () => {
    const s = new SeqAdj(1);
    s.set(0, 0, 100, 4);
    const b = new Uint8Array(20 + 24);
    b[32 - 20] = (24 / 4) << 4; b[13] = 0x10;
    b.set([5, 30, 0, 0], 20); // SACK claiming 30 bytes in a 4-byte option area
    expect(s.adjust(0, 1, b, 0, 24)).toBe(false);
  });
});
