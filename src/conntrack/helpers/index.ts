/**
 * Conntrack helpers (nf_conntrack_helper.c): the registry, the attachment a
 * `-t raw -j CT --helper NAME` rule makes, expected connections, and the
 * helper run at the confirm entry of INPUT/POSTROUTING.
 * Where helpers run: as nf_confirm() does since the helper hook merged into
 * it (~v6.1): at the last entry of INPUT and POSTROUTING, after SNAT/DNAT,
 * first the helper, then sequence adjustment (when the entry has
 * SEQ_ADJUST), then the confirm. So the helper sees every packet of the
 * master once, in both directions, already NATed, and a packet it drops
 * leaves no unconfirmed entry behind.
 * Invariants:
 * - No automatic assignment by port (off since v4.7): only CT --helper
 *   attaches a helper, to the connection the packet creates.
 * - The entry's helper word: bits 0–7 its own helper (conntrack -L helper=),
 *   bits 8–15 its master's helper (an expected connection; -m helper reads
 *   this one, as xt_helper reads ct->master's helper).
 * - Helper and seqadj state lives in extensions (as the kernel's ct
 *   extensions), a pool sized for a sixteenth of the table: only connections
 *   with a helper take one (at attach, zeroed), and give it back when their
 *   entry goes. A connection that finds the pool empty runs without its
 *   helper (counted). SEQ_ADJUST is only ever set on an entry with one.
 * - Per packet nothing allocates.
 */
import type { PacketContext } from '../../packet/context.js';
import { CtState } from '../../rules/ctstate.js';
import { Verdict } from '../../rules/verdict.js';
import { Status, type ConntrackTable } from '../table.js';
import type { Tuple } from '../tuple.js';
import { ExpectTable } from './expect.js';
import { FtpHelper } from './ftp.js';
import { SeqAdj } from './seqadj.js';

/** Helpers by index (0: none); the CT target's names map here. */
export const HELPER_NAMES: readonly string[] = ['', 'ftp'];
export const HELPER_FTP = 1;

export function helperIndex(name: string): number {
  const i = HELPER_NAMES.indexOf(name);
  return i < 0 ? 0 : i;
}
export const ownHelper = (word: number): number => word & 0xff;
export const masterHelper = (word: number): number => (word >>> 8) & 0xff;

/** What an expected connection of a NATed master needs from NAT (nf_nat_follow_master). */
export interface FollowMaster {
  /** Bind `slot` as nf_nat_follow_master does: source to master's tuple[!dir].dst, destination to tuple[!dir].src:port. */
  followMaster(slot: number, master: number, dir: number, port: number): void;
}

/** Why helpers dropped packets and what they made (conntrack -S style counters). */
export class HelperStats {
  /** "partial matching of `PORT'" and the like. */
  partial = 0;
  /** "cannot add expectation" / "all ports in use". */
  noExpectation = 0;
  /** "cannot mangle packet" (no room, or over 65535). */
  mangleFailed = 0;
  /** An announced address other than the sender's: not recorded (loose=0). */
  notRecorded = 0;
  /** nf_ct_seq_adjust refused a segment (malformed options). */
  seqadjFailed = 0;
  /** A helper not attached: every extension was in use. */
  noExtension = 0;
}

export class Helpers {
  readonly expects: ExpectTable;
  readonly seqadj: SeqAdj;
  readonly ftp: FtpHelper;
  readonly stats = new HelperStats();
  /** NAT, when the dataplane has it: expected connections of NATed masters follow them. */
  follow: FollowMaster | null = null;

  /** Extensions in the pool. */
  readonly extCapacity: number;
  /** Extension of each slot, -1 for none. */
  private readonly ext: Int32Array;
  private readonly extFree: Int32Array;
  private extFreeCount: number;

  constructor(readonly table: ConntrackTable, readonly now: () => number, random16: () => number = () => (Math.random() * 65536) | 0) {
    this.expects = new ExpectTable(table);
    this.extCapacity = Math.max(64, Math.ceil(table.capacity / 16));
    this.ext = new Int32Array(table.capacity).fill(-1);
    this.extFree = new Int32Array(this.extCapacity);
    for (let i = 0; i < this.extCapacity; i++) this.extFree[i] = this.extCapacity - 1 - i;
    this.extFreeCount = this.extCapacity;
    this.seqadj = new SeqAdj(this.extCapacity);
    this.ftp = new FtpHelper(this, random16);
    const prev = table.onDestroy;
    table.onDestroy = (slot) => {
      prev?.(slot);
      const e = this.ext[slot];
      if (e >= 0) {
        this.ext[slot] = -1;
        this.extFree[this.extFreeCount++] = e;
      }
    };
  }

