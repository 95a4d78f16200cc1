import { describe, expect, it } from 'vitest';
import { InvalidReason } from '../../src/conntrack/invalid.js';
import { TcpCtFlag, TcpState, TcpVerdict } from '../../src/conntrack/tcp.js';
import { after, before } from '../../src/conntrack/tcp-window.js';
import { parseSynOptions, sackRightEdge } from '../../src/conntrack/tcp-options.js';
import { ACK, Flow, PSH, SYN, mss, sackBlocks, sackPerm, seg, segmentBytes, settings, timestamps, wscale, type Seg } from './tcp-segments.js';

const S = TcpState;
const C = 1000; // client ISN
const V = 5000; // server ISN

/**
 * Handshake with windows client 4000, server 3000, no options unless given.
 * Afterwards: client end 1001, maxend 4001, maxwin 4000; server end 5001,
 * maxend 9001, maxwin 3000.
 */
function established(o: { cOpts?: number[]; sOpts?: number[]; cAckWin?: number; isn?: [number, number]; liberal?: boolean } = {}): Flow {
  const [c, v] = o.isn ?? [C, V];
  const f = new Flow(settings({ nf_conntrack_tcp_be_liberal: o.liberal ? 1 : 0 }), [c, v]);
  expect(f.first(seg(0, { flags: SYN, seq: c, win: 4000, opts: o.cOpts })).state).toBe(S.SYN_SENT);
  expect(f.send(1, seg(1, { flags: SYN | ACK, seq: v, ack: c + 1, win: 3000, opts: o.sOpts })).state).toBe(S.SYN_RECV);
  expect(f.send(0, seg(0, { flags: ACK, seq: c + 1, ack: v + 1, win: o.cAckWin ?? 4000 })).state).toBe(S.ESTABLISHED);
  f.nxt = [(c + 1) >>> 0, (v + 1) >>> 0];
  return f;
}

const send = (f: Flow, dir: number, s: Seg) => f.send(dir, seg(dir, s));

describe('window state after the handshake', () => {
  it('td_end / td_maxend / td_maxwin as tcp_in_window computes them', () => {
    const f = established();
    expect(f.win(0)).toMatchObject({ end: 1001, maxend: 4001, maxwin: 4000 });
    expect(f.win(1)).toMatchObject({ end: 5001, maxend: 9001, maxwin: 3000 });
    expect(f.win(1).flags & TcpCtFlag.MAXACK_SET).toBe(TcpCtFlag.MAXACK_SET);
    expect(f.win(1).maxack).toBe(1001);
  });
});

describe('check I: seq <= sender.td_maxend', () => {
  it('seq exactly at td_maxend is accepted', () => {
    const f = established();
    expect(send(f, 0, { flags: ACK, seq: 4001, ack: 5001, win: 4000 }).verdict).toBe(TcpVerdict.ACCEPT);
  });

  it('one past td_maxend within the receiver window: IGNORE ("bytes more than expected"), td_end follows', () => {
    const f = established();
    const r = send(f, 0, { flags: ACK, seq: 4002, ack: 5001, win: 4000 });
    expect([r.verdict, r.timeout]).toEqual([TcpVerdict.IGNORE, -1]);
    expect(f.win(0).end).toBe(4002);
    expect(f.win(0).flags & TcpCtFlag.DATA_UNACKNOWLEDGED).toBeTruthy();
    // The peer acking those bytes now passes check III.
    expect(send(f, 1, { flags: ACK, seq: 5001, ack: 4002, win: 3000 }).verdict).toBe(TcpVerdict.ACCEPT);
  });

  it('overshoot beyond the receiver\'s max window: INVALID seq over window', () => {
    const f = established();
    // overshot = end - maxend + 1 = 3001 > 3000
    const r = send(f, 0, { flags: ACK, seq: 4001 + 3000, ack: 5001 });
    expect([r.verdict, r.reason]).toEqual([TcpVerdict.INVALID, InvalidReason.TCP_SEQ_OVER_WINDOW]);
    expect(send(f, 0, { flags: ACK, seq: 4001 + 2998, ack: 5001 }).verdict).toBe(TcpVerdict.IGNORE);
  });

  it('a segment starting in the window but ending beyond grows the receiver\'s max window', () => {
    const f = established();
    expect(send(f, 0, { flags: PSH | ACK, seq: 3901, ack: 5001, len: 200 }).verdict).toBe(TcpVerdict.ACCEPT);
    expect(f.win(1).maxwin).toBe(3100);
    expect(f.win(0).end).toBe(4101);
  });

  it('global be_liberal turns the failure into ACCEPT without touching the window state', () => {
    const f = established({ liberal: true });
    const r = send(f, 0, { flags: ACK, seq: 0x50000000, ack: 5001 });
    expect([r.verdict, r.state]).toEqual([TcpVerdict.ACCEPT, S.ESTABLISHED]);
    expect(f.win(0).end).toBe(1001);
  });
});

