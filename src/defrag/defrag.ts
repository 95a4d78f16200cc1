/**
 * IPv4 reassembly as the kernel's ip_defrag (net/ipv4/ip_fragment.c,
 * inet_fragment.c, v6 semantics), the engine behind nf_defrag_ipv4.
 *
 * Per fragment, in the kernel's order: queue lookup by (saddr, daddr, id,
 * protocol, user); an expired queue found here (expire() not run since its
 * deadline) is dropped as DEFRAG_TIMEOUT without the ICMP report, and a new
 * one started; ipfrag_max_dist (per-source counter; too far ->
 * the queue is purged and restarted, timer re-armed, DEFRAG_DISORDER);
 * last-fragment consistency (DEFRAG_MALFORMED, whole queue); a non-last
 * fragment's end rounded down to 8; zero length (DEFRAG_MALFORMED, whole
 * queue); insertion as inet_frag_queue_insert: contained in one run ->
 * DEFRAG_DUPLICATE (this fragment only), any other overlap -> DEFRAG_OVERLAP
 * (whole queue); reassembly when first and last are in and nothing is
 * missing: ECN (Not-ECT with ECT/CE -> DEFRAG_MALFORMED; CE with ECT -> CE),
 * ihl + len > 65535 -> DEFRAG_OVERSIZE; the first fragment's header with
 * tot_len, frag_off = DF when the largest fragment had DF (else 0), checksum.
 * Kernel quirks kept on purpose: a duplicate that claims to be last still
 * marks the queue LAST_IN; a restart keeps max_size / max_df_size.
 *
 * Differences from Linux, deliberate:
 * - Memory: ipfrag_high_thresh is a hard bound. A fragment whose new pages
 *   (and, for a new queue, the queue record) would take `memory` above it is
 *   dropped alone (DEFRAG_MEMORY); Linux instead refuses fragments once
 *   already above (so it overshoots by one skb) and also refuses fragments
 *   that need no new memory (here a fragment that fits in pages its queue
 *   already holds is always taken). The check comes after the queue rules
 *   (it needs the queue's pages), where Linux checks first. The account (see arena.ts, table.ts) is
 *   PAGE_COST (1056) per arena page held + QUEUE_COST (444) per queue: a
 *   64 KiB datagram costs ~66 KiB here against ~127 KiB of skb truesize in
 *   Linux, a lone 8-byte fragment ~1.5 KiB against ~1 KiB: same kind of
 *   bound, not the same numbers. The arena has high_thresh / PAGE_COST pages
 *   and the table high_thresh / (PAGE_COST + QUEUE_COST) queues, so neither
 *   runs out before the account does.
 * - A fragment reaching past byte 65515 of payload can never reassemble (any
 *   header is >= 20 bytes): its queue is dropped at once (DEFRAG_OVERSIZE),
 *   where Linux waits for completion or the timer.
 * - After completion the queue is gone (as after ipq_kill): a late copy of
 *   a fragment starts a new queue that times out, as in Linux.
 *
 * Counting: drops[r] counts events (one per fragment dropped alone, one per
 * queue discarded: overlap, malformed, oversize, timeout, restart);
 * fragDrops[r] counts fragments (a discarded queue adds every fragment it
 * held), the kernel's per-skb kfree_skb_reason view.
 *
 * Invariants: no allocation and no throw in submit() and expire() (typed
 * arrays sized at construction; setSettings() may grow them); memory <=
 * the ipfrag_high_thresh in force when each byte was accepted; every live
 * queue holds at least one fragment once submit() returns.
 */
import { rd16, wr16, copyBytes } from '../packet/bytes.js';
import { setIpChecksum } from '../packet/checksum.js';
import { DropReason, DROP_REASON_COUNT } from '../packet/drop-reason.js';
import { PageArena, PAGE_COST, PAGE_SHIFT, PAGE_SIZE, PAGE_UNITS, PAGE_WORDS } from './arena.js';
import { checkSettings, DefragResult, type DefragSettings } from './settings.js';
import { QueueTable, FIRST_IN, LAST_IN, HDR_ROOM, MAX_PAYLOAD, QUEUE_COST, QUEUE_PAGES } from './table.js';

/** Bytes handed to onTimeout at most: header + payload of the first fragment, an ICMP error's quote. */
export const TIMEOUT_QUOTE_MAX = 576;

const IP_DF = 0x4000;
const IP_MF = 0x2000;