  /** The helper extension of a slot, or -1. */
  extOf(slot: number): number {
    return this.ext[slot];
  }

  /** A new connection with helper h from its packet's CT template (__nf_ct_try_assign_helper). */
  attach(slot: number, h: number): void {
    if (h === 0) return;
    if (this.ext[slot] < 0) {
      if (this.extFreeCount === 0) {
        this.stats.noExtension++;
        return;
      }
      this.ext[slot] = this.extFree[--this.extFreeCount];
    }
    const e = this.ext[slot];
    this.table.setHelper(slot, h);
    this.table.addStatus(slot, Status.HELPER);
    this.seqadj.reset(e);
    if (h === HELPER_FTP) this.ftp.reset(e);
  }

  /**
   * init_conntrack's expectation step for a new unconfirmed entry with
   * original tuple t: when an expectation matches, it is consumed, the entry
   * is EXPECTED (its first packet RELATED), takes the master's mark and
   * remembers its helper, and NAT follows the master. True when it matched.
   */
  expected(slot: number, t: Tuple, zone: number, now: number): boolean {
    const ex = this.expects;
    if (ex.count === 0) return false;
    const i = ex.find(t.src, t.dst, t.ports & 0xffff, t.proto, zone, now);
    if (i < 0) return false;
    const master = ex.master(i);
    const natDir = ex.natDir(i);
    const port = ex.savedPort(i);
    ex.remove(i);
    ex.matched++;
    const tb = this.table;
    tb.addStatus(slot, Status.EXPECTED);
    tb.setMark(slot, tb.mark(master));
    tb.setHelper(slot, ownHelper(tb.helper(master)) << 8);
    if (natDir >= 0 && this.follow !== null) this.follow.followMaster(slot, master, natDir, port);
    return true;
  }

  /** nf_ct_seq_offset for the TCP window tracker: 0 unless the entry has SEQ_ADJUST. */
  seqOffset(slot: number, dir: number, seq: number): number {
    if ((this.table.status(slot) & Status.SEQ_ADJUST) === 0) return 0;
    return this.seqadj.offset(this.ext[slot], dir, seq);
  }

  /**
   * nf_confirm's part before the confirm: the helper, then sequence
   * adjustment. Returns the verdict (DROP: the helper or seqadj refused).
   */
  run(ctx: PacketContext): number {
    const slot = ctx.ctIndex;
    if (slot < 0) return Verdict.ACCEPT;
    const tb = this.table;
    const own = this.ext[slot] < 0 ? 0 : ownHelper(tb.helper(slot));
    const seqadj = (tb.status(slot) & Status.SEQ_ADJUST) !== 0;
    if (own === 0 && !seqadj) return Verdict.ACCEPT;
    const dir = ctx.ctDir;
    // helper->help() does not expect ICMP errors (RELATED_REPLY).
    if ((ctx.ctState & CtState.RELATED) !== 0 && dir === 1) return Verdict.ACCEPT;
    if (ctx.proto !== 6 || ctx.l4Off < 0) return Verdict.ACCEPT;
    if (own === HELPER_FTP) {
      const v = this.ftp.help(ctx, slot, dir);
      if (v !== Verdict.ACCEPT) return v;
    }
    if ((tb.status(slot) & Status.SEQ_ADJUST) !== 0 && (ctx.saddr >>> 24) !== 127) {
      if (!this.seqadj.adjust(this.ext[slot], dir, ctx.buf, ctx.l4Off, ctx.tcpHdrLen)) {
        this.stats.seqadjFailed++;
        return Verdict.DROP;
      }
      // The parsed fields follow the bytes.
      const b = ctx.buf, o = ctx.l4Off;
      ctx.tcpSeq = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
      ctx.tcpAck = ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0;
    }
    return Verdict.ACCEPT;
  }
}
