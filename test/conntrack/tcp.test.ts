import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PacketContext } from '../../src/packet/context.js';
import { parseFrame } from '../../src/packet/parse.js';
import { DropReason } from '../../src/packet/drop-reason.js';
import { setIpChecksum } from '../../src/packet/checksum.js';
import { InvalidReason } from '../../src/conntrack/invalid.js';
import {
  TCP_SLOT_BYTES, TCP_STATE_NAMES, TCP_STATE_TABLE, TcpCtFlag, TcpState, TcpTracker, TcpVerdict,
} from '../../src/conntrack/tcp.js';
import { fixture, frameBytes } from '../packet/fixtures.js';
import {
  ACK, CWR, ECE, FIN, Flow, PSH, RST, SYN, URG, Conn, mss, sackPerm, seg, segmentBytes, parse, settings, timestamps, wscale,
  type Step,
} from './tcp-segments.js';

const S = TcpState;
const ABBR = ['NO', 'SS', 'SR', 'ES', 'FW', 'CW', 'LA', 'TW', 'CL', 'S2'];
const LIBERAL = settings({ nf_conntrack_tcp_be_liberal: 1 });
const WINDOWED = settings();

/** A flow driven (by the segments a real pair of endpoints would send) into `state`. */
function reach(state: number, s = settings()): Flow {
  const f = new Flow(s);
  const step = (dir: number, flags: number, want: number): void => {
    const r = f.go(dir, flags);
    expect(r.verdict, `reaching ${ABBR[state]}`).toBe(TcpVerdict.ACCEPT);
    expect(ABBR[r.state]).toBe(ABBR[want]);
  };
  if (state === S.NONE) {
    // Started from a SYN but packet() not called yet: the only time a slot is in NONE.
    expect(f.t.start(f.slot, f.mk(0, SYN))).toBe(InvalidReason.NONE);
    f.alive = true;
    return f;
  }
  step(0, SYN, S.SYN_SENT);
  if (state === S.SYN_SENT) return f;
  if (state === S.SYN_SENT2) {
    step(1, SYN, S.SYN_SENT2);
    return f;
  }
  step(1, SYN | ACK, S.SYN_RECV);
  if (state === S.SYN_RECV) return f;
  step(0, ACK, S.ESTABLISHED);
  if (state === S.ESTABLISHED) return f;
  if (state === S.CLOSE) {
    step(0, RST, S.CLOSE);
    return f;
  }
  step(0, FIN | ACK, S.FIN_WAIT);
  if (state === S.FIN_WAIT) return f;
  step(1, ACK, S.CLOSE_WAIT);
  if (state === S.CLOSE_WAIT) return f;
  step(1, FIN | ACK, S.LAST_ACK);
  if (state === S.LAST_ACK) return f;
  step(0, ACK, S.TIME_WAIT);
  return f;
}

const outcome = (r: Step): string => {
  if (r.verdict === TcpVerdict.INVALID) return 'IV';
  if (r.verdict === TcpVerdict.IGNORE) return 'IG';
  if (r.verdict === TcpVerdict.REOPEN) return 'RE';
  return ABBR[r.state] + (r.kill ? '!' : '');
};

const INDEX_FLAGS = [SYN, SYN | ACK, FIN | ACK, ACK, RST, 0];
const INDEX_NAMES = ['syn', 'synack', 'fin', 'ack', 'rst', 'none'];

// Every cell: what packet() does with each segment in each state, both
// directions. Table values plus the special cases that apply to an honest
// flow: RE = reopen (TIME_WAIT after FIN, CLOSE after our own RST),
// CL! = RST before any reply (entry killed), IG = ignored.
//                NO    SS     SR    ES    FW    CW    LA    TW    CL    S2
const EXPECT: string[][][] = [[
  /* syn    */ ['SS', 'SS', 'IG', 'IG', 'IG', 'IG', 'IG', 'RE', 'RE', 'S2'],
  /* synack */ ['IV', 'IV', 'SR', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'SR'],
  /* fin    */ ['IV', 'IV', 'FW', 'FW', 'LA', 'LA', 'LA', 'TW', 'CL', 'IV'],
  /* ack    */ ['ES', 'IV', 'ES', 'ES', 'CW', 'CW', 'TW', 'TW', 'CL', 'IV'],
  /* rst    */ ['IV', 'CL!', 'CL', 'CL', 'CL', 'CL', 'CL', 'CL', 'CL', 'CL'],
  /* none   */ ['IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV'],
], [
  /* syn    */ ['IV', 'S2', 'IV', 'IV', 'IV', 'IV', 'IV', 'RE', 'IV', 'S2'],
  /* synack */ ['IV', 'SR', 'IG', 'IG', 'IG', 'IG', 'IG', 'IG', 'IG', 'SR'],
  /* fin    */ ['IV', 'IV', 'FW', 'FW', 'LA', 'LA', 'LA', 'TW', 'CL', 'IV'],
  /* ack    */ ['IV', 'IG', 'SR', 'ES', 'CW', 'CW', 'TW', 'TW', 'CL', 'IG'],
  /* rst    */ ['IV', 'CL!', 'CL', 'CL', 'CL', 'CL', 'CL', 'CL', 'CL', 'CL'],
  /* none   */ ['IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV', 'IV'],
]];

