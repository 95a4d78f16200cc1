/**
 * Per-slot TCP conntrack state and the window check (the kernel's
 * tcp_in_window(), v6: checks I-IV with the IGNORE split for II and IV and
 * the "bytes more than expected" tolerance for I), plus the annotations of
 * ignored segments and the SYN/ACK resync that reads them.
 *
 * Invariants:
 * - All state lives in three typed arrays allocated once: 44 bytes of u32
 *   (td_end/td_maxend/td_maxwin/td_maxack per direction, last_seq/last_ack/
 *   last_end), 10 bytes of u8 (state, td_scale and flags per direction,
 *   last_dir, last_index, last_wscale, last_flags, retrans) and the u16
 *   last_win: 56 bytes per slot. A zeroed slot is the kernel's memset state.
 * - Sequence numbers are unsigned 32-bit; the u32 array stores them mod 2^32,
 *   and before/after compare as the kernel's (s32)(a - b) < 0.
 * - Nothing here allocates or throws; results are numbers, the INVALID
 *   reason is left in TcpStore.reason.
 */
import { InvalidReason } from './invalid.js';
import { parseSynOptions, sackRightEdge, TcpCtFlag } from './tcp-options.js';
import { TcpState } from './tcp-states.js';

// u32 fields: per direction d at d * 4 + ..., then the last_* annotations.
export const W_END = 0;
export const W_MAXEND = 1;
export const W_MAXWIN = 2;
export const W_MAXACK = 3;
export const W_LAST_SEQ = 8;
export const W_LAST_ACK = 9;
export const W_LAST_END = 10;
export const W_STRIDE = 11;

// u8 fields: per direction d at 1 + d * 2 + ...
export const B_STATE = 0;
export const B_SCALE = 1;
export const B_FLAGS = 2;
export const B_LAST_DIR = 5;
export const B_LAST_INDEX = 6;
export const B_LAST_WSCALE = 7;
export const B_LAST_FLAGS = 8;
export const B_RETRANS = 9;
export const B_STRIDE = 10;

/** Segment index (get_conntrack_index): the row of the state table. */
export const TcpIndex = { SYN: 0, SYNACK: 1, FIN: 2, ACK: 3, RST: 4, NONE: 5 } as const;

/** tcp_in_window's result, in the kernel's enum order. */
export const WindowResult = { IGNORE: 0, INVALID: 1, ACCEPT: 2 } as const;

const { SYN_SENT, SYN_RECV, LAST_ACK } = TcpState;

/** MAXACKWINCONST: the floor of the ack window (check IV). */
const MAXACKWIN_CONST = 66000;

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

export const before = (a: number, b: number): boolean => ((a - b) | 0) < 0;
export const after = (a: number, b: number): boolean => ((b - a) | 0) < 0;

export function conntrackIndex(flags: number): number {
  if (flags & RST) return TcpIndex.RST;
  if (flags & SYN) return flags & ACK ? TcpIndex.SYNACK : TcpIndex.SYN;
  if (flags & FIN) return TcpIndex.FIN;
  if (flags & ACK) return TcpIndex.ACK;
  return TcpIndex.NONE;
}

/** seq + payload length + SYN + FIN (segment_seq_plus_len); l4Len includes the header. */
export function segmentEnd(seq: number, l4Len: number, hdrLen: number, flags: number): number {
  return (seq + l4Len - hdrLen + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0)) >>> 0;
}

export class TcpStore {
  /** nf_ct_seq_offset (the helpers' sequence adjustment), or null when nothing adjusts sequences. */
  seqOffset: ((slot: number, dir: number, seq: number) => number) | null = null;
  readonly w: Uint32Array;
  readonly b: Uint8Array;
  readonly lastWin: Uint16Array;
  /** Global nf_conntrack_tcp_be_liberal. */
  liberal = false;
  /** Why the last window check said INVALID. */
  reason = 0;

  constructor(readonly capacity: number) {
    this.w = new Uint32Array(capacity * W_STRIDE);
    this.b = new Uint8Array(capacity * B_STRIDE);
    this.lastWin = new Uint16Array(capacity);
  }

  clear(slot: number): void {
    this.w.fill(0, slot * W_STRIDE, slot * W_STRIDE + W_STRIDE);
    this.b.fill(0, slot * B_STRIDE, slot * B_STRIDE + B_STRIDE);
    this.lastWin[slot] = 0;
  }

