import { describe, expect, it } from 'vitest';
import { DefragResult } from '../../src/defrag/index.js';
import { DropReason } from '../../src/packet/index.js';
import { Rig, datagram, expected, frag, expectBytes } from './helpers.js';

const { QUEUED, COMPLETE, DROPPED } = DefragResult;

describe('defrag: overlaps discard the whole datagram', () => {
  // Queue holding runs [16,32) and [48,64) of a 96-byte payload (no first, no last).
  const setup = (): { rig: Rig; g: Uint8Array } => {
    const rig = new Rig();
    const g = datagram({ payload: 96 });
    expect(rig.sub(frag(g, 16, 32))).toBe(QUEUED);
    expect(rig.sub(frag(g, 48, 64))).toBe(QUEUED);
    return { rig, g };
  };
  const cases: [string, number, number][] = [
    ['over the head of a run', 8, 24],
    ['over the tail of a run into a hole', 24, 40],
    ['around a whole run', 8, 40],
    ['across a hole joining two runs', 24, 56],
    ['across the tail (offset before the highest end)', 56, 72],
    ['starting inside the tail run, reaching the end', 48, 96],
  ];
  for (const [name, a, b] of cases) {
    it(`${name}: [${a},${b})`, () => {
      const { rig, g } = setup();
      expect(rig.sub(frag(g, a, b))).toBe(DROPPED);
      expect(rig.d.reason).toBe(DropReason.DEFRAG_OVERLAP);
      expect(rig.d.drops[DropReason.DEFRAG_OVERLAP]).toBe(1);
      expect(rig.d.fragDrops[DropReason.DEFRAG_OVERLAP]).toBe(3);
      expect(rig.d.queues).toBe(0);
      expect(rig.d.memory).toBe(0);
      // Later fragments of the datagram start a new queue, which can complete.
      for (const [x, y] of [[16, 32], [0, 16], [32, 64], [64, 96]]) {
        expect(rig.sub(frag(g, x, y))).toBe(y === 96 ? COMPLETE : QUEUED);
      }
      expectBytes(rig.result(), expected(g, false));
    });
  }

  it('runs follow arrival order (inet_frag_queue_insert): [0,16) is a duplicate of one run, an overlap of two', () => {
    const g = datagram({ payload: 40 });
    const inOrder = new Rig();
    inOrder.sub(frag(g, 0, 8));
    inOrder.sub(frag(g, 8, 16)); // appended to the run of [0,8)
    expect(inOrder.sub(frag(g, 0, 16))).toBe(DROPPED);
    expect(inOrder.d.reason).toBe(DropReason.DEFRAG_DUPLICATE);
    expect(inOrder.d.queues).toBe(1);

    const reversed = new Rig();
    reversed.sub(frag(g, 8, 16));
    reversed.sub(frag(g, 0, 8)); // before the tail: a run of its own
    expect(reversed.sub(frag(g, 0, 16))).toBe(DROPPED);
    expect(reversed.d.reason).toBe(DropReason.DEFRAG_OVERLAP);
    expect(reversed.d.queues).toBe(0);
  });

  it('a fragment filling a hole exactly is no overlap, and becomes a run of its own', () => {
    const rig = new Rig();
    const g = datagram({ payload: 24 });
    rig.sub(frag(g, 0, 8));
    rig.sub(frag(g, 16, 24));
    rig.sub(frag(g, 8, 16) );
    expect(rig.d.reassembled).toBe(1);
    expectBytes(rig.result(), expected(g, false));
  });
});

describe('defrag: duplicates are dropped alone', () => {
  it('an exact copy, and a piece inside a run, leave the queue to complete', () => {
    const rig = new Rig();
    const g = datagram({ payload: 64 });
    expect(rig.sub(frag(g, 0, 32))).toBe(QUEUED);
    const mem = rig.d.memory;
    expect(rig.sub(frag(g, 0, 32))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_DUPLICATE);
    expect(rig.sub(frag(g, 8, 24))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_DUPLICATE);
    expect(rig.d.drops[DropReason.DEFRAG_DUPLICATE]).toBe(2);
    expect(rig.d.memory).toBe(mem);
    expect(rig.sub(frag(g, 32, 64))).toBe(COMPLETE);
    expectBytes(rig.result(), expected(g, false));
  });

  it('a copy arriving after completion starts a new queue (the old one is gone, as after ipq_kill)', () => {
    const rig = new Rig();
    const g = datagram({ payload: 16 });
    rig.sub(frag(g, 0, 8));
    expect(rig.sub(frag(g, 8, 16))).toBe(COMPLETE);
    expect(rig.sub(frag(g, 8, 16))).toBe(QUEUED);
    expect(rig.d.queues).toBe(1);
  });

  it('kernel quirk: a duplicate claiming to be last still marks the queue LAST_IN', () => {
    const rig = new Rig();
    const g = datagram({ payload: 40 });
    rig.sub(frag(g, 0, 24));
    expect(rig.sub(frag(g, 16, 24, { mf: false }))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_DUPLICATE);
    // The real last fragment now contradicts the recorded end.
    expect(rig.sub(frag(g, 24, 40))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_MALFORMED);
  });
});