describe('state table: every cell (2 directions x 6 segments x 10 states)', () => {
  for (const [mode, s] of [['be_liberal=1', LIBERAL], ['window tracking on', WINDOWED]] as const) {
    for (let dir = 0; dir < 2; dir++) {
      for (let index = 0; index < 6; index++) {
        it(`${mode}: ${dir ? 'REPLY' : 'ORIGINAL'} ${INDEX_NAMES[index]}`, () => {
          const got: string[] = [];
          for (let state = 0; state < 10; state++) {
            const f = reach(state, s);
            const before = f.state;
            const r = f.send(dir, f.mk(dir, INDEX_FLAGS[index]));
            if (r.verdict !== TcpVerdict.ACCEPT) expect(f.state, 'state unchanged').toBe(before);
            got.push(outcome(r) + (r.verdict === TcpVerdict.INVALID && r.reason !== InvalidReason.TCP_INVALID_STATE ? `:${r.reason}` : ''));
          }
          const want = [...EXPECT[dir][index]];
          // With window tracking, an ACK right after a SYN (no reply yet, no pickup
          // liberality) acks data the other side never sent: check III.
          if (s === WINDOWED && dir === 0 && index === 3) want[S.NONE] = `IV:${InvalidReason.TCP_ACK_OVER_WINDOW}`;
          expect(got).toEqual(want);
        });
      }
    }
  }

  it('the exported table is the v6 table of the reference', () => {
    const T = TCP_STATE_TABLE;
    const row = (dir: number, index: number): string =>
      Array.from(T.subarray(dir * 60 + index * 10, dir * 60 + index * 10 + 10), (v) => (v === 10 ? 'IV' : v === 11 ? 'IG' : ABBR[v])).join(' ');
    expect(row(0, 0)).toBe('SS SS IG IG IG IG IG SS SS S2');
    expect(row(0, 1)).toBe('IV IV SR IV IV IV IV IV IV SR');
    expect(row(0, 2)).toBe('IV IV FW FW LA LA LA TW CL IV');
    expect(row(0, 3)).toBe('ES IV ES ES CW CW TW TW CL IV');
    expect(row(0, 4)).toBe('IV CL CL CL CL CL CL CL CL CL');
    expect(row(1, 0)).toBe('IV S2 IV IV IV IV IV SS IV S2');
    expect(row(1, 1)).toBe('IV SR IG IG IG IG IG IG IG SR');
    expect(row(1, 3)).toBe('IV IG SR ES CW CW TW TW CL IG');
    for (const d of [0, 1]) expect(row(d, 5)).toBe('IV IV IV IV IV IV IV IV IV IV');
  });

  it('state names as conntrack -L prints them', () => {
    expect(TCP_STATE_NAMES).toEqual(['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2']);
  });
});

describe('handshake and teardown with their timeouts (§9)', () => {
  it('SYN 120, SYN/ACK 60, ACK 432000 + ASSURED, FIN 120, ACK 60, FIN 30, ACK 120, RST 10', () => {
    const f = new Flow();
    const seq: [number, number, number, number, boolean][] = [
      [0, SYN, S.SYN_SENT, 120, false],
      [1, SYN | ACK, S.SYN_RECV, 60, false],
      [0, ACK, S.ESTABLISHED, 432000, true],
      [0, FIN | ACK, S.FIN_WAIT, 120, false],
      [1, ACK, S.CLOSE_WAIT, 60, false],
      [1, FIN | ACK, S.LAST_ACK, 30, false],
      [0, ACK, S.TIME_WAIT, 120, false],
      [0, RST, S.CLOSE, 10, false],
    ];
    for (const [dir, flags, state, timeout, assured] of seq) {
      const r = f.go(dir, flags);
      expect([r.verdict, TCP_STATE_NAMES[r.state], r.timeout, r.assured, r.changed])
        .toEqual([TcpVerdict.ACCEPT, TCP_STATE_NAMES[state], timeout, assured, true]);
    }
    expect(f.assured).toBe(true);
    expect(f.alive).toBe(true);
  });

  it('captured connection bytes (wscale 10 both ways, 14 bytes of data, FIN/ACK close)', () => {
    const ctxOf = (name: string): PacketContext => {
      const b = frameBytes(fixture(name));
      const ctx = new PacketContext();
      expect(parseFrame(ctx, b, 0, b.length, true)).toBe(DropReason.NONE);
      return ctx;
    };
    const c = new Conn();
    const t = c.t;
    const steps: [string, number, number, number][] = [
      ['tcp-syn', 0, S.SYN_SENT, 120],
      ['tcp-synack', 1, S.SYN_RECV, 60],
      ['tcp-ack', 0, S.ESTABLISHED, 432000],
      ['tcp-psh-ack', 0, S.ESTABLISHED, 300], // data not yet acked
      ['tcp-ack-2', 1, S.ESTABLISHED, 432000],
      ['tcp-fin-ack', 0, S.FIN_WAIT, 120],
      ['tcp-fin-ack-2', 1, S.LAST_ACK, 30],
      ['tcp-ack-3', 0, S.TIME_WAIT, 120],
    ];
    for (const [name, dir, state, timeout] of steps) {
      const ctx = ctxOf(name);
      expect(t.error(ctx, true), name).toBe(InvalidReason.NONE);
      const r = name === 'tcp-syn' ? c.first(ctx) : c.send(dir, ctx);
      expect([name, r.verdict, TCP_STATE_NAMES[r.state], r.timeout]).toEqual([name, TcpVerdict.ACCEPT, TCP_STATE_NAMES[state], timeout]);
      if (name === 'tcp-synack') expect([c.win(0).scale, c.win(1).scale]).toEqual([10, 10]);
    }
    expect(c.assured).toBe(true);
  });

  it('captured SYN answered by RST/ACK (seq 0): entry killed, packet accepted', () => {
    const c = new Conn();
    const mk = (name: string): PacketContext => {
      const b = frameBytes(fixture(name));
      const ctx = new PacketContext();
      parseFrame(ctx, b, 0, b.length, true);
      return ctx;
    };
    expect(c.first(mk('tcp-syn-2')).state).toBe(S.SYN_SENT);
    const r = c.send(1, mk('tcp-rst-ack'));
    expect([r.verdict, r.kill, r.state]).toEqual([TcpVerdict.ACCEPT, true, S.CLOSE]);
  });

  it('a retransmitted SYN does not refresh the timeout; one with a higher ISN re-inits but does not either', () => {
    const f = new Flow();
    expect(f.go(0, SYN).timeout).toBe(120);
    const again = f.send(0, seg(0, { flags: SYN, seq: 1000 }));
    expect([again.verdict, again.state, again.timeout, again.changed]).toEqual([TcpVerdict.ACCEPT, S.SYN_SENT, -1, false]);
    const newer = f.send(0, seg(0, { flags: SYN, seq: 90000 }));
    expect([newer.verdict, newer.timeout]).toEqual([TcpVerdict.ACCEPT, -1]);
    expect(f.win(0).end).toBe(90001);
  });

  it('reply RST before any reply kills the entry; original RST before reply too', () => {
    for (const dir of [0, 1]) {
      const f = new Flow();
      f.go(0, SYN);
      const r = f.send(dir, f.mk(dir, RST | (dir ? ACK : 0)));
      expect([r.verdict, r.kill]).toEqual([TcpVerdict.ACCEPT, true]);
    }
  });
});

