/**
 * TCP connection tracking: the kernel's nf_conntrack_proto_tcp.c (v6) as a
 * per-slot state machine for the conntrack table. tcp_error() is error(),
 * tcp_new() is start(), nf_conntrack_tcp_packet() is packet().
 *
 * Invariants:
 * - The state of a slot is TcpStore's (tcp-window.ts): typed arrays, 56 bytes
 *   per slot, a zeroed slot is unused. The table owns slots: it calls start()
 *   for the first packet of a connection, packet() for every packet including
 *   the first, clear()/copy() when it frees or moves entries.
 * - INVALID and IGNORE leave the state as it was and the timeout alone (-1,
 *   except nf_tcp_handle_invalid's shortening). Window bookkeeping the kernel
 *   does before a check fails (a SYN/ACK initialising its side, td_end of an
 *   over-long segment, the annotations of ignored segments) stays, as there:
 *   later packets depend on it.
 * - error(), start() and packet() allocate nothing and never throw; their
 *   outputs are the numeric fields below, valid until the next call.
 * - Timeouts are seconds, from ConntrackSettings (setSettings rereads them).
 */
import type { PacketContext } from '../packet/context.js';
import { tcpChecksumOk } from '../packet/checksum.js';
import { TCP_RST } from '../packet/tcp.js';
import type { ConntrackSettings } from './settings.js';
import { InvalidReason } from './invalid.js';
import { TcpCtFlag } from './tcp-options.js';
import {
  B_FLAGS, B_LAST_DIR, B_LAST_FLAGS, B_LAST_INDEX, B_RETRANS, B_STATE, B_STRIDE, before, conntrackIndex, segmentEnd,
  TcpIndex, TcpStore, W_END, W_LAST_ACK, W_LAST_END, W_MAXACK, W_MAXEND, W_MAXWIN, W_STRIDE, WindowResult,
} from './tcp-window.js';
import { S_IGNORE, S_INVALID, TCP_FLAG_MASK, TCP_STATE_TABLE, TCP_VALID_FLAGS, TcpState } from './tcp-states.js';

export { TcpCtFlag } from './tcp-options.js';
export { TcpIndex } from './tcp-window.js';
export { S_IGNORE, S_INVALID, TCP_STATE_NAMES, TCP_STATE_TABLE, TCP_VALID_FLAGS, TcpState } from './tcp-states.js';

/** What nf_conntrack_tcp_packet decided. */
export const TcpVerdict = { ACCEPT: 0, INVALID: 1, IGNORE: 2, REOPEN: 3 } as const;
export type TcpVerdict = (typeof TcpVerdict)[keyof typeof TcpVerdict];

/** Extra timeout slots after the states (TCP_CONNTRACK_RETRANS, TCP_CONNTRACK_UNACK). */
const T_RETRANS = 10;
const T_UNACK = 11;

const { NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2 } = TcpState;
/** rstChecks() results. */
const RST_SKIP_WINDOW = 1;
const RST_KEEP_STATE = 2;

/** tcp_can_early_drop(): closing states, where an RST skips every check. */
const closing = (s: number): boolean => s === FIN_WAIT || s === CLOSE_WAIT || s === LAST_ACK || s === TIME_WAIT || s === CLOSE;

export class TcpTracker {
  /** After packet(): timeout to set, in seconds (-1: leave the entry's timeout as it is). */
  timeout = -1;
  /** After packet() returned INVALID (or start() failed): why (InvalidReason). */
  reason = 0;
  /** After packet(): this packet makes the entry ASSURED. */
  setAssured = false;
  /** After packet(): delete the entry now, but the packet itself is accepted (RST before any reply was seen). */
  kill = false;
  /** After packet(): the state changed (for [UPDATE] events). */
  changed = false;

  /** The per-slot arrays (window state for inspection: conntrack -L, tests). */
  readonly st: TcpStore;
  /** Timeouts by state, then RETRANS and UNACK (tcp_timeouts[]). */
  private readonly timeouts = new Uint32Array(12);
  private loose = true;
  private ignoreInvalidRst = false;
  private maxRetrans = 3;

  constructor(capacity: number, settings: ConntrackSettings) {
    this.st = new TcpStore(capacity);
    this.setSettings(settings);
  }

  setSeqOffset(fn: (slot: number, dir: number, seq: number) => number): void {
    this.st.seqOffset = fn;
  }