  copy(from: number, to: number): void {
    this.w.copyWithin(to * W_STRIDE, from * W_STRIDE, from * W_STRIDE + W_STRIDE);
    this.b.copyWithin(to * B_STRIDE, from * B_STRIDE, from * B_STRIDE + B_STRIDE);
    this.lastWin[to] = this.lastWin[from];
  }

  /** tcp_options() into direction d: reset scale and all flags but BE_LIBERAL, unless there are no options. */
  setOptions(slot: number, d: number, buf: Uint8Array, l4Off: number, hdrLen: number): void {
    const r = parseSynOptions(buf, l4Off, hdrLen);
    if (r < 0) return;
    const o = slot * B_STRIDE + 1 + d * 2;
    this.b[o] = r & 0xff;
    this.b[o + 1] = (this.b[o + 1] & TcpCtFlag.BE_LIBERAL) | (r >>> 8);
  }

  /** tcp_init_sender(): a SYN or SYN/ACK (re)initialises the sender's direction. */
  initSender(slot: number, dir: number, end: number, win: number, buf: Uint8Array, l4Off: number, hdrLen: number): void {
    const s = slot * W_STRIDE + dir * 4;
    this.w[s + W_END] = end;
    this.w[s + W_MAXEND] = end;
    this.w[s + W_MAXWIN] = win === 0 ? 1 : win;
    this.setOptions(slot, dir, buf, l4Off, hdrLen);
    // RFC 7323: scaling only when both sides sent the option; decided on the reply.
    const b0 = slot * B_STRIDE + 1;
    if (dir === 1 && !(this.b[b0 + 1] & this.b[b0 + 3] & TcpCtFlag.WINDOW_SCALE)) {
      this.b[b0] = 0;
      this.b[b0 + 2] = 0;
    }
  }

  /**
   * The sIG case: record the ignored segment (for the SYN/ACK resync and the
   * RST checks); an original-direction SYN also keeps its options, and in
   * LAST_ACK the expectation of a challenge ACK. `old` is the state.
   */
  noteIgnored(
    slot: number, dir: number, index: number, old: number,
    buf: Uint8Array, l4Off: number, l4Len: number, hdrLen: number,
    flags: number, seq: number, ack: number, winRaw: number,
  ): void {
    const ws = slot * W_STRIDE;
    const bb = slot * B_STRIDE;
    this.b[bb + B_LAST_INDEX] = index;
    this.b[bb + B_LAST_DIR] = dir;
    this.w[ws + W_LAST_SEQ] = seq;
    this.w[ws + W_LAST_END] = segmentEnd(seq, l4Len, hdrLen, flags);
    this.lastWin[slot] = winRaw;
    if (index === TcpIndex.SYN && dir === 0) {
      const r = parseSynOptions(buf, l4Off, hdrLen);
      let lf = 0;
      let scale = 0;
      if (r >= 0) {
        if ((r >>> 8) & TcpCtFlag.WINDOW_SCALE) {
          lf |= TcpCtFlag.WINDOW_SCALE;
          scale = r & 0xff;
        }
        lf |= (r >>> 8) & TcpCtFlag.SACK_PERM;
      }
      // The server may answer with a challenge ACK, which must not count as the last ACK.
      if (old === LAST_ACK) lf |= TcpCtFlag.EXP_CHALLENGE_ACK;
      this.b[bb + B_LAST_FLAGS] = lf;
      this.b[bb + B_LAST_WSCALE] = scale;
    }
    // A reply ACK in SYN_SENT may be a challenge ACK; the RST answering it carries its ack as seq.
    if (old === SYN_SENT && index === TcpIndex.ACK && dir === 1) this.w[ws + W_LAST_ACK] = ack;
  }