describe('first packet (tcp_new)', () => {
  it.each([
    ['SYN/ACK', SYN | ACK], ['FIN/ACK', FIN | ACK], ['RST', RST], ['RST/ACK', RST | ACK], ['NULL', 0],
  ])('%s cannot start a connection', (_n, flags) => {
    const c = new Conn();
    const ctx = seg(0, { flags, seq: 1, ack: 1 });
    expect(c.t.start(c.slot, ctx)).toBe(InvalidReason.TCP_INVALID_NEW);
    expect(c.t.state(c.slot)).toBe(S.NONE);
  });

  it('SYN|FIN, bare FIN, NULL and XMAS are stopped by error() before tcp_new', () => {
    const t = new TcpTracker(4, settings());
    for (const flags of [SYN | FIN, FIN, 0, FIN | PSH | URG, 0x3f]) {
      expect(t.error(seg(0, { flags, seq: 1 }), true)).toBe(InvalidReason.TCP_BAD_FLAGS);
    }
  });

  it('SYN starts SYN_SENT with the window of the SYN and its options', () => {
    const c = new Conn();
    const r = c.first(seg(0, { flags: SYN, seq: 77, win: 0, opts: [...mss(1460), ...sackPerm(), ...wscale(20)] }));
    expect([r.state, r.timeout, r.changed]).toEqual([S.SYN_SENT, 120, true]);
    expect(c.win(0)).toMatchObject({ end: 78, maxend: 78, maxwin: 1, scale: 14 });
    expect(c.win(0).flags & (TcpCtFlag.SACK_PERM | TcpCtFlag.WINDOW_SCALE)).toBe(TcpCtFlag.SACK_PERM | TcpCtFlag.WINDOW_SCALE);
  });

  it('bare ACK with nf_conntrack_tcp_loose=1: ESTABLISHED pickup, liberal, at most 300 s until a reply', () => {
    const f = new Flow();
    const r = f.go(0, ACK, { len: 100, win: 1000 });
    expect([r.verdict, r.state, r.timeout, r.assured]).toEqual([TcpVerdict.ACCEPT, S.ESTABLISHED, 300, false]);
    const want = TcpCtFlag.SACK_PERM | TcpCtFlag.BE_LIBERAL;
    expect([f.win(0).flags & want, f.win(1).flags & want]).toEqual([want, want]);
    // The first reply: still no SEEN_REPLY while it is processed.
    expect(f.go(1, ACK).timeout).toBe(300);
    const third = f.go(0, ACK);
    expect([third.state, third.timeout, third.assured]).toEqual([S.ESTABLISHED, 432000, true]);
    // Liberal: a wild segment is accepted, not INVALID.
    expect(f.send(1, seg(1, { flags: ACK, seq: 0x70000000, ack: 3 })).verdict).toBe(TcpVerdict.ACCEPT);
  });

  it('bare ACK with nf_conntrack_tcp_loose=0 is refused', () => {
    const c = new Conn(settings({ nf_conntrack_tcp_loose: 0 }));
    expect(c.first(seg(0, { flags: ACK, seq: 5, ack: 9 })).reason).toBe(InvalidReason.TCP_INVALID_NEW);
    expect(c.first(seg(0, { flags: SYN, seq: 5 })).state).toBe(S.SYN_SENT);
  });
});