describe('check III: sack <= receiver.td_end', () => {
  it('ack exactly at td_end is accepted, one past is INVALID', () => {
    const f = established();
    expect(send(f, 0, { flags: ACK, seq: 1001, ack: 5001 }).verdict).toBe(TcpVerdict.ACCEPT);
    const r = send(f, 0, { flags: ACK, seq: 1001, ack: 5002 });
    expect([r.verdict, r.reason]).toEqual([TcpVerdict.INVALID, InvalidReason.TCP_ACK_OVER_WINDOW]);
  });
});

describe('check II: seq + len >= sender.td_end - receiver.td_maxwin', () => {
  it('already acked data retransmitted below the bound is ignored; one byte more is accepted', () => {
    const f = established();
    // Client sends 4000 bytes in 1000-byte segments, the server acks as it goes.
    send(f, 0, { flags: ACK, seq: 1001, ack: 5001, len: 1000 });
    send(f, 1, { flags: ACK, seq: 5001, ack: 2001, win: 3000 });
    send(f, 0, { flags: ACK, seq: 2001, ack: 5001, len: 1000 });
    send(f, 0, { flags: ACK, seq: 3001, ack: 5001, len: 1000 });
    send(f, 1, { flags: ACK, seq: 5001, ack: 4001, win: 3000 });
    send(f, 0, { flags: ACK, seq: 4001, ack: 5001, len: 1000 });
    expect(f.win(0).end).toBe(5001);
    expect(f.win(1).maxwin).toBe(3000);
    // Bound: end must be after 5001 - 3000 - 1 = 2000.
    const low = send(f, 0, { flags: ACK, seq: 1001, ack: 5001, len: 999 });
    expect([low.verdict, low.timeout]).toEqual([TcpVerdict.IGNORE, -1]);
    expect(send(f, 0, { flags: ACK, seq: 1001, ack: 5001, len: 1000 }).verdict).toBe(TcpVerdict.ACCEPT);
  });
});

describe('check IV: sack >= receiver.td_end - MAXACKWINDOW', () => {
  it('an ack more than 66000 behind is ignored (overly delayed); exactly 66000 behind is accepted', () => {
    const f = established();
    expect(send(f, 0, { flags: ACK, seq: 1001, ack: (5001 - 66001) >>> 0 }).verdict).toBe(TcpVerdict.IGNORE);
    expect(send(f, 0, { flags: ACK, seq: 1001, ack: (5001 - 66000) >>> 0 }).verdict).toBe(TcpVerdict.ACCEPT);
  });
});

describe('window scaling', () => {
  it('both sides sent WS: windows after the handshake are shifted', () => {
    const f = established({ cOpts: wscale(2), sOpts: wscale(7) });
    expect([f.win(0).scale, f.win(1).scale]).toEqual([2, 7]);
    // Server advertises 100 << 7 = 12800 from ack 1001.
    send(f, 1, { flags: ACK, seq: 5001, ack: 1001, win: 100 });
    expect(f.win(0).maxend).toBe(1001 + 12800);
    expect(send(f, 0, { flags: ACK, seq: 13801, ack: 5001, win: 1000 }).verdict).toBe(TcpVerdict.ACCEPT);
    // The handshake ACK's 4000 << 2 from ack 5001 (td_maxend never shrinks).
    expect(f.win(1).maxend).toBe(5001 + 16000);
  });

  it('only one side sent WS: no scaling either way', () => {
    const f = established({ cOpts: wscale(2) });
    expect([f.win(0).scale, f.win(1).scale]).toEqual([0, 0]);
    send(f, 1, { flags: ACK, seq: 5001, ack: 1001, win: 100 });
    expect(f.win(0).maxend).toBe(4001);
    expect(send(f, 0, { flags: ACK, seq: 13801, ack: 5001 }).reason).toBe(InvalidReason.TCP_SEQ_OVER_WINDOW);
  });

  it('shift capped at 14', () => {
    const f = established({ cOpts: wscale(15), sOpts: wscale(200) });
    expect([f.win(0).scale, f.win(1).scale]).toEqual([14, 14]);
  });

  it('SYN windows are never scaled', () => {
    const f = established({ cOpts: wscale(5), sOpts: wscale(5) });
    expect(f.win(1).maxwin).toBe(3000);
    expect(f.win(0).maxend).toBe(1001 + 3000);
  });
});