  /**
   * A SYN/ACK in dir acked the SYN ignored in the other direction: rebuild
   * that side from the annotation and reset dir's side, so the window check
   * initialises it from this SYN/ACK.
   */
  resync(slot: number, dir: number): void {
    const w = this.w;
    const b = this.b;
    const ws = slot * W_STRIDE;
    const bb = slot * B_STRIDE;
    const lastDir = b[bb + B_LAST_DIR];
    const ls = ws + lastDir * 4;
    w[ls + W_END] = w[ws + W_LAST_END];
    w[ls + W_MAXEND] = w[ws + W_LAST_END];
    w[ls + W_MAXWIN] = this.lastWin[slot] === 0 ? 1 : this.lastWin[slot];
    b[bb + B_SCALE + lastDir * 2] = b[bb + B_LAST_WSCALE];
    b[bb + B_LAST_FLAGS] &= ~TcpCtFlag.EXP_CHALLENGE_ACK;
    b[bb + B_FLAGS + lastDir * 2] = b[bb + B_LAST_FLAGS];
    const ds = ws + dir * 4; // nf_ct_tcp_state_reset
    w[ds + W_END] = 0;
    w[ds + W_MAXEND] = 0;
    w[ds + W_MAXWIN] = 0;
    w[ds + W_MAXACK] = 0;
    b[bb + B_SCALE + dir * 2] = 0;
    b[bb + B_FLAGS + dir * 2] &= TcpCtFlag.BE_LIBERAL;
  }

  /** nf_tcp_log_invalid(): liberal (global or the sender's flag) turns any failure into ACCEPT. */
  private fail(slot: number, dir: number, res: number, reason: number): number {
    if (this.liberal || this.b[slot * B_STRIDE + B_FLAGS + dir * 2] & TcpCtFlag.BE_LIBERAL) return WindowResult.ACCEPT;
    this.reason = reason;
    return res;
  }