describe('tcp_error', () => {
  const t = new TcpTracker(2, settings());
  const VALID = new Set([SYN, SYN | URG, SYN | ACK, RST, RST | ACK, FIN | ACK, FIN | ACK | URG, ACK, ACK | URG]);

  it('all 256 flag bytes: valid iff the combination without ECE/CWR/PSH is in the kernel list', () => {
    for (let flags = 0; flags < 256; flags++) {
      const want = VALID.has(flags & ~(ECE | CWR | PSH)) ? InvalidReason.NONE : InvalidReason.TCP_BAD_FLAGS;
      expect(t.error(seg(0, { flags, seq: 1, ack: 1 }), true), `flags 0x${flags.toString(16)}`).toBe(want);
    }
  });

  it('truncated: data offset < 20, data offset beyond the segment, header shorter than 20 bytes', () => {
    expect(t.error(seg(0, { flags: ACK, doff: 16 }), true)).toBe(InvalidReason.TCP_TRUNCATED);
    expect(t.error(seg(0, { flags: ACK, doff: 24 }), false)).toBe(InvalidReason.TCP_TRUNCATED);
    expect(t.error(seg(0, { flags: ACK, doff: 24, len: 4 }), false)).toBe(InvalidReason.NONE);
    const b = segmentBytes(0, { flags: ACK });
    const short = b.slice(0, 30);
    short[3] = 30; // total length 30: 10 bytes of TCP
    setIpChecksum(short, 0);
    const ctx = parse(short);
    expect(ctx.l4Off).toBe(-1);
    expect(t.error(ctx, true)).toBe(InvalidReason.TCP_TRUNCATED);
    // packet() on such a context is INVALID, never a throw.
    expect(t.packet(0, 0, ctx, false, false)).toBe(TcpVerdict.INVALID);
    expect(t.reason).toBe(InvalidReason.TCP_TRUNCATED);
  });

  it('bad checksum only when asked to check', () => {
    const b = segmentBytes(0, { flags: SYN, seq: 1, len: 3 });
    b[20 + 16] ^= 0x55;
    const ctx = parse(b);
    expect(t.error(ctx, true)).toBe(InvalidReason.TCP_BAD_CHECKSUM);
    expect(t.error(ctx, false)).toBe(InvalidReason.NONE);
    expect(t.error(seg(0, { flags: SYN, seq: 1, len: 3, opts: timestamps() }), true)).toBe(InvalidReason.NONE);
  });
});