describe('SACK', () => {
  function withData(sOpts: number[]): Flow {
    const f = established({ cOpts: sackPerm(), sOpts });
    send(f, 1, { flags: ACK, seq: 5001, ack: 1001, len: 1000 });
    expect(f.win(1).end).toBe(6001);
    return f;
  }

  it('the highest SACK right edge is the ack for check III when the receiver permitted SACK', () => {
    const f = withData(sackPerm());
    expect(send(f, 0, { flags: ACK, seq: 1001, ack: 5001, opts: sackBlocks([5501, 6001]) }).verdict).toBe(TcpVerdict.ACCEPT);
    const r = send(f, 0, { flags: ACK, seq: 1001, ack: 5001, opts: sackBlocks([5201, 5301], [5501, 6002]) });
    expect([r.verdict, r.reason]).toEqual([TcpVerdict.INVALID, InvalidReason.TCP_ACK_OVER_WINDOW]);
  });

  it('sack - ack widens the sender\'s max window', () => {
    const f = withData(sackPerm());
    send(f, 0, { flags: ACK, seq: 1001, ack: 5001, win: 4000, opts: sackBlocks([5501, 6001]) });
    expect(f.win(0).maxwin).toBe(4000 + 1000);
  });

  it('without SACK permitted by the receiver, SACK blocks are not read', () => {
    const f = withData([]);
    expect(send(f, 0, { flags: ACK, seq: 1001, ack: 5001, opts: sackBlocks([5501, 6002]) }).verdict).toBe(TcpVerdict.ACCEPT);
  });
});

describe('sequence wrap-around', () => {
  it('data and acks across 2^32 are in window', () => {
    const c = 0xffffff00;
    const f = established({ isn: [c, 0xfffffff0] });
    expect(f.win(0).end).toBe(0xffffff01);
    expect(send(f, 0, { flags: PSH | ACK, seq: 0xffffff01, ack: 0xfffffff1, len: 0x200 }).verdict).toBe(TcpVerdict.ACCEPT);
    expect(f.win(0).end).toBe(0x101);
    const r = send(f, 1, { flags: ACK, seq: 0xfffffff1, ack: 0x101, len: 0x20 });
    expect([r.verdict, r.timeout]).toEqual([TcpVerdict.ACCEPT, 300]);
    expect(f.win(1).end).toBe(0x11);
    expect(send(f, 0, { flags: ACK, seq: 0x101, ack: 0x11 }).timeout).toBe(432000);
    expect(send(f, 0, { flags: ACK, seq: 0x101, ack: 0x12 }).reason).toBe(InvalidReason.TCP_ACK_OVER_WINDOW);
  });

  it('before/after are the kernel\'s signed 32-bit comparisons', () => {
    expect(before(0xffffffff, 0)).toBe(true);
    expect(after(0, 0xffffffff)).toBe(true);
    expect(before(5, 5)).toBe(false);
    // Exactly half way round, (s32)(a - b) is INT_MIN both ways: before and after.
    expect(after(0x80000000, 0)).toBe(true);
    expect(before(0x80000000, 0)).toBe(true);
  });
});

describe('option parsing', () => {
  const optsOf = (opts: number[]): [Uint8Array, number, number] => {
    const b = segmentBytes(0, { flags: SYN, opts });
    return [b, 20, (b[32] >>> 4) * 4];
  };

  it('window scale and SACK-permitted of a captured-style SYN', () => {
    const r = parseSynOptions(...optsOf([...mss(1460), ...sackPerm(), ...timestamps(7, 0), 1, ...wscale(10).slice(1)]));
    expect(r & 0xff).toBe(10);
    expect(r >>> 8).toBe(TcpCtFlag.WINDOW_SCALE | TcpCtFlag.SACK_PERM);
  });

  it('no options: -1 (state left alone); EOL, silly and partial options stop the walk', () => {
    expect(parseSynOptions(...optsOf([]))).toBe(-1);
    expect(parseSynOptions(...optsOf([0, 3, 3, 7]))).toBe(0);
    expect(parseSynOptions(...optsOf([4, 2, 2, 1, 3, 3, 7]))).toBe(TcpCtFlag.SACK_PERM << 8); // length 1 < 2
    expect(parseSynOptions(...optsOf([1, 1, 4, 2, 3, 5, 7, 0]))).toBe(TcpCtFlag.SACK_PERM << 8); // WS len 5 > what is left
    expect(parseSynOptions(...optsOf([3, 4, 7, 0]))).toBe(0); // WS with the wrong length is skipped
  });

  it('SACK: highest right edge in sequence order; timestamp-only fast path', () => {
    const [b, l4, hl] = optsOf(sackBlocks([10, 20], [0xfffffff0, 0xfffffff8], [30, 40]));
    expect(sackRightEdge(b, l4, hl, 5)).toBe(40);
    expect(sackRightEdge(b, l4, hl, 50)).toBe(50);
    expect(sackRightEdge(b, l4, hl, 0xffffff00)).toBe(40);
    const [t, tl4, thl] = optsOf(timestamps(1, 2));
    expect(sackRightEdge(t, tl4, thl, 9)).toBe(9);
    const [m, ml4, mhl] = optsOf([5, 9, 0, 0, 0, 1, 0, 0, 0, 2]); // length not 2 + 8n
    expect(sackRightEdge(m, ml4, mhl, 1)).toBe(1);
  });
});