  setSettings(s: ConntrackSettings): void {
    const t = this.timeouts;
    t[NONE] = s.nf_conntrack_tcp_timeout_syn_sent;
    t[SYN_SENT] = s.nf_conntrack_tcp_timeout_syn_sent;
    t[SYN_RECV] = s.nf_conntrack_tcp_timeout_syn_recv;
    t[ESTABLISHED] = s.nf_conntrack_tcp_timeout_established;
    t[FIN_WAIT] = s.nf_conntrack_tcp_timeout_fin_wait;
    t[CLOSE_WAIT] = s.nf_conntrack_tcp_timeout_close_wait;
    t[LAST_ACK] = s.nf_conntrack_tcp_timeout_last_ack;
    t[TIME_WAIT] = s.nf_conntrack_tcp_timeout_time_wait;
    t[CLOSE] = s.nf_conntrack_tcp_timeout_close;
    t[SYN_SENT2] = 120; // no sysctl: the kernel's fixed 2 minutes
    t[T_RETRANS] = s.nf_conntrack_tcp_timeout_max_retrans;
    t[T_UNACK] = s.nf_conntrack_tcp_timeout_unacknowledged;
    this.loose = s.nf_conntrack_tcp_loose !== 0;
    this.st.liberal = s.nf_conntrack_tcp_be_liberal !== 0;
    this.ignoreInvalidRst = s.nf_conntrack_tcp_ignore_invalid_rst !== 0;
    this.maxRetrans = s.nf_conntrack_tcp_max_retrans;
  }

  /** tcp_error(): InvalidReason.NONE when the header is sane. checksum=true: verify the TCP checksum. */
  error(ctx: PacketContext, checksum: boolean): number {
    if (ctx.l4Off < 0 || ctx.tcpHdrLen < 20 || ctx.l4Len < ctx.tcpHdrLen) return InvalidReason.TCP_TRUNCATED;
    if (checksum && !tcpChecksumOk(ctx.buf, ctx.l3Off, ctx.l4Off, ctx.l4Len)) return InvalidReason.TCP_BAD_CHECKSUM;
    if (!TCP_VALID_FLAGS[ctx.tcpFlags & TCP_FLAG_MASK]) return InvalidReason.TCP_BAD_FLAGS;
    return InvalidReason.NONE;
  }

  /** tcp_new(): set up slot from the first packet (original direction). NONE, or TCP_INVALID_NEW (slot left unused). */
  start(slot: number, ctx: PacketContext): number {
    if (ctx.l4Off < 0 || ctx.tcpHdrLen < 20 || ctx.l4Len < ctx.tcpHdrLen) return InvalidReason.TCP_TRUNCATED;
    const flags = ctx.tcpFlags;
    const next = TCP_STATE_TABLE[conntrackIndex(flags) * 10 + NONE];
    if (next >= S_INVALID) return InvalidReason.TCP_INVALID_NEW;
    if (next !== SYN_SENT && !this.loose) return InvalidReason.TCP_INVALID_NEW; // no pickup
    const st = this.st;
    st.clear(slot);
    const ws = slot * W_STRIDE;
    const end = segmentEnd(ctx.tcpSeq, ctx.l4Len, ctx.tcpHdrLen, flags);
    const win = ctx.tcpWindow === 0 ? 1 : ctx.tcpWindow;
    st.w[ws + W_END] = end;
    st.w[ws + W_MAXWIN] = win;
    if (next === SYN_SENT) {
      st.w[ws + W_MAXEND] = end;
      st.setOptions(slot, 0, ctx.buf, ctx.l4Off, ctx.tcpHdrLen);
    } else {
      // Mid-connection pickup: the history is lost, assume SACK and check liberally.
      st.w[ws + W_MAXEND] = end + win;
      const bb = slot * B_STRIDE;
      st.b[bb + B_FLAGS] = TcpCtFlag.SACK_PERM | TcpCtFlag.BE_LIBERAL;
      st.b[bb + B_FLAGS + 2] = TcpCtFlag.SACK_PERM | TcpCtFlag.BE_LIBERAL;
    }
    st.b[slot * B_STRIDE + B_LAST_INDEX] = TcpIndex.NONE;
    return InvalidReason.NONE;
  }

  state(slot: number): number {
    return this.st.b[slot * B_STRIDE + B_STATE];
  }

  clear(slot: number): void {
    this.st.clear(slot);
  }

  /** Move a slot's state (the table relocating an entry); `from` is left as it was. */
  copy(from: number, to: number): void {
    this.st.copy(from, to);
  }