describe('special cases', () => {
  it('TIME_WAIT + SYN -> REOPEN; the next connection starts fresh', () => {
    const f = reach(S.TIME_WAIT);
    const r = f.go(0, SYN);
    expect(r.verdict).toBe(TcpVerdict.REOPEN);
    expect(f.state).toBe(S.TIME_WAIT); // the caller deletes the entry
    f.t.clear(f.slot);
    const again = f.go(0, SYN); // not alive: first()
    expect([again.verdict, again.state, again.timeout]).toEqual([TcpVerdict.ACCEPT, S.SYN_SENT, 120]);
  });

  it('CLOSE after the other side\'s RST: a SYN is ignored, not a reopen', () => {
    const f = reach(S.ESTABLISHED);
    expect(f.go(1, RST).state).toBe(S.CLOSE);
    const r = f.send(0, f.mk(0, SYN));
    expect([r.verdict, r.timeout]).toEqual([TcpVerdict.IGNORE, -1]);
  });

  it('SYN on an ESTABLISHED entry is ignored; the SYN/ACK acking it resyncs to SYN_RECV', () => {
    const f = reach(S.ESTABLISHED);
    const syn = f.send(0, seg(0, { flags: SYN, seq: 700000, win: 1000, opts: [...sackPerm(), ...wscale(2)] }));
    expect([syn.verdict, syn.timeout, syn.changed]).toEqual([TcpVerdict.IGNORE, -1, false]);
    expect(f.state).toBe(S.ESTABLISHED);
    // SYN/ACK that does not ack the ignored SYN: ignored too.
    expect(f.send(1, seg(1, { flags: SYN | ACK, seq: 900000, ack: 12345 })).verdict).toBe(TcpVerdict.IGNORE);
    // Annotation was overwritten by that SYN/ACK: the matching one now is ignored as well.
    expect(f.send(1, seg(1, { flags: SYN | ACK, seq: 900000, ack: 700001 })).verdict).toBe(TcpVerdict.IGNORE);
    // Fresh: SYN, then the SYN/ACK acking it.
    f.send(0, seg(0, { flags: SYN, seq: 700000, win: 1000, opts: [...sackPerm(), ...wscale(2)] }));
    const sa = f.send(1, seg(1, { flags: SYN | ACK, seq: 900000, ack: 700001, win: 2000, opts: [...sackPerm(), ...wscale(3)] }));
    expect([sa.verdict, sa.state, sa.timeout, sa.changed]).toEqual([TcpVerdict.ACCEPT, S.SYN_RECV, 60, true]);
    expect(f.win(0)).toMatchObject({ end: 700001, maxend: 700001 + 2000, scale: 2 });
    expect(f.win(1)).toMatchObject({ end: 900001, scale: 3 });
    const ack = f.send(0, seg(0, { flags: ACK, seq: 700001, ack: 900001, win: 250 }));
    expect([ack.state, ack.timeout]).toEqual([S.ESTABLISHED, 432000]);
  });

  it('an RST answering an ignored SYN (ack = its end) closes without a window check', () => {
    const f = reach(S.ESTABLISHED);
    expect(f.send(0, seg(0, { flags: SYN, seq: 0x12340000 })).verdict).toBe(TcpVerdict.IGNORE);
    const r = f.send(1, seg(1, { flags: RST | ACK, seq: 0x7654321, ack: 0x12340001 }));
    expect([r.verdict, r.state, r.timeout]).toEqual([TcpVerdict.ACCEPT, S.CLOSE, 10]);
    // The same RST acking something else goes through the window check: far out, INVALID.
    const g = reach(S.ESTABLISHED);
    g.send(0, seg(0, { flags: SYN, seq: 0x12340000 }));
    const bad = g.send(1, seg(1, { flags: RST | ACK, seq: 0x7654321, ack: 1001 }));
    expect([bad.verdict, bad.reason, g.state]).toEqual([TcpVerdict.INVALID, InvalidReason.TCP_SEQ_OVER_WINDOW, S.ESTABLISHED]);
  });

  it('the first FIN marks its side CLOSE_INIT; the answering FIN does not', () => {
    const f = reach(S.LAST_ACK);
    expect(f.win(0).flags & TcpCtFlag.CLOSE_INIT).toBe(TcpCtFlag.CLOSE_INIT);
    expect(f.win(1).flags & TcpCtFlag.CLOSE_INIT).toBe(0);
  });

  it('data on a SYN counts in its end (seq + len + 1)', () => {
    const c = new Conn();
    c.first(seg(0, { flags: SYN, seq: 100, len: 20 }));
    expect(c.win(0).end).toBe(121);
  });

  it('pickup: the first reply acking one past the picked-up end (keepalive answer) moves that end', () => {
    const f = new Flow();
    f.first(seg(0, { flags: ACK, seq: 999, ack: 5000 }));
    expect(f.win(0).end).toBe(999);
    f.send(1, seg(1, { flags: ACK, seq: 5000, ack: 1000 }));
    expect(f.win(0).end).toBe(1000);
    expect(f.win(1)).toMatchObject({ end: 5000, maxwin: 65535, maxend: 5000 + 65535 });
  });

  it('SYN_SENT2: simultaneous open reaches ESTABLISHED on the reply ACK and is ASSURED', () => {
    const f = new Flow();
    expect(f.go(0, SYN).state).toBe(S.SYN_SENT);
    // No SEEN_REPLY yet and a SYN in SYN_SENT: no refresh, as for a retransmission.
    expect(f.go(1, SYN)).toMatchObject({ state: S.SYN_SENT2, timeout: -1, changed: true });
    expect(f.send(0, seg(0, { flags: SYN, seq: 1000 }))).toMatchObject({ state: S.SYN_SENT2, timeout: 120 });
    expect(f.go(0, SYN | ACK).state).toBe(S.SYN_RECV);
    const r = f.go(1, ACK);
    expect([r.state, r.assured, r.timeout]).toEqual([S.ESTABLISHED, true, 432000]);
  });

  it('LAST_ACK: the challenge ACK to a SYN does not move to TIME_WAIT', () => {
    const f = reach(S.LAST_ACK);
    expect(f.send(0, f.mk(0, SYN)).verdict).toBe(TcpVerdict.IGNORE);
    const ch = f.send(1, f.mk(1, ACK));
    expect([ch.verdict, f.state]).toEqual([TcpVerdict.IGNORE, S.LAST_ACK]);
    // The real last ACK still closes.
    expect(f.go(0, ACK).state).toBe(S.TIME_WAIT);
  });

  it('packetdrill conntrack_synack_reuse: SYN on ESTABLISHED, challenge ACK, RST, SYN -> new SYN_RECV, no INVALID', () => {
    // Remote client is the original direction; local listener replies.
    const f = new Flow(settings(), [0, 0]);
    let invalid = 0;
    const go = (dir: number, s: Parameters<typeof seg>[1]): Step => {
      const ctx = seg(dir, s);
      const r = f.alive || dir === 1 ? f.send(dir, ctx) : f.first(ctx);
      if (r.verdict === TcpVerdict.INVALID) invalid++;
      return r;
    };
    go(0, { flags: SYN, seq: 0, win: 32792, opts: [...mss(1000), 1, ...wscale(7), ...timestamps()] });
    go(1, { flags: SYN | ACK, seq: 0, ack: 1, opts: [...mss(1460), ...timestamps(), 1, ...wscale(8)] });
    go(0, { flags: ACK, seq: 1, ack: 1, win: 257 });
    go(0, { flags: PSH | ACK, seq: 1, ack: 1, win: 257, len: 100 });
    go(1, { flags: ACK, seq: 1, ack: 101, win: 256 });
    expect(go(0, { flags: SYN, seq: 2000, win: 32792, opts: [...mss(1000), 1, ...wscale(7)] }).verdict).toBe(TcpVerdict.IGNORE);
    go(1, { flags: ACK, seq: 1, ack: 101, win: 256 }); // challenge ACK
    expect(go(0, { flags: RST | ACK, seq: 101, ack: 1, win: 257 }).state).toBe(S.CLOSE);
    const re = go(0, { flags: SYN, seq: 2000, win: 32792, opts: [...mss(1000), 1, ...wscale(0)] });
    expect(re.verdict).toBe(TcpVerdict.REOPEN);
    f.t.clear(f.slot);
    go(0, { flags: SYN, seq: 2000, win: 32792, opts: [...mss(1000), 1, ...wscale(0)] });
    expect(go(1, { flags: SYN | ACK, seq: 0, ack: 2001, win: 65535 }).state).toBe(S.SYN_RECV);
    expect(invalid).toBe(0);
  });

  it('packetdrill conntrack_synack_old: a stale SYN/ACK is INVALID, the right one 65535 bytes earlier still passes', () => {
    const f = new Flow(settings(), [1000, 0]);
    f.first(seg(0, { flags: SYN, seq: 1000, opts: [...mss(1460), ...sackPerm(), ...timestamps(), 1, ...wscale(8)] }));
    const old = f.send(1, seg(1, { flags: SYN | ACK, seq: 145824453, ack: 643160523, win: 240, opts: [...mss(1440), ...timestamps(), 1, ...wscale(0)] }));
    expect([old.verdict, old.reason]).toEqual([TcpVerdict.INVALID, InvalidReason.TCP_ACK_OVER_WINDOW]);
    expect(f.send(0, seg(0, { flags: SYN, seq: 1000, opts: [...mss(1460), ...sackPerm(), ...timestamps(), 1, ...wscale(8)] })).verdict).toBe(TcpVerdict.ACCEPT);
    const good = f.send(1, seg(1, { flags: SYN | ACK, seq: 145758918, ack: 1001, win: 250, opts: [...mss(1460), ...timestamps(), 1, ...wscale(0)] }));
    expect([good.verdict, good.state]).toEqual([TcpVerdict.ACCEPT, S.SYN_RECV]);
    const ack = f.send(0, seg(0, { flags: ACK, seq: 1001, ack: 145758919, win: 256 }));
    expect([ack.state, ack.assured]).toEqual([S.ESTABLISHED, true]);
  });

  it('packetdrill conntrack_syn_challenge_ack: challenge ACK ignored, RST answering it passes, new SYN goes through', () => {
    const f = new Flow(settings(), [643160522, 0]);
    let invalid = 0;
    const count = (r: Step): Step => {
      if (r.verdict === TcpVerdict.INVALID) invalid++;
      return r;
    };
    count(f.first(seg(0, { flags: SYN, seq: 643160522 })));
    expect(count(f.send(1, seg(1, { flags: ACK, seq: 145824453, ack: 643160523, win: 240 }))).verdict).toBe(TcpVerdict.IGNORE);
    const rst = count(f.send(0, seg(0, { flags: RST, seq: 643160523, win: 0 })));
    expect(rst.verdict).toBe(TcpVerdict.ACCEPT);
    let r = count(f.send(0, seg(0, { flags: SYN, seq: 643160522 })));
    if (r.verdict === TcpVerdict.REOPEN) {
      f.t.clear(f.slot);
      r = count(f.first(seg(0, { flags: SYN, seq: 643160522 })));
    }
    expect(r.state).toBe(S.SYN_SENT);
    expect(count(f.send(1, seg(1, { flags: SYN | ACK, seq: 0, ack: 643160523, win: 250 }))).state).toBe(S.SYN_RECV);
    const est = count(f.send(0, seg(0, { flags: ACK, seq: 643160523, ack: 1, win: 256 })));
    expect([est.state, f.assured]).toEqual([S.ESTABLISHED, true]);
    expect(invalid).toBe(0);
  });
});

