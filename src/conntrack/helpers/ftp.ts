/**
 * The FTP helper: nf_conntrack_ftp's help() and, when the control
 * connection is NATed, nf_nat_ftp (the address text rewritten to what the
 * other side must connect to, with a free port for the expectation) through
 * nf_nat_mangle_tcp_packet (payload replaced, lengths and checksums fixed,
 * the length change recorded for sequence adjustment).
 * Invariants:
 * - Only ESTABLISHED segments with payload are inspected, and only when the
 *   segment starts right after a '\n' this direction sent (up to two such
 *   positions remembered per direction, in the sender's own sequence
 *   space): commands count at line starts only.
 * - One expectation per master (max_expected 1), 300 s.
 * - Growth stays within the packet's buffer (ctx.bufEnd) and 65535 bytes;
 *   otherwise the segment is dropped, as the kernel drops what it cannot
 *   mangle. Nothing allocates per packet.
 */
import { setIpChecksum, setTcpChecksum } from '../../packet/checksum.js';
import type { PacketContext } from '../../packet/context.js';
import { CtState } from '../../rules/ctstate.js';
import { Verdict } from '../../rules/verdict.js';
import { Status } from '../table.js';
import { ExpectResult } from './expect.js';
import { FtpMatch, ftpFind, ftpFormat } from './ftp-parse.js';
import type { Helpers } from './index.js';
import { seqAfter, seqBefore } from './seqadj.js';

/** ftp_exp_policy. */
export const FTP_MAX_EXPECTED = 1;
export const FTP_EXPECT_TIMEOUT_S = 300;
/** NUM_SEQ_TO_REMEMBER. */
const NUM_SEQ = 2;
const NAT_MASK = Status.SRC_NAT | Status.DST_NAT;
/** nf_nat_exp_find_port's max_attempts. */
const MAX_ATTEMPTS = 128;

export class FtpHelper {
  /** seq_aft_nl[dir][i] at (slot * 2 + dir) * 2 + i; counts at slot * 2 + dir. */
  private readonly nl: Uint32Array;
  private readonly nlNum: Uint8Array;
  private readonly m = new FtpMatch();
  private readonly text = new Uint8Array(64);

  constructor(private readonly h: Helpers, private readonly random16: () => number) {
    const cap = h.extCapacity;
    this.nl = new Uint32Array(cap * 2 * NUM_SEQ);
    this.nlNum = new Uint8Array(cap * 2);
  }

  /** `ext`: the connection's helper extension (Helpers.extOf), not its slot. */
  reset(ext: number): void {
    this.nlNum[ext * 2] = 0;
    this.nlNum[ext * 2 + 1] = 0;
  }

  private findNl(slot: number, dir: number, seq: number): boolean {
    const k = this.h.extOf(slot) * 2 + dir;
    for (let i = 0; i < this.nlNum[k]; i++) if (this.nl[k * NUM_SEQ + i] === seq) return true;
    return false;
  }

  /** update_nl_seq: remember `seq` as a line start unless older than what is kept. */
  private updateNl(slot: number, dir: number, seq: number): void {
    const k = this.h.extOf(slot) * 2 + dir;
    const n = this.nlNum[k];
    const base = k * NUM_SEQ;
    for (let i = 0; i < n; i++) if (this.nl[base + i] === seq) return;
    if (n < NUM_SEQ) {
      this.nl[base + n] = seq;
      this.nlNum[k] = n + 1;
      return;
    }
    const oldest = seqBefore(this.nl[base], this.nl[base + 1]) ? 0 : 1;
    if (seqAfter(seq, this.nl[base + oldest])) this.nl[base + oldest] = seq;
  }

  /** help() for a TCP segment of the master in direction dir; the verdict. */
  help(ctx: PacketContext, slot: number, dir: number): number {
    if ((ctx.ctState & CtState.ESTABLISHED) === 0) return Verdict.ACCEPT;
    const b = ctx.buf;
    const dataOff = ctx.l4Off + ctx.tcpHdrLen;
    const dataLen = ctx.l4Len - ctx.tcpHdrLen;
    if (dataLen <= 0) return Verdict.ACCEPT;
    const seq = ctx.tcpSeq;
    const endsInNl = b[dataOff + dataLen - 1] === 10;
    const nextSeq = (seq + dataLen) >>> 0;
    const h = this.h;
    const tb = h.table;
    let v: number = Verdict.ACCEPT;
    if (this.findNl(slot, dir, seq)) {
      const m = this.m;
      const sender = tb.src(slot * 2 + dir);
      const found = ftpFind(b, dataOff, dataLen, dir, sender, m);
      if (found < 0) {
        h.stats.partial++;
        return Verdict.DROP;
      }
      if (found > 0) v = this.expect(ctx, slot, dir, m, sender);
    }
    if (endsInNl) this.updateNl(slot, dir, nextSeq);
    return v;
  }