describe('defrag: malformed fragments', () => {
  it('a zero-length fragment discards the queue; alone it creates none', () => {
    const rig = new Rig();
    const g = datagram({ payload: 64 });
    rig.sub(frag(g, 0, 16));
    expect(rig.sub(frag(g, 16, 16))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_MALFORMED);
    expect(rig.d.fragDrops[DropReason.DEFRAG_MALFORMED]).toBe(2);
    expect(rig.d.queues).toBe(0);
    expect(rig.sub(frag(g, 32, 32))).toBe(DROPPED);
    expect(rig.d.queues).toBe(0);
    expect(rig.d.memory).toBe(0);
  });

  it('a non-last fragment is cut to a multiple of 8; under 8 bytes that is zero length', () => {
    const rig = new Rig();
    const g = datagram({ payload: 32 });
    expect(rig.sub(frag(g, 0, 8, { extra: 5 }))).toBe(QUEUED); // 13 bytes, 8 kept
    expect(rig.sub(frag(g, 8, 32))).toBe(COMPLETE);
    expectBytes(rig.result(), expected(g, false));
    expect(rig.d.maxFragSize).toBe(20 + 24);
    expect(rig.sub(frag(g, 8, 8, { mf: true, extra: 7 }))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_MALFORMED);
  });

  it('last fragment consistency: data beyond it, a second different end, a non-last beyond it', () => {
    const g = datagram({ payload: 64 });
    const a = new Rig();
    a.sub(frag(g, 32, 48));
    expect(a.sub(frag(g, 16, 24, { mf: false }))).toBe(DROPPED); // ends before data already held
    expect(a.d.reason).toBe(DropReason.DEFRAG_MALFORMED);
    expect(a.d.queues).toBe(0);

    const b = new Rig();
    b.sub(frag(g, 48, 64));
    expect(b.sub(frag(g, 40, 56, { mf: false, extra: 0 }))).toBe(DROPPED); // another end
    expect(b.d.reason).toBe(DropReason.DEFRAG_MALFORMED);

    const c = new Rig();
    c.sub(frag(g, 48, 56, { mf: false }));
    expect(c.sub(frag(g, 56, 64, { mf: true }))).toBe(DROPPED); // beyond the end
    expect(c.d.reason).toBe(DropReason.DEFRAG_MALFORMED);

    const d = new Rig();
    d.sub(frag(g, 48, 64));
    expect(d.sub(frag(g, 48, 64))).toBe(DROPPED); // the same last again: a duplicate
    expect(d.d.reason).toBe(DropReason.DEFRAG_DUPLICATE);
    expect(d.d.queues).toBe(1);
  });

  it('never throws on nonsense: bad IHL, length below the header, out of range', () => {
    const rig = new Rig();
    const g = frag(datagram({ payload: 64 }), 0, 32);
    const bad = g.slice();
    bad[0] = 0x43;
    expect(rig.d.submit(bad, 0, bad.length, 0, rig.out, 0)).toBe(DROPPED);
    expect(rig.d.submit(g, 0, 10, 0, rig.out, 0)).toBe(DROPPED);
    expect(rig.d.submit(g, 10, g.length, 0, rig.out, 0)).toBe(DROPPED);
    expect(rig.d.submit(g, -1, g.length, 0, rig.out, 0)).toBe(DROPPED);
    expect(rig.d.drops[DropReason.DEFRAG_MALFORMED]).toBe(4);
  });
});