/** ip_frag_ecn_table: index = OR of 1 << (tos & 3); value = bits to OR into tos, 0xff = drop. */
const ECN_TABLE = (() => {
  const t = new Uint8Array(16);
  const NOT_ECT = 1, ECT_1 = 2, ECT_0 = 4, CE = 8;
  for (let i = 0; i < 16; i++) {
    if ((i & NOT_ECT) !== 0 && (i & (ECT_1 | ECT_0 | CE)) !== 0) t[i] = 0xff;
    else if ((i & CE) !== 0 && (i & (ECT_1 | ECT_0)) !== 0) t[i] = 3;
  }
  return t;
})();

// classify() results
const NEW_RUN = 0;
const APPEND = 1;
const DUP = 2;
const OVERLAP = 3;

function sizing(thresh: number): { pages: number; queues: number } {
  return { pages: Math.floor(thresh / PAGE_COST), queues: Math.max(1, Math.floor(thresh / (PAGE_COST + QUEUE_COST))) };
}

function randomSeed(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0];
}

/** expire()'s report of a queue that timed out with its first fragment: bytes, and the submit() user. */
export type DefragTimeoutFn = (buf: Uint8Array, off: number, len: number, user: number) => void;

export class Defrag {
  outLen = 0;
  maxFragSize = 0;
  df = 0;
  reason = 0;
  readonly drops = new Float64Array(DROP_REASON_COUNT);
  readonly fragDrops = new Float64Array(DROP_REASON_COUNT);

  private s: DefragSettings;
  private capThresh: number;
  private readonly arena: PageArena;
  private readonly t: QueueTable;
  private readonly peer: Uint32Array;
  private readonly peerMask: number;
  private readonly peerSeed: number;
  private readonly scratch = new Uint8Array(TIMEOUT_QUOTE_MAX);
  private mem = 0;
  private done = 0;