  /**
   * tcp_in_window() for a segment of direction dir with the given segment
   * index; state is the entry's stored state. seq/ack/win/flags/len come from
   * the header fields, options are read from buf at l4Off + 20 .. l4Off + hdrLen.
   */
  inWindow(
    slot: number, dir: number, index: number, state: number,
    buf: Uint8Array, l4Off: number, l4Len: number, hdrLen: number,
    flags: number, seqIn: number, ackIn: number, winRaw: number,
  ): number {
    const w = this.w;
    const b = this.b;
    const ws = slot * W_STRIDE;
    const s = ws + dir * 4; // sender
    const r = ws + (1 - dir) * 4; // receiver
    const bs = slot * B_STRIDE + 1 + dir * 2; // sender scale; flags at +1
    const br = slot * B_STRIDE + 1 + (1 - dir) * 2;
    let seq = seqIn;
    let ack = ackIn;
    let sack = ackIn;
    let win = winRaw;
    let end = segmentEnd(seq, l4Len, hdrLen, flags);

    if (b[br + 1] & TcpCtFlag.SACK_PERM) sack = sackRightEdge(buf, l4Off, hdrLen, sack);
    // NAT sequence adjustment: track in the receiver's un-mangled space (nf_ct_seq_offset(ct, !dir, ack - 1)).
    const so = this.seqOffset;
    if (so !== null) {
      const off = so(slot, 1 - dir, (ack - 1) >>> 0);
      if (off !== 0) {
        ack = (ack - off) >>> 0;
        sack = (sack - off) >>> 0;
      }
    }

    if (w[s + W_MAXWIN] === 0) {
      if (flags & SYN) {
        this.initSender(slot, dir, end, win, buf, l4Off, hdrLen);
        if (!(flags & ACK)) return WindowResult.ACCEPT; // simultaneous open
      } else {
        // Picked up mid-connection: believe the packet.
        w[s + W_END] = end;
        const swin = (win << b[bs]) >>> 0;
        w[s + W_MAXWIN] = swin === 0 ? 1 : swin;
        w[s + W_MAXEND] = end + w[s + W_MAXWIN];
        if (w[r + W_MAXWIN] === 0) {
          // No traffic the other way yet: let III and IV pass until there is.
          w[r + W_END] = sack;
          w[r + W_MAXEND] = sack;
        } else if (sack === ((w[r + W_END] + 1) >>> 0)) {
          w[r + W_END] = sack; // likely the answer to a keepalive (III)
        }
      }
    } else if ((flags & SYN) && after(end, w[s + W_END]) && (state === SYN_SENT || state === SYN_RECV)) {
      // RFC 793 reinitialised connection: a new SYN(/ACK) with higher sequence numbers.
      this.initSender(slot, dir, end, win, buf, l4Off, hdrLen);
      if (dir === 1 && !(flags & ACK)) return WindowResult.ACCEPT;
    }

    if (!(flags & ACK)) {
      ack = sack = w[r + W_END];
    } else if ((flags & RST) && ack === 0) {
      ack = sack = w[r + W_END]; // stacks that send RST|ACK with ack 0
    }
    if ((flags & RST) && seq === 0 && state === SYN_SENT) {
      seq = end = w[s + W_END]; // RST answering a SYN
    }

    const maxackwin = w[s + W_MAXWIN] > MAXACKWIN_CONST ? w[s + W_MAXWIN] : MAXACKWIN_CONST;
    const rEnd = w[r + W_END];
    const rMaxwin = w[r + W_MAXWIN];

    // I. seq <= sender.td_maxend
    if (!before(seq, (w[s + W_MAXEND] + 1) >>> 0)) {
      const overshot = (end - w[s + W_MAXEND] + 1) >>> 0;
      const ackOk = after(sack, (rEnd - maxackwin - 1) >>> 0);
      const inRecvWin = rMaxwin !== 0 && after(end, (w[s + W_END] - rMaxwin - 1) >>> 0);
      if (inRecvWin && ackOk && overshot <= rMaxwin && before(sack, (rEnd + 1) >>> 0)) {
        // A sender overrunning the window: remember the data so its ACK passes III later.
        w[s + W_END] = end;
        b[bs + 1] |= TcpCtFlag.DATA_UNACKNOWLEDGED;
        return this.fail(slot, dir, WindowResult.IGNORE, InvalidReason.NONE);
      }
      return this.fail(slot, dir, WindowResult.INVALID, InvalidReason.TCP_SEQ_OVER_WINDOW);
    }
    // III. sack <= receiver.td_end
    if (!before(sack, (rEnd + 1) >>> 0)) {
      return this.fail(slot, dir, WindowResult.INVALID, InvalidReason.TCP_ACK_OVER_WINDOW);
    }
    // II. seq + len >= sender.td_end - receiver.td_maxwin (already ACKed data retransmitted)
    if (rMaxwin !== 0 && !after(end, (w[s + W_END] - rMaxwin - 1) >>> 0)) {
      return this.fail(slot, dir, WindowResult.IGNORE, InvalidReason.NONE);
    }
    // IV. sack >= receiver.td_end - MAXACKWINDOW (overly delayed ACK)
    if (!after(sack, (rEnd - maxackwin - 1) >>> 0)) {
      return this.fail(slot, dir, WindowResult.IGNORE, InvalidReason.NONE);
    }

    if (!(flags & SYN)) win = (win << b[bs]) >>> 0;

    // Update the sender.
    const swin = (win + sack - ack) >>> 0;
    if (w[s + W_MAXWIN] < swin) w[s + W_MAXWIN] = swin;
    if (after(end, w[s + W_END])) {
      w[s + W_END] = end;
      b[bs + 1] |= TcpCtFlag.DATA_UNACKNOWLEDGED;
    }
    if (flags & ACK) {
      if (!(b[bs + 1] & TcpCtFlag.MAXACK_SET)) {
        w[s + W_MAXACK] = ack;
        b[bs + 1] |= TcpCtFlag.MAXACK_SET;
      } else if (after(ack, w[s + W_MAXACK])) {
        w[s + W_MAXACK] = ack;
      }
    }

    // Update the receiver.
    if (w[r + W_MAXWIN] !== 0 && after(end, w[s + W_MAXEND])) {
      w[r + W_MAXWIN] = w[r + W_MAXWIN] + end - w[s + W_MAXEND];
    }
    if (after((sack + win) >>> 0, (w[r + W_MAXEND] - 1) >>> 0)) {
      w[r + W_MAXEND] = win === 0 ? sack + 1 : sack + win;
    }
    if (ack === w[r + W_END]) b[br + 1] &= ~TcpCtFlag.DATA_UNACKNOWLEDGED;

    // Count retransmissions: identical ACK-only segments in the same direction.
    if (index === TcpIndex.ACK) {
      const bb = slot * B_STRIDE;
      if (b[bb + B_LAST_DIR] === dir && w[ws + W_LAST_SEQ] === seq && w[ws + W_LAST_ACK] === ack &&
          w[ws + W_LAST_END] === end && this.lastWin[slot] === winRaw) {
        b[bb + B_RETRANS]++;
      } else {
        b[bb + B_LAST_DIR] = dir;
        w[ws + W_LAST_SEQ] = seq;
        w[ws + W_LAST_ACK] = ack;
        w[ws + W_LAST_END] = end;
        this.lastWin[slot] = winRaw;
        b[bb + B_RETRANS] = 0;
      }
    }
    return WindowResult.ACCEPT;
  }
}