describe('defrag: oversize', () => {
  it('a fragment reaching past 65515 bytes of payload drops its queue at once', () => {
    const rig = new Rig();
    const g = datagram({ payload: 65535 - 20 });
    rig.sub(frag(g, 0, 1480));
    const f = frag(g, 65504, 65515 - 3, { mf: false, extra: 8 }); // ends at 65520
    expect(rig.sub(f)).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_OVERSIZE);
    expect(rig.d.queues).toBe(0);
    expect(rig.sub(f)).toBe(DROPPED); // and alone it starts nothing
    expect(rig.d.reason).toBe(DropReason.DEFRAG_OVERSIZE);
    expect(rig.d.queues).toBe(0);
  });

  it('65515 bytes after a 20-byte header is the largest datagram; with options it is > 65535', () => {
    const ok = datagram({ payload: 65515 });
    const rig = new Rig();
    for (let o = 0; o < 65515; o += 8192) rig.sub(frag(ok, o, Math.min(65515, o + 8192)));
    expect(rig.d.reassembled).toBe(1);
    expectBytes(rig.result(), expected(ok, false));

    const big = datagram({ payload: 65512, options: [0x94, 0x04, 0, 0] }); // Router Alert: 24-byte header
    const r2 = new Rig();
    let last = 0;
    for (let o = 0; o < 65512; o += 8192) last = r2.sub(frag(big, o, Math.min(65512, o + 8192)));
    expect(last).toBe(DROPPED);
    expect(r2.d.reason).toBe(DropReason.DEFRAG_OVERSIZE);
    expect(r2.d.fragDrops[DropReason.DEFRAG_OVERSIZE]).toBe(8);
    expect(r2.d.memory).toBe(0);
  });

  it('an output buffer too small for the datagram drops it (DEFRAG_OVERSIZE), never writes past it', () => {
    const rig = new Rig();
    const g = datagram({ payload: 64 });
    const out = new Uint8Array(80);
    expect(rig.d.submit(...args(frag(g, 0, 32), out))).toBe(QUEUED);
    expect(rig.d.submit(...args(frag(g, 32, 64), out))).toBe(DROPPED);
    expect(rig.d.reason).toBe(DropReason.DEFRAG_OVERSIZE);
    expect(out.every((x) => x === 0)).toBe(true);
  });
});

function args(f: Uint8Array, out: Uint8Array): [Uint8Array, number, number, number, Uint8Array, number] {
  return [f, 0, f.length, 0, out, 0];
}

describe('defrag: ECN (ip_frag_ecn_table)', () => {
  const NOT = 0, ECT1 = 1, ECT0 = 2, CE = 3;
  const run = (first: number, second: number): { res: number; tos: number; reason: number } => {
    const rig = new Rig();
    const g = datagram({ payload: 32, tos: 0xb8 });
    rig.sub(frag(g, 0, 16, { tos: 0xb8 | first }));
    const res = rig.sub(frag(g, 16, 32, { tos: 0xb8 | second }));
    return { res, tos: res === COMPLETE ? rig.result()[1] : -1, reason: rig.d.reason };
  };
  it('Not-ECT mixed with ECT(0), ECT(1) or CE: the datagram is dropped', () => {
    for (const [a, b] of [[NOT, ECT0], [NOT, ECT1], [NOT, CE], [CE, NOT], [ECT0, NOT]]) {
      const r = run(a, b);
      expect(r.res).toBe(DROPPED);
      expect(r.reason).toBe(DropReason.DEFRAG_MALFORMED);
    }
  });
  it('CE with ECT: CE set; otherwise the first fragment\'s TOS as it was', () => {
    expect(run(ECT0, CE).tos).toBe(0xb8 | CE);
    expect(run(ECT1, CE).tos).toBe(0xb8 | CE);
    expect(run(CE, ECT0).tos).toBe(0xb8 | CE);
    expect(run(CE, CE).tos).toBe(0xb8 | CE);
    expect(run(ECT0, ECT1).tos).toBe(0xb8 | ECT0);
    expect(run(ECT1, ECT0).tos).toBe(0xb8 | ECT1);
    expect(run(NOT, NOT).tos).toBe(0xb8);
  });
  it('the header checksum covers the changed TOS', () => {
    const rig = new Rig();
    const g = datagram({ payload: 32 });
    rig.sub(frag(g, 0, 16, { tos: ECT0 }));
    rig.sub(frag(g, 16, 32, { tos: CE }));
    expect(rig.resultOk()).toBe(true);
  });
});

describe('defrag: DF and frag_max_size', () => {
  const two = (df1: boolean, len1: number, df2: boolean): Rig => {
    const rig = new Rig();
    const g = datagram({ payload: len1 + 24 });
    rig.sub(frag(g, 0, len1, { df: df1 }));
    expect(rig.sub(frag(g, len1, len1 + 24, { df: df2 }))).toBe(COMPLETE);
    return rig;
  };
  it('all DF: DF on the datagram, df = 1, maxFragSize = the largest fragment with its header', () => {
    const rig = two(true, 1480, true);
    expect(rig.d.df).toBe(1);
    expect(rig.result()[6] & 0x40).toBe(0x40);
    expect(rig.d.maxFragSize).toBe(1500);
    expect(rig.resultOk()).toBe(true);
  });
  it('the largest fragment without DF: no DF (no tiny DF fragments later)', () => {
    const rig = two(false, 1480, true);
    expect(rig.d.df).toBe(0);
    expect(rig.result()[6]).toBe(0);
    expect(rig.d.maxFragSize).toBe(1500);
  });
  it('the largest fragment with DF, a smaller one without: DF', () => {
    const rig = two(true, 1480, false);
    expect(rig.d.df).toBe(1);
    expect(rig.d.maxFragSize).toBe(1500);
  });
  it('equal sizes, one DF: DF (max_df_size == max_size)', () => {
    const rig = two(false, 24, true);
    expect(rig.d.df).toBe(1);
    expect(rig.d.maxFragSize).toBe(44);
  });
  it('the header, options included, is the first fragment\'s', () => {
    const rig = new Rig();
    const g = datagram({ payload: 48, options: [0x94, 0x04, 0, 0, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0] });
    rig.sub(frag(g, 24, 48));
    rig.sub(frag(g, 0, 24));
    expectBytes(rig.result(), expected(g, false));
    expect(rig.d.maxFragSize).toBe(32 + 24);
  });
});