describe('RST sequence checks (packetdrill conntrack_rst_invalid)', () => {
  /** Local client (original), remote server sends 3000 bytes, client acks them. */
  function setup(s = settings()): Flow {
    const L = 10000;
    const f = new Flow(s, [L, 0]);
    f.first(seg(0, { flags: SYN, seq: L, opts: [...mss(1460), ...sackPerm(), ...timestamps(), 1, ...wscale(8)] }));
    f.send(1, seg(1, { flags: SYN | ACK, seq: 1, ack: L + 1, opts: mss(1460) }));
    f.send(0, seg(0, { flags: ACK, seq: L + 1, ack: 1 }));
    for (let i = 0; i < 3; i++) f.send(1, seg(1, { flags: ACK, seq: 1 + 1000 * i, ack: L + 1, len: 1000 }));
    for (let i = 1; i <= 3; i++) f.send(0, seg(0, { flags: ACK, seq: L + 1, ack: 1 + 1000 * i }));
    expect([f.state, f.assured]).toEqual([S.ESTABLISHED, true]);
    return f;
  }

  it('four out-of-window/inexact RSTs are INVALID or keep ESTABLISHED; the exact one closes', () => {
    const f = setup();
    const L = 10000;
    let invalid = 0;
    const rst = (s: Parameters<typeof seg>[1]): Step => {
      const r = f.send(1, seg(1, s));
      if (r.verdict === TcpVerdict.INVALID) invalid++;
      return r;
    };
    expect(rst({ flags: RST, seq: 0, win: 0 }).reason).toBe(InvalidReason.TCP_INVALID_RST);
    expect(f.state).toBe(S.ESTABLISHED);
    expect(rst({ flags: RST, seq: 1000000, win: 0 }).reason).toBe(InvalidReason.TCP_SEQ_OVER_WINDOW);
    expect(f.state).toBe(S.ESTABLISHED);
    expect(rst({ flags: RST, seq: 42, win: 0 }).reason).toBe(InvalidReason.TCP_INVALID_RST);
    expect(f.state).toBe(S.ESTABLISHED);
    f.send(0, seg(0, { flags: PSH | ACK, seq: L + 1, ack: 3001, len: 1000 }));
    f.send(1, seg(1, { flags: ACK, seq: 3001, ack: L + 1001 }));
    expect(rst({ flags: RST | ACK, seq: 3000, ack: L + 1001, win: 0 }).reason).toBe(InvalidReason.TCP_INVALID_RST);
    expect(f.state).toBe(S.ESTABLISHED);
    const exact = rst({ flags: RST | ACK, seq: 3001, ack: L + 1001, win: 0 });
    expect([exact.verdict, exact.state, exact.timeout, exact.kill]).toEqual([TcpVerdict.ACCEPT, S.CLOSE, 10, false]);
    expect(invalid).toBe(4);
  });

  it('nf_conntrack_tcp_ignore_invalid_rst=1: an RST before td_maxack passes but keeps the state', () => {
    const f = setup(settings({ nf_conntrack_tcp_ignore_invalid_rst: 1 }));
    const r = f.send(1, seg(1, { flags: RST, seq: 42, win: 0 }));
    expect([r.verdict, r.state, r.timeout]).toEqual([TcpVerdict.ACCEPT, S.ESTABLISHED, 10]);
  });

  it('be_liberal does not excuse an RST before td_maxack', () => {
    const f = setup(LIBERAL);
    expect(f.send(1, seg(1, { flags: RST, seq: 42 })).reason).toBe(InvalidReason.TCP_INVALID_RST);
  });

  it('an RST ending a data train (seq = end of the last segment of that side) closes', () => {
    const f = setup();
    f.send(1, seg(1, { flags: PSH | ACK, seq: 3001, ack: 10001, len: 19 }));
    const r = f.send(1, seg(1, { flags: RST, seq: 3020 }));
    expect(r.state).toBe(S.CLOSE);
  });

  it('spurious RST in a closing state is not checked at all', () => {
    const f = reach(S.CLOSE_WAIT);
    const r = f.send(1, seg(1, { flags: RST, seq: 1 }));
    expect([r.verdict, r.state]).toEqual([TcpVerdict.ACCEPT, S.CLOSE]);
  });

  it('nf_tcp_handle_invalid: an invalid RST answering an invalid FIN lowers a long timeout to 300 s', () => {
    for (const [remaining, want] of [[400000, 300], [200, -1], [100, -1]]) {
      const f = setup();
      const fin = f.send(0, seg(0, { flags: FIN | ACK, seq: 0x40000000, ack: 3001 }));
      expect([fin.verdict, fin.timeout]).toEqual([TcpVerdict.INVALID, -1]);
      f.remaining = remaining;
      const r = f.send(1, seg(1, { flags: RST, seq: 3001 + 0x20000000 }));
      expect([r.verdict, r.reason, r.timeout]).toEqual([TcpVerdict.INVALID, InvalidReason.TCP_SEQ_OVER_WINDOW, want]);
    }
  });
});