  /**
   * nf_conntrack_tcp_packet() for the entry in slot. dir: 0 original, 1 reply.
   * seenReply/assured: IPS_SEEN_REPLY / IPS_ASSURED before this packet.
   * remaining: seconds left on the entry's timer, for nf_tcp_handle_invalid
   * (an out-of-window FIN/RST answering one from the other side lowers a long
   * timeout to the UNACK one); 0 when unknown disables that.
   */
  packet(slot: number, dir: number, ctx: PacketContext, seenReply: boolean, assured: boolean, remaining = 0): number {
    this.timeout = -1;
    this.reason = InvalidReason.NONE;
    this.setAssured = false;
    this.kill = false;
    this.changed = false;
    if (ctx.l4Off < 0 || ctx.tcpHdrLen < 20 || ctx.l4Len < ctx.tcpHdrLen) {
      this.reason = InvalidReason.TCP_TRUNCATED;
      return TcpVerdict.INVALID;
    }
    dir = dir === 0 ? 0 : 1;
    const st = this.st;
    const w = st.w;
    const b = st.b;
    const ws = slot * W_STRIDE;
    const bb = slot * B_STRIDE;
    const flags = ctx.tcpFlags;
    const index = conntrackIndex(flags);
    const stored = b[bb + B_STATE];
    let old = stored;
    let next = TCP_STATE_TABLE[dir * 60 + index * 10 + old];
    let checkWindow = true;

    if (next === SYN_SENT && old >= TIME_WAIT) {
      // A SYN reopening a closed (FIN seen) or aborted (RST from this side) connection.
      if (((b[bb + B_FLAGS] | b[bb + B_FLAGS + 2]) & TcpCtFlag.CLOSE_INIT) ||
          (b[bb + B_LAST_DIR] === dir && b[bb + B_LAST_INDEX] === TcpIndex.RST)) {
        return TcpVerdict.REOPEN;
      }
      next = S_IGNORE;
    }

    if (next === S_IGNORE) {
      const lastDir = b[bb + B_LAST_DIR];
      if (index === TcpIndex.SYNACK && b[bb + B_LAST_INDEX] === TcpIndex.SYN && lastDir !== dir &&
          ctx.tcpAck === w[ws + W_LAST_END]) {
        // The SYN/ACK answers a SYN we ignored: both ends are in sync and we were not.
        old = SYN_SENT;
        next = SYN_RECV;
        st.resync(slot, dir);
      } else {
        st.noteIgnored(slot, dir, index, old, ctx.buf, ctx.l4Off, ctx.l4Len, ctx.tcpHdrLen, flags, ctx.tcpSeq, ctx.tcpAck, ctx.tcpWindow);
        return TcpVerdict.IGNORE;
      }
    } else if (next === S_INVALID) {
      this.reason = InvalidReason.TCP_INVALID_STATE;
      return TcpVerdict.INVALID;
    } else if (next === TIME_WAIT) {
      if (old === LAST_ACK && index === TcpIndex.ACK && b[bb + B_LAST_DIR] !== dir &&
          b[bb + B_LAST_INDEX] === TcpIndex.SYN && (b[bb + B_LAST_FLAGS] & TcpCtFlag.EXP_CHALLENGE_ACK)) {
        // RFC 5961 challenge ACK to the SYN let through: it does not ack the last FIN.
        b[bb + B_LAST_FLAGS] &= ~TcpCtFlag.EXP_CHALLENGE_ACK;
        return TcpVerdict.IGNORE;
      }
    } else if (next === SYN_SENT2) {
      b[bb + B_LAST_FLAGS] |= TcpCtFlag.SIMULTANEOUS_OPEN;
    } else if (next === SYN_RECV) {
      if (dir === 1 && index === TcpIndex.ACK && (b[bb + B_LAST_FLAGS] & TcpCtFlag.SIMULTANEOUS_OPEN)) next = ESTABLISHED;
    } else if (next === CLOSE && index === TcpIndex.RST) {
      const r = this.rstChecks(slot, dir, old, ctx, seenReply, assured);
      if (r < 0) return TcpVerdict.INVALID;
      if (r & RST_SKIP_WINDOW) checkWindow = false;
      if (r & RST_KEEP_STATE) next = old;
    }

    if (checkWindow) {
      const res = st.inWindow(slot, dir, index, stored, ctx.buf, ctx.l4Off, ctx.l4Len, ctx.tcpHdrLen,
        flags, ctx.tcpSeq, ctx.tcpAck, ctx.tcpWindow);
      if (res === WindowResult.IGNORE) return TcpVerdict.IGNORE;
      if (res === WindowResult.INVALID) {
        this.reason = st.reason;
        this.handleInvalid(slot, dir, index, assured, remaining);
        return TcpVerdict.INVALID;
      }
    }

    // In window from here on.
    b[bb + B_LAST_INDEX] = index;
    b[bb + B_LAST_DIR] = dir;
    b[bb + B_STATE] = next;
    if (old !== next && next === FIN_WAIT) b[bb + B_FLAGS + dir * 2] |= TcpCtFlag.CLOSE_INIT;
    this.changed = old !== next;

    const t = this.timeouts;
    const tn = t[next];
    let timeout: number;
    if (b[bb + B_RETRANS] >= this.maxRetrans && tn > t[T_RETRANS]) timeout = t[T_RETRANS];
    else if (index === TcpIndex.RST) timeout = t[CLOSE];
    else if (((b[bb + B_FLAGS] | b[bb + B_FLAGS + 2]) & TcpCtFlag.DATA_UNACKNOWLEDGED) && tn > t[T_UNACK]) timeout = t[T_UNACK];
    else if (st.lastWin[slot] === 0 && tn > t[T_RETRANS]) timeout = t[T_RETRANS];
    else timeout = tn;

    if (!seenReply) {
      if (flags & TCP_RST) {
        // Only an RST came back (or the opener gave up): no connection worth keeping.
        this.kill = true;
        return TcpVerdict.ACCEPT;
      }
      // A retransmitted SYN must not keep the entry (and its NAT binding) alive.
      if (index === TcpIndex.SYN && old === SYN_SENT) return TcpVerdict.ACCEPT;
      // Picked up without a reply yet: no five-day timeout on the word of one side.
      if (next === ESTABLISHED && timeout > t[T_UNACK]) timeout = t[T_UNACK];
    } else if (!assured && (old === SYN_RECV || old === ESTABLISHED) && next === ESTABLISHED) {
      this.setAssured = true;
    }
    this.timeout = timeout;
    return TcpVerdict.ACCEPT;
  }