  /** The match found: record the expectation (and rewrite the text when the master is NATed). */
  private expect(ctx: PacketContext, slot: number, dir: number, m: FtpMatch, sender: number): number {
    const h = this.h;
    const tb = h.table;
    if (m.addr !== sender) {
      // "NOT RECORDING": an address other than the sender's (loose=0).
      h.stats.notRecorded++;
      return Verdict.ACCEPT;
    }
    const other = slot * 2 + (1 - dir);
    const src = tb.src(other);
    const dst = tb.dst(other);
    const now = h.now();
    const timeout = FTP_EXPECT_TIMEOUT_S * 1000;
    if ((tb.status(slot) & NAT_MASK) === 0) {
      if (h.expects.insert(slot, src, dst, m.port, 6, timeout, FTP_MAX_EXPECTED, -1, 0, now) !== ExpectResult.OK) {
        h.stats.noExpectation++;
        return Verdict.DROP;
      }
      return Verdict.ACCEPT;
    }
    // nf_nat_ftp: the data connection will come to where this packet goes (tuple[!dir].dst).
    const saved = m.port;
    const port = this.findPort(slot, src, dst, saved, 1 - dir, now, timeout);
    if (port === 0) {
      h.stats.noExpectation++;
      return Verdict.DROP;
    }
    const len = ftpFormat(m.type, dst, port, this.text);
    if (!mangleTcpPayload(ctx, m.matchOff, m.matchLen, this.text, len)) {
      h.stats.mangleFailed++;
      for (const i of h.expects.ofMaster(slot, now)) h.expects.remove(i);
      return Verdict.DROP;
    }
    if (len !== m.matchLen) {
      tb.addStatus(slot, Status.SEQ_ADJUST);
      h.seqadj.set(h.extOf(slot), dir, ctx.tcpSeq, len - m.matchLen);
    }
    return Verdict.ACCEPT;
  }

  /** nf_nat_exp_find_port: the announced port if free, else random ones above it (128 tries); 0 when none. */
  private findPort(slot: number, src: number, dst: number, first: number, natDir: number, now: number, timeout: number): number {
    const min = first;
    const range = 65535 - first;
    let attempts = range > MAX_ATTEMPTS ? MAX_ATTEMPTS : range;
    let port = first;
    for (;;) {
      const r = this.h.expects.insert(slot, src, dst, port, 6, timeout, FTP_MAX_EXPECTED, natDir, first, now);
      if (r === ExpectResult.OK) return port;
      if (r !== ExpectResult.BUSY || --attempts < 0) return 0;
      port = min + ((this.random16() >>> 0) % range);
    }
  }
}

/**
 * nf_nat_mangle_tcp_packet's bytes: replace matchLen bytes at matchOff of the
 * segment's payload with rep[0, repLen), moving the rest; IP total length,
 * IP checksum and the TCP checksum (recomputed) follow, and so do the
 * context's lengths. False when it would not fit (65535 bytes, or the room
 * after the packet in its buffer).
 */
export function mangleTcpPayload(ctx: PacketContext, matchOff: number, matchLen: number, rep: Uint8Array, repLen: number): boolean {
  const b = ctx.buf;
  const l3 = ctx.l3Off;
  const tot = ctx.ipTotLen;
  const delta = repLen - matchLen;
  if (tot + delta > 65535) return false;
  const end = l3 + tot;
  if (delta > 0 && end + delta > Math.min(ctx.bufEnd, b.length)) return false;
  const at = ctx.l4Off + ctx.tcpHdrLen + matchOff;
  if (at + matchLen > end) return false;
  b.copyWithin(at + repLen, at + matchLen, end);
  b.set(rep.subarray(0, repLen), at);
  const nt = tot + delta;
  b[l3 + 2] = nt >>> 8;
  b[l3 + 3] = nt & 255;
  setIpChecksum(b, l3);
  ctx.ipTotLen = nt;
  ctx.l4Len += delta;
  ctx.frameLen += delta;
  setTcpChecksum(b, l3, ctx.l4Off, ctx.l4Len);
  return true;
}