describe('timeouts beyond the state', () => {
  it('ACK retransmissions: the 3rd identical copy after the original sets 300 s; a new ACK resets', () => {
    const f = reach(S.ESTABLISHED);
    const dup = (): Step => f.send(0, seg(0, { flags: ACK, seq: f.nxt[0], ack: f.nxt[1] }));
    expect([dup().timeout, dup().timeout, dup().timeout]).toEqual([432000, 432000, 300]);
    expect(dup().timeout).toBe(300);
    expect(f.go(1, ACK, { len: 10 }).timeout).toBe(300); // data unacked
    expect(f.go(0, ACK).timeout).toBe(432000);
  });

  it('retransmissions do not lengthen a shorter state timeout (CLOSE_WAIT stays 60 s)', () => {
    const f = reach(S.CLOSE_WAIT);
    const dup = (): number => f.send(1, seg(1, { flags: ACK, seq: f.nxt[1], ack: f.nxt[0] })).timeout;
    expect([dup(), dup(), dup(), dup()]).toEqual([60, 60, 60, 60]);
  });

  it('zero window: 300 s while the last ACK-only segment advertised 0', () => {
    const f = reach(S.ESTABLISHED);
    expect(f.go(1, ACK, { win: 0 }).timeout).toBe(300);
    expect(f.go(1, ACK, { win: 10 }).timeout).toBe(432000);
  });

  it('unacknowledged data: 300 s in ESTABLISHED, the state timeout when shorter', () => {
    const f = reach(S.ESTABLISHED);
    expect(f.go(0, PSH | ACK, { len: 10 }).timeout).toBe(300);
    expect(f.go(1, ACK).timeout).toBe(432000);
    const g = reach(S.CLOSE_WAIT);
    expect(g.go(1, PSH | ACK, { len: 5 }).timeout).toBe(60);
  });

  it('settings change the timeouts (setSettings)', () => {
    const f = reach(S.SYN_RECV);
    f.t.setSettings(settings({ nf_conntrack_tcp_timeout_established: 1000, nf_conntrack_tcp_timeout_unacknowledged: 50 }));
    expect(f.go(0, ACK).timeout).toBe(1000);
    expect(f.go(0, ACK, { len: 1 }).timeout).toBe(50);
  });
});