  /**
   * The RST checks of the CLOSE case. Returns -1 for an invalid RST (reason
   * set), else RST_SKIP_WINDOW and/or RST_KEEP_STATE (an RST whose seq is not
   * exactly the one expected keeps the state, so a challenge ACK can follow).
   */
  private rstChecks(slot: number, dir: number, old: number, ctx: PacketContext, seenReply: boolean, assured: boolean): number {
    const st = this.st;
    const w = st.w;
    const b = st.b;
    const ws = slot * W_STRIDE;
    const bb = slot * B_STRIDE;
    const stored = b[bb + B_STATE];
    // Closing: the tuple may be reused already, the sequence state is stale.
    if (closing(stored)) return RST_SKIP_WINDOW;
    const lastIndex = b[bb + B_LAST_INDEX];
    const seq = ctx.tcpSeq;
    let result = 0;
    const rv = ws + (1 - dir) * 4;
    if ((b[bb + B_FLAGS + (1 - dir) * 2] & TcpCtFlag.MAXACK_SET) && lastIndex !== TcpIndex.SYN) {
      const established = stored === ESTABLISHED && assured;
      // SEQ 0 outside an established connection: most likely the answer to a SYN we let through.
      if (seq === 0 && !established) return 0;
      if (before(seq, w[rv + W_MAXACK]) && !this.ignoreInvalidRst) {
        this.reason = InvalidReason.TCP_INVALID_RST;
        return -1;
      }
      if (!established || seq === w[rv + W_MAXACK]) return 0;
      // The RST closing a data train: seq is where the last ACK segment of this side ended.
      if (lastIndex === TcpIndex.ACK && b[bb + B_LAST_DIR] === dir && seq === w[ws + W_LAST_END]) return 0;
      result = RST_KEEP_STATE;
    }
    const ackSeq = ctx.tcpAck;
    if (((seenReply && lastIndex === TcpIndex.SYN) || (!assured && lastIndex === TcpIndex.ACK)) &&
        ackSeq === w[ws + W_LAST_END]) {
      return result | RST_SKIP_WINDOW; // RST to a SYN or half-open ACK we let through: it may ack segments we ignored
    }
    if (old === SYN_SENT && lastIndex === TcpIndex.ACK && b[bb + B_LAST_DIR] === 1 && seq === w[ws + W_LAST_ACK]) {
      return result | RST_SKIP_WINDOW; // RST answering a challenge ACK we let through
    }
    return result;
  }

  /** nf_tcp_handle_invalid(): an invalid FIN/RST answering one from the other side shortens a long timeout. */
  private handleInvalid(slot: number, dir: number, index: number, assured: boolean, remaining: number): void {
    if (!assured || (index !== TcpIndex.RST && index !== TcpIndex.FIN)) return;
    const b = this.st.b;
    const bb = slot * B_STRIDE;
    const lastIndex = b[bb + B_LAST_INDEX];
    if (b[bb + B_LAST_DIR] !== dir && (lastIndex === TcpIndex.FIN || lastIndex === TcpIndex.RST)) {
      if (remaining < 120) return;
      if (remaining > this.timeouts[T_UNACK]) this.timeout = this.timeouts[T_UNACK];
    } else {
      b[bb + B_LAST_INDEX] = index;
      b[bb + B_LAST_DIR] = dir;
    }
  }
}

/** Bytes of TCP state per slot (the table's memory budget). */
export const TCP_SLOT_BYTES = W_STRIDE * 4 + B_STRIDE + 2;