describe('defrag: keys', () => {
  it('saddr, daddr, id, protocol and user each separate queues', () => {
    const rig = new Rig();
    const base = { payload: 16 };
    const gs = [
      datagram(base),
      datagram({ ...base, saddr: 0x0a000009 }),
      datagram({ ...base, daddr: 0x0a000009 }),
      datagram({ ...base, id: 9 }),
      datagram({ ...base, proto: 6 }),
    ];
    for (const g of gs) expect(rig.sub(frag(g, 0, 8))).toBe(QUEUED);
    expect(rig.sub(frag(gs[0], 0, 8), 1)).toBe(QUEUED);
    expect(rig.d.queues).toBe(6);
    for (const g of gs) expect(rig.sub(frag(g, 8, 16))).toBe(COMPLETE);
    expect(rig.sub(frag(gs[0], 8, 16), 1)).toBe(COMPLETE);
    expect(rig.d.queues).toBe(0);
  });
});

describe('defrag: ipfrag_max_dist', () => {
  const scenario = (others: number, maxDist = 64): Rig => {
    const rig = new Rig({ ipfrag_max_dist: maxDist });
    const g = datagram({ payload: 24, id: 1 });
    rig.now = 1000;
    rig.sub(frag(g, 0, 8));
    for (let i = 0; i < others; i++) rig.sub(frag(datagram({ payload: 16, id: 100 + i }), 0, 8));
    rig.now = 5000;
    rig.sub(frag(g, 8, 16));
    rig.sub(frag(g, 16, 24));
    return rig;
  };
  it('63 other fragments from the source in between: the queue goes on', () => {
    const rig = scenario(63);
    expect(rig.d.reassembled).toBe(1);
    expect(rig.d.drops[DropReason.DEFRAG_DISORDER]).toBe(0);
  });
  it('64 in between: the queue is purged and restarts, its timer re-armed', () => {
    const rig = scenario(64);
    expect(rig.d.reassembled).toBe(0);
    expect(rig.d.drops[DropReason.DEFRAG_DISORDER]).toBe(1);
    expect(rig.d.fragDrops[DropReason.DEFRAG_DISORDER]).toBe(1);
    expect(rig.d.queues).toBe(65);
    // The restarted queue holds [8,24) and now expires 30 s after the restart.
    let quoted = 0;
    rig.d.expire(1000 + 30_000, () => quoted++);
    expect(rig.d.queues).toBe(1);
    expect(quoted).toBe(64);
    rig.d.expire(5000 + 30_000, () => quoted++);
    expect(rig.d.queues).toBe(0);
    expect(quoted).toBe(64); // no first fragment in it any more
  });
  it('0 disables the check; another source does not count', () => {
    expect(scenario(200, 0).d.reassembled).toBe(1);
    const rig = new Rig();
    const g = datagram({ payload: 16 });
    rig.sub(frag(g, 0, 8));
    for (let i = 0; i < 100; i++) rig.sub(frag(datagram({ payload: 16, id: i, saddr: 0x0b000001 }), 0, 8));
    expect(rig.sub(frag(g, 8, 16))).toBe(COMPLETE);
  });
});

describe('defrag: output buffer', () => {
  it('out may be the buffer the completing fragment sits in (it is copied first)', () => {
    const rig = new Rig();
    const g = datagram({ payload: 3000 });
    rig.sub(frag(g, 0, 1480));
    rig.sub(frag(g, 1480, 2960));
    const slab = new Uint8Array(8000);
    const last = frag(g, 2960, 3000);
    slab.set(last, 100);
    expect(rig.d.submit(slab, 100, last.length, 0, slab, 64)).toBe(COMPLETE);
    expectBytes(slab.slice(64, 64 + rig.d.outLen), expected(g, false));
  });
});