describe('slots', () => {
  it('at most 64 bytes per slot; a million slots construct', () => {
    expect(TCP_SLOT_BYTES).toBeLessThanOrEqual(64);
    const t = new TcpTracker(1_000_000, settings());
    expect(t.state(999_999)).toBe(S.NONE);
  });

  it('copy() moves a connection; clear() frees it', () => {
    const f = reach(S.ESTABLISHED);
    f.t.copy(f.slot, 6);
    const g = new Flow(settings(), [0, 0], 6);
    Object.assign(g, { nxt: [...f.nxt], seenReply: true, assured: true, alive: true });
    (g as { t: TcpTracker }).t = f.t;
    expect(g.go(0, FIN | ACK).state).toBe(S.FIN_WAIT);
    expect(f.state).toBe(S.ESTABLISHED);
    f.t.clear(f.slot);
    expect(f.state).toBe(S.NONE);
    expect(f.win(0)).toEqual({ end: 0, maxend: 0, maxwin: 0, maxack: 0, scale: 0, flags: 0 });
  });
});

describe('property: random segment sequences', () => {
  const segArb = fc.record({
    dir: fc.integer({ min: 0, max: 1 }),
    flags: fc.oneof(fc.constantFrom(SYN, SYN | ACK, ACK, FIN | ACK, RST, RST | ACK, PSH | ACK, 0, SYN | FIN), fc.integer({ min: 0, max: 255 })),
    seqMode: fc.integer({ min: 0, max: 3 }),
    seqDelta: fc.integer({ min: -70000, max: 70000 }),
    rawSeq: fc.integer({ min: 0, max: 0xffffffff }),
    ack: fc.integer({ min: 0, max: 0xffffffff }),
    ackExact: fc.boolean(),
    win: fc.integer({ min: 0, max: 65535 }),
    len: fc.integer({ min: 0, max: 40 }),
    opts: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 16 }),
  });
  const settingsArb = fc.record({
    nf_conntrack_tcp_loose: fc.integer({ min: 0, max: 1 }),
    nf_conntrack_tcp_be_liberal: fc.integer({ min: 0, max: 1 }),
    nf_conntrack_tcp_ignore_invalid_rst: fc.integer({ min: 0, max: 1 }),
  });
  type SegIn = { dir: number; flags: number; seqMode: number; seqDelta: number; rawSeq: number; ack: number; ackExact: boolean; win: number; len: number; opts: number[] };

  const TIMEOUTS = [120, 60, 432000, 30, 10, 300];
  function run(s: ReturnType<typeof settings>, isn: number, segs: SegIn[]): string[] {
    const f = new Flow(s, [isn, (isn + 0x9e3779b9) >>> 0]);
    const out: string[] = [];
    for (const x of segs) {
      const seq = x.seqMode === 0 ? x.rawSeq : (f.nxt[x.dir] + x.seqDelta) >>> 0;
      const ack = x.ackExact ? f.nxt[1 - x.dir] : x.ack;
      const ctx = seg(x.dir, { flags: x.flags, seq, ack, win: x.win, len: x.len, opts: x.opts });
      const err = f.t.error(ctx, true);
      if (err !== InvalidReason.NONE) {
        out.push(`e${err}`);
        continue;
      }
      const prev = f.alive ? f.state : -1;
      const r = f.alive || x.dir === 1 ? f.send(x.dir, ctx) : f.first(ctx);
      const st = f.state;
      if (prev >= 0 && r.verdict !== TcpVerdict.ACCEPT) expect(st).toBe(prev);
      if (r.verdict !== TcpVerdict.ACCEPT) expect(r.assured || r.kill || r.changed).toBe(false);
      if (r.timeout !== -1) expect(TIMEOUTS).toContain(r.timeout);
      expect(st).toBeGreaterThanOrEqual(0);
      expect(st).toBeLessThanOrEqual(9);
      expect([0, 1, 2, 3]).toContain(r.verdict);
      if (r.verdict === TcpVerdict.REOPEN || r.kill) f.t.clear(f.slot);
      if (r.verdict === TcpVerdict.ACCEPT && seq === f.nxt[x.dir]) {
        f.nxt[x.dir] = (f.nxt[x.dir] + x.len + (x.flags & SYN ? 1 : 0) + (x.flags & FIN ? 1 : 0)) >>> 0;
      }
      out.push(`${r.verdict}:${st}:${r.timeout}:${r.reason}:${r.assured ? 1 : 0}${r.kill ? 1 : 0}${r.changed ? 1 : 0}`);
    }
    return out;
  }

  it('never throw, keep the state in 0..9, and give the same results twice', () => {
    fc.assert(fc.property(settingsArb, fc.integer({ min: 0, max: 0xffffffff }), fc.array(segArb, { minLength: 1, maxLength: 40 }),
      (so, isn, segs) => {
        const s = settings(so);
        expect(run(s, isn, segs)).toEqual(run(s, isn, segs));
      }), { numRuns: 300 });
  });
});