  /** `seed` fixes the hash seed (tests); by default it is random per instance. */
  constructor(settings: DefragSettings, seed: number = randomSeed()) {
    checkSettings(settings);
    this.s = { ...settings };
    this.capThresh = settings.ipfrag_high_thresh;
    const z = sizing(this.capThresh);
    this.arena = new PageArena(z.pages);
    this.t = new QueueTable(z.queues, seed);
    let np = 1024;
    while (np < 2 * z.queues) np *= 2;
    this.peer = new Uint32Array(np);
    this.peerMask = np - 1;
    this.peerSeed = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  get memory(): number { return this.mem; }
  get queues(): number { return this.t.count; }
  get reassembled(): number { return this.done; }
  get settings(): Readonly<DefragSettings> { return this.s; }

  /** New settings for what comes next; a higher ipfrag_high_thresh than ever before grows the arena (allocates). */
  setSettings(s: DefragSettings): void {
    checkSettings(s);
    this.s = { ...s };
    if (s.ipfrag_high_thresh > this.capThresh) {
      this.capThresh = s.ipfrag_high_thresh;
      const z = sizing(this.capThresh);
      this.arena.grow(z.pages);
      this.t.grow(z.queues);
    }
  }

  /**
   * Take the fragment at buf[l3Off, l3Off+len) (its IPv4 header validated;
   * MF set or offset != 0). `user` separates callers as the kernel's
   * IP_DEFRAG_* users do (e.g. conntrack-in vs local-out), 0..255. Returns a
   * DefragResult; see the class fields for what COMPLETE and DROPPED leave.
   * On COMPLETE `out` needs room for the datagram (65535 bytes covers any)
   * and may be buf itself: the fragment is copied before anything is written.
   */
  submit(buf: Uint8Array, l3Off: number, len: number, nowMs: number, out: Uint8Array, outOff: number, user = 0): number {
    const hl = (buf[l3Off] & 0x0f) << 2;
    if (hl < 20 || len < hl || l3Off < 0 || l3Off + len > buf.length) return this.dropOne(DropReason.DEFRAG_MALFORMED);
    const thresh = this.s.ipfrag_high_thresh;
    if (thresh <= 0) return this.dropOne(DropReason.DEFRAG_MEMORY);
    const word = rd16(buf, l3Off + 6);
    const offset = (word & 0x1fff) << 3;
    const mf = word & IP_MF;
    let end = offset + len - hl;
    if (mf !== 0) end &= ~7;
    const saddr = ((buf[l3Off + 12] << 24) | (buf[l3Off + 13] << 16) | (buf[l3Off + 14] << 8) | buf[l3Off + 15]) >>> 0;
    const daddr = ((buf[l3Off + 16] << 24) | (buf[l3Off + 17] << 16) | (buf[l3Off + 18] << 8) | buf[l3Off + 19]) >>> 0;
    const idpu = ((buf[l3Off + 4] << 24) | (buf[l3Off + 5] << 16) | (buf[l3Off + 9] << 8) | (user & 0xff)) >>> 0;
    const T = this.t;
    let q = T.find(saddr, daddr, idpu);
    if (q >= 0 && T.deadline[q] <= nowMs) {
      // Its timer would have fired already: only expire() reports the ICMP.
      this.discard(q, DropReason.DEFRAG_TIMEOUT, 0);
      q = -1;
    }
    let kind = NEW_RUN;
    let qlen: number;
    let flags: number;
    if (q < 0) {
      if (end <= offset) return this.dropOne(DropReason.DEFRAG_MALFORMED);
      if (end > MAX_PAYLOAD) return this.dropOne(DropReason.DEFRAG_OVERSIZE);
      const np = ((end - 1) >> PAGE_SHIFT) - (offset >> PAGE_SHIFT) + 1;
      if (this.mem + QUEUE_COST + np * PAGE_COST > thresh || np > this.arena.freePages || T.freeCount === 0) {
        return this.dropOne(DropReason.DEFRAG_MEMORY);
      }
      q = T.create(saddr, daddr, idpu, nowMs + this.s.ipfrag_time * 1000);
      this.mem += QUEUE_COST;
      if (this.s.ipfrag_max_dist > 0) T.rid[q] = this.bumpPeer(saddr);
      qlen = end;
      flags = mf === 0 ? LAST_IN : 0;
    } else {
      const maxDist = this.s.ipfrag_max_dist;
      if (maxDist > 0) {
        const start = T.rid[q];
        const now = this.bumpPeer(saddr);
        T.rid[q] = now;
        if (T.nfrags[q] > 0 && ((now - start) >>> 0) > maxDist) this.restart(q, nowMs);
      }
      qlen = T.len[q];
      flags = T.flags[q];
      if (mf === 0) {
        // A last fragment: nothing may lie beyond it, and there is only one end.
        if (end < qlen || ((flags & LAST_IN) !== 0 && end !== qlen)) return this.discard(q, DropReason.DEFRAG_MALFORMED, 1);
        flags |= LAST_IN;
        qlen = end;
      } else if (end > qlen) {
        if ((flags & LAST_IN) !== 0) return this.discard(q, DropReason.DEFRAG_MALFORMED, 1);
        qlen = end;
      }
      if (end === offset) return this.discard(q, DropReason.DEFRAG_MALFORMED, 1);
      kind = this.classify(q, offset, end);
      if (kind === OVERLAP) return this.discard(q, DropReason.DEFRAG_OVERLAP, 1);
      if (kind === DUP) {
        T.len[q] = qlen;
        T.flags[q] = flags;
        return this.dropOne(DropReason.DEFRAG_DUPLICATE);
      }
      if (end > MAX_PAYLOAD) return this.discard(q, DropReason.DEFRAG_OVERSIZE, 1);
      const np = this.newPages(q, offset, end);
      if (np > 0 && (this.mem + np * PAGE_COST > thresh || np > this.arena.freePages)) {
        if (T.nfrags[q] === 0) this.free(q); // emptied by a restart just now: no empty queue lingers
        return this.dropOne(DropReason.DEFRAG_MEMORY);
      }
    }
    T.len[q] = qlen;
    this.store(q, buf, l3Off + hl, offset, end, kind);
    const tos = buf[l3Off + 1];
    T.ecn[q] |= 1 << (tos & 3);
    if (offset === 0) {
      flags |= FIRST_IN;
      T.hdrLen[q] = hl;
      T.firstLen[q] = end;
      copyBytes(T.hdr, q * HDR_ROOM, buf, l3Off, hl);
    }
    T.flags[q] = flags;
    T.nfrags[q]++;
    T.meat[q] += end - offset;
    const fragSize = end - offset + hl;
    if (fragSize > T.maxSize[q]) T.maxSize[q] = fragSize;
    if ((word & IP_DF) !== 0 && fragSize > T.maxDfSize[q]) T.maxDfSize[q] = fragSize;
    if (flags === (FIRST_IN | LAST_IN) && T.meat[q] === qlen) return this.reassemble(q, out, outOff);
    return DefragResult.QUEUED;
  }

  /**
   * Drop queues whose ipfrag_time has passed (oldest first, at most `budget`
   * per call; returns how many). For a queue that had its first fragment,
   * onTimeout gets that fragment's header + payload (up to TIMEOUT_QUOTE_MAX
   * bytes, in a scratch buffer valid during the call) and the queue's `user`
   * for ICMP time exceeded code 1. Whether to send it is the caller's call:
   * ip_expire skips it for conntrack-in users unless the datagram was for a
   * local address (forwarded traffic times out silently).
   */
  expire(nowMs: number, onTimeout: DefragTimeoutFn, budget = 256): number {
    const T = this.t;
    let n = 0;
    while (n < budget) {
      const q = T.head;
      if (q < 0 || T.deadline[q] > nowMs) break;
      let qlen = 0;
      if ((T.flags[q] & FIRST_IN) !== 0) qlen = this.quoteFirst(q);
      const user = T.idpu[q] & 0xff;
      this.discard(q, DropReason.DEFRAG_TIMEOUT, 0);
      if (qlen > 0) onTimeout(this.scratch, 0, qlen, user);
      n++;
    }
    return n;
  }

  /** Deadline of the oldest queue (ms), or Infinity: when expire() next has work. */
  nextDeadline(): number {
    return this.t.head < 0 ? Infinity : this.t.deadline[this.t.head];
  }

  // ---------------------------------------------------------------- internals

  private dropOne(reason: number): number {
    this.drops[reason]++;
    this.fragDrops[reason]++;
    this.reason = reason;
    return DefragResult.DROPPED;
  }

  /** Drop queue q with `reason`; `extra` fragments (the one in hand) count with it. */
  private discard(q: number, reason: number, extra: number): number {
    this.drops[reason]++;
    this.fragDrops[reason] += this.t.nfrags[q] + extra;
    this.reason = reason;
    this.free(q);
    return DefragResult.DROPPED;
  }

  private releasePages(q: number): void {
    const T = this.t;
    const base = q * QUEUE_PAGES;
    for (let i = 0; i < QUEUE_PAGES; i++) {
      const p = T.pageTab[base + i];
      if (p >= 0) this.arena.release(p);
    }
    this.mem -= T.npages[q] * PAGE_COST;
  }

  private free(q: number): void {
    this.releasePages(q);
    this.mem -= QUEUE_COST;
    this.t.remove(q);
  }

  /** ip_frag_reinit: purge, empty, re-arm the timer (ipfrag_max_dist exceeded). */
  private restart(q: number, nowMs: number): void {
    const T = this.t;
    this.drops[DropReason.DEFRAG_DISORDER]++;
    this.fragDrops[DropReason.DEFRAG_DISORDER] += T.nfrags[q];
    this.releasePages(q);
    T.reset(q);
    T.disarm(q);
    T.arm(q, nowMs + this.s.ipfrag_time * 1000);
  }

  /** The source's disorder counter (inet_peer rid), incremented; sources sharing a slot share a counter. */
  private bumpPeer(saddr: number): number {
    let h = (saddr ^ this.peerSeed) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    h ^= h >>> 16;
    const i = h & this.peerMask;
    this.peer[i]++; // wraps at 2^32, as the kernel's atomic_t; distances are taken mod 2^32
    return this.peer[i];
  }

  /**
   * Where [offset, end) goes, as inet_frag_queue_insert: past the tail ->
   * append to the last run (adjacent) or a new run; otherwise against the
   * runs: no intersection -> new run, inside one run -> DUP, else OVERLAP.
   */
  private classify(q: number, offset: number, end: number): number {
    const T = this.t;
    if (T.nfrags[q] === 0) return NEW_RUN;
    const te = T.tailEnd[q];
    if (end > te) {
      if (offset < te) return OVERLAP;
      return offset === te ? APPEND : NEW_RUN;
    }
    const bits = this.arena.bits;
    const base = q * QUEUE_PAGES;
    const u0 = offset >> 3;
    const u1 = ((end + 7) >> 3) - 1;
    let any = false;
    let all = true;
    for (let u = u0; u <= u1; u++) {
      const p = T.pageTab[base + (u >> 7)];
      if (p < 0) {
        all = false;
        if (any) return OVERLAP;
        u |= PAGE_UNITS - 1; // skip the rest of the absent page
        continue;
      }
      const w = p * PAGE_WORDS + ((u & (PAGE_UNITS - 1)) >> 5);
      const m = 1 << (u & 31);
      if ((bits[w] & m) !== 0) {
        if (!all) return OVERLAP;
        any = true;
        if (u > u0 && (bits[w + 4] & m) !== 0) return OVERLAP; // a second run starts inside
      } else {
        all = false;
        if (any) return OVERLAP;
      }
    }
    return any ? DUP : NEW_RUN;
  }

  private newPages(q: number, offset: number, end: number): number {
    const T = this.t;
    const base = q * QUEUE_PAGES;
    let n = 0;
    for (let i = offset >> PAGE_SHIFT, last = (end - 1) >> PAGE_SHIFT; i <= last; i++) if (T.pageTab[base + i] < 0) n++;
    return n;
  }

  /** Copy the payload to its place and mark its units (run start on a new run). */
  private store(q: number, buf: Uint8Array, payOff: number, offset: number, end: number, kind: number): void {
    const T = this.t;
    const A = this.arena;
    const base = q * QUEUE_PAGES;
    let pos = offset;
    while (pos < end) {
      const i = pos >> PAGE_SHIFT;
      let p = T.pageTab[base + i];
      if (p < 0) {
        p = A.alloc(); // cannot fail: the caller checked freePages
        T.pageTab[base + i] = p;
        T.npages[q]++;
        this.mem += PAGE_COST;
      }
      const at = pos & (PAGE_SIZE - 1);
      const n = Math.min(end - pos, PAGE_SIZE - at);
      copyBytes(A.bytes, (p << PAGE_SHIFT) + at, buf, payOff + (pos - offset), n);
      pos += n;
    }
    const bits = A.bits;
    const u0 = offset >> 3;
    const u1 = ((end + 7) >> 3) - 1;
    for (let u = u0; u <= u1; u++) {
      const p = T.pageTab[base + (u >> 7)];
      bits[p * PAGE_WORDS + ((u & (PAGE_UNITS - 1)) >> 5)] |= 1 << (u & 31);
    }
    if (kind !== APPEND) {
      const p = T.pageTab[base + (u0 >> 7)];
      bits[p * PAGE_WORDS + 4 + ((u0 & (PAGE_UNITS - 1)) >> 5)] |= 1 << (u0 & 31);
    }
    if (end > T.tailEnd[q]) T.tailEnd[q] = end;
  }

  /** ip_frag_reasm: checks, then the datagram at out[outOff]. */
  private reassemble(q: number, out: Uint8Array, outOff: number): number {
    const T = this.t;
    const ecn = ECN_TABLE[T.ecn[q]];
    if (ecn === 0xff) return this.discard(q, DropReason.DEFRAG_MALFORMED, 0);
    const hl = T.hdrLen[q];
    const plen = T.len[q];
    const total = hl + plen;
    if (total > 65535) return this.discard(q, DropReason.DEFRAG_OVERSIZE, 0);
    // A caller's buffer too small for the datagram: it cannot be delivered.
    if (outOff < 0 || outOff + total > out.length) return this.discard(q, DropReason.DEFRAG_OVERSIZE, 0);
    copyBytes(out, outOff, T.hdr, q * HDR_ROOM, hl);
    const A = this.arena;
    const base = q * QUEUE_PAGES;
    for (let pos = 0, i = 0; pos < plen; pos += PAGE_SIZE, i++) {
      copyBytes(out, outOff + hl + pos, A.bytes, T.pageTab[base + i] << PAGE_SHIFT, Math.min(PAGE_SIZE, plen - pos));
    }
    wr16(out, outOff + 2, total);
    out[outOff + 1] |= ecn;
    // DF only when the largest fragment had it (IPSKB_FRAG_PMTU): no tiny DF fragments later.
    const pmtu = T.maxDfSize[q] === T.maxSize[q];
    wr16(out, outOff + 6, pmtu ? IP_DF : 0);
    setIpChecksum(out, outOff);
    this.outLen = total;
    this.maxFragSize = Math.max(T.maxDfSize[q], T.maxSize[q]);
    this.df = pmtu ? 1 : 0;
    this.done++;
    this.free(q);
    return DefragResult.COMPLETE;
  }

  /** The first fragment's header + payload (as much as TIMEOUT_QUOTE_MAX holds) into scratch. */
  private quoteFirst(q: number): number {
    const T = this.t;
    const hl = T.hdrLen[q];
    copyBytes(this.scratch, 0, T.hdr, q * HDR_ROOM, hl);
    const n = Math.min(T.firstLen[q], TIMEOUT_QUOTE_MAX - hl);
    const A = this.arena;
    const base = q * QUEUE_PAGES;
    for (let pos = 0, i = 0; pos < n; pos += PAGE_SIZE, i++) {
      copyBytes(this.scratch, hl + pos, A.bytes, T.pageTab[base + i] << PAGE_SHIFT, Math.min(PAGE_SIZE, n - pos));
    }
    return hl + n;
  }
}
