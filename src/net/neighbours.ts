/**
 * Neighbours: the ARP cache and resolution state machine, after the kernel's
 * neighbour subsystem (net/core/neighbour.c), in fixed typed-array pools.
 *
 * Invariants:
 * - At most cfg.maxEntries entries, each FREE, INCOMPLETE, REACHABLE, STALE or
 *   FAILED; every non-free entry is in the open-addressing hash on (ifIndex,
 *   addr) (linear probing, backward-shift deletion, load <= 1/2), and no two
 *   entries share a key.
 * - Only INCOMPLETE entries hold parked packets: at most cfg.queueLen each (the
 *   kernel's unres_qlen), FIFO, in a shared pool of nodes. Every parked packet
 *   leaves through exactly one callback: release (resolved, in arrival order),
 *   failed (retries exhausted) or overflow (the oldest, when a full queue
 *   takes another packet). A refused park() (returns false) keeps nothing.
 * - resolve() hits on REACHABLE and STALE. The kernel would move a used STALE
 *   entry through DELAY/PROBE; here a STALE entry is re-solicited once (on the
 *   first use after it went stale) and its MAC stays in use until a reply
 *   makes it REACHABLE again or staleMs passes and it is freed.
 * - INCOMPLETE: one ARP request on creation, another every retransMs until
 *   `retries` were sent, then FAILED one retransMs later (queue → failed()).
 *   park() on a FAILED entry restarts resolution (as the kernel does).
 * - REACHABLE older than reachableMs → STALE; STALE or FAILED older than
 *   staleMs → freed. Times are the `now()` clock's (ms); tick(nowMs) uses its
 *   argument.
 * - learn() updates any existing entry (→ REACHABLE, releasing its queue) and
 *   creates one only when isReplyOrForUs. A full pool evicts a STALE or FAILED
 *   entry, else creation is refused.
 * - Callbacks may re-enter this object: queues are detached before callbacks
 *   run. resolve/park/learn/tick allocate nothing.
 */

import type { ArpConfig } from '../config/types.js';
import type { NeighboursIO } from '../dataplane/deps.js';

export interface NeighbourCallbacks {
  /** Send an ARP request. */
  solicit(ifIndex: number, addr: number): void;
  /** A parked packet may go now; its destination MAC is mac[macOff .. macOff + 6). */
  release(ifIndex: number, slot: number, l3Off: number, len: number, mac: Uint8Array, macOff: number): void;
  /** Resolution failed: ICMP host unreachable + drop. */
  failed(ifIndex: number, slot: number, l3Off: number, len: number): void;
  /** A parked packet was dropped: queue full. */
  overflow(ifIndex: number, slot: number): void;
}

export const NUD_FREE = 0;
export const NUD_INCOMPLETE = 1;
export const NUD_REACHABLE = 2;
export const NUD_STALE = 3;
export const NUD_FAILED = 4;
const STATE_NAMES = ['FREE', 'INCOMPLETE', 'REACHABLE', 'STALE', 'FAILED'] as const;

export interface NeighbourEntry {
  ifIndex: number;
  addr: number;
  mac: string;
  state: string;
  queued: number;
}

export interface NeighbourCounts {
  hits: number;
  misses: number;
  parked: number;
  released: number;
  /** Parked packets handed to failed(). */
  failed: number;
  /** Entries that went to FAILED. */
  resolutionsFailed: number;
  overflow: number;
  /** park() calls refused (pool of entries or of queue nodes exhausted, or queueLen 0). */
  refused: number;
  solicits: number;
  evicted: number;
}

export interface NeighbourOptions {
  /** Queue nodes shared by all entries; default min(maxEntries * queueLen, 16384). */
  poolSize?: number;
}

export class Neighbours implements NeighboursIO {
  readonly counts: NeighbourCounts = {
    hits: 0, misses: 0, parked: 0, released: 0, failed: 0, resolutionsFailed: 0, overflow: 0, refused: 0, solicits: 0, evicted: 0,
  };

  private readonly max: number;
  private readonly ifIdx: Int32Array;
  private readonly addr: Uint32Array;
  /** 6 bytes per entry. */
  readonly macs: Uint8Array;
  private readonly state: Uint8Array;
  /** When the entry entered its state (or was last confirmed). */
  private readonly since: Float64Array;
  private readonly lastProbe: Float64Array;
  private readonly probes: Uint8Array;
  private readonly qHead: Int32Array;
  private readonly qTail: Int32Array;
  private readonly qLen: Int32Array;
  private readonly freeEntries: Int32Array;
  private freeTop: number;
  private evictHand = 0;

  private readonly table: Int32Array;
  private readonly tmask: number;

  private readonly pSlot: Int32Array;
  private readonly pOff: Int32Array;
  private readonly pLen: Int32Array;
  private readonly pNext: Int32Array;
  private pFree: number;

  constructor(
    private readonly cfg: ArpConfig,
    private readonly cb: NeighbourCallbacks,
    private readonly now: () => number,
    opts: NeighbourOptions = {},
  ) {
    const max = Math.max(1, cfg.maxEntries | 0);
    this.max = max;
    this.ifIdx = new Int32Array(max);
    this.addr = new Uint32Array(max);
    this.macs = new Uint8Array(6 * max);
    this.state = new Uint8Array(max);
    this.since = new Float64Array(max);
    this.lastProbe = new Float64Array(max);
    this.probes = new Uint8Array(max);
    this.qHead = new Int32Array(max).fill(-1);
    this.qTail = new Int32Array(max).fill(-1);
    this.qLen = new Int32Array(max);
    this.freeEntries = new Int32Array(max);
    for (let i = 0; i < max; i++) this.freeEntries[i] = max - 1 - i;
    this.freeTop = max;
    let cap = 8;
    while (cap < max * 2) cap <<= 1;
    this.table = new Int32Array(cap).fill(-1);
    this.tmask = cap - 1;
    const pool = Math.max(1, opts.poolSize ?? Math.min(max * Math.max(0, cfg.queueLen), 16384));
    this.pSlot = new Int32Array(pool);
    this.pOff = new Int32Array(pool);
    this.pLen = new Int32Array(pool);
    this.pNext = new Int32Array(pool);
    for (let i = 0; i < pool; i++) this.pNext[i] = i + 1 < pool ? i + 1 : -1;
    this.pFree = 0;
  }

  // ------------------------------------------------------------ per packet

  resolve(ifIndex: number, addr: number, buf: Uint8Array, macOff: number): boolean {
    const e = this.find(ifIndex, addr);
    if (e >= 0) {
      const st = this.state[e];
      if (st === NUD_REACHABLE || st === NUD_STALE) {
        if (st === NUD_STALE && this.probes[e] === 0) {
          this.probes[e] = 1;
          this.lastProbe[e] = this.now();
          this.sendSolicit(e);
        }
        const m = e * 6;
        for (let k = 0; k < 6; k++) buf[macOff + k] = this.macs[m + k];
        this.counts.hits++;
        return true;
      }
    }
    this.counts.misses++;
    return false;
  }

  park(ifIndex: number, addr: number, slot: number, l3Off: number, len: number): boolean {
    let e = this.find(ifIndex, addr);
    let start = false;
    if (e < 0) {
      e = this.allocEntry(ifIndex, addr);
      if (e < 0) {
        this.counts.refused++;
        return false;
      }
      start = true;
    } else {
      const st = this.state[e];
      if (st === NUD_REACHABLE || st === NUD_STALE) {
        // Resolved meanwhile: no need to wait.
        this.counts.released++;
        this.cb.release(ifIndex, slot, l3Off, len, this.macs, e * 6);
        return true;
      }
      if (st === NUD_FAILED) start = true;
    }
    if (start) {
      this.state[e] = NUD_INCOMPLETE;
      const t = this.now();
      this.since[e] = t;
      this.lastProbe[e] = t;
      this.probes[e] = 1;
    }
    const ok = this.enqueue(e, slot, l3Off, len);
    if (start) this.sendSolicit(e);
    return ok;
  }

  learn(ifIndex: number, addr: number, buf: Uint8Array, macOff: number, isReplyOrForUs: boolean): void {
    let e = this.find(ifIndex, addr);
    if (e < 0) {
      if (!isReplyOrForUs) return;
      e = this.allocEntry(ifIndex, addr);
      if (e < 0) return;
    }
    const m = e * 6;
    for (let k = 0; k < 6; k++) this.macs[m + k] = buf[macOff + k];
    this.state[e] = NUD_REACHABLE;
    this.since[e] = this.now();
    this.probes[e] = 0;
    this.drainQueue(e, true);
  }

  // ------------------------------------------------------------ timers

  /** Run the timers: retransmissions, failures, ageing. Call every ~100 ms. */
  tick(nowMs: number): void {
    const c = this.cfg;
    for (let e = 0; e < this.max; e++) {
      switch (this.state[e]) {
        case NUD_INCOMPLETE:
          if (nowMs - this.lastProbe[e] < c.retransMs) break;
          if (this.probes[e] < c.retries) {
            this.probes[e]++;
            this.lastProbe[e] = nowMs;
            this.sendSolicit(e);
          } else {
            this.state[e] = NUD_FAILED;
            this.since[e] = nowMs;
            this.counts.resolutionsFailed++;
            this.failQueue(e);
          }
          break;
        case NUD_REACHABLE:
          if (nowMs - this.since[e] >= c.reachableMs) {
            this.state[e] = NUD_STALE;
            this.since[e] = nowMs;
            this.probes[e] = 0;
          }
          break;
        case NUD_STALE:
        case NUD_FAILED:
          if (nowMs - this.since[e] >= c.staleMs) this.freeEntry(e);
          break;
      }
    }
  }

  // ------------------------------------------------------------ diagnostics

  /** Non-free entries (allocates). */
  entries(): NeighbourEntry[] {
    const out: NeighbourEntry[] = [];
    for (let e = 0; e < this.max; e++) {
      const st = this.state[e];
      if (st === NUD_FREE) continue;
      const mac = st === NUD_INCOMPLETE || st === NUD_FAILED ? '' : macText(this.macs, e * 6);
      out.push({ ifIndex: this.ifIdx[e], addr: this.addr[e], mac, state: STATE_NAMES[st], queued: this.qLen[e] });
    }
    return out;
  }

  /** Number of non-free entries. */
  size(): number {
    return this.max - this.freeTop;
  }

  /** State code (NUD_*) of (ifIndex, addr); NUD_FREE when absent. */
  stateOf(ifIndex: number, addr: number): number {
    const e = this.find(ifIndex, addr);
    return e < 0 ? NUD_FREE : this.state[e];
  }

  // ------------------------------------------------------------ internals

  private sendSolicit(e: number): void {
    this.counts.solicits++;
    this.cb.solicit(this.ifIdx[e], this.addr[e]);
  }

  private enqueue(e: number, slot: number, l3Off: number, len: number): boolean {
    const qmax = this.cfg.queueLen;
    if (qmax <= 0) {
      this.counts.refused++;
      return false;
    }
    if (this.qLen[e] >= qmax) {
      // unres_qlen reached: the oldest goes.
      const h = this.qHead[e];
      const dropped = this.pSlot[h];
      this.qHead[e] = this.pNext[h];
      if (this.qHead[e] < 0) this.qTail[e] = -1;
      this.qLen[e]--;
      this.freeNode(h);
      this.counts.overflow++;
      this.cb.overflow(this.ifIdx[e], dropped);
    }
    const n = this.pFree;
    if (n < 0) {
      this.counts.refused++;
      return false;
    }
    this.pFree = this.pNext[n];
    this.pSlot[n] = slot;
    this.pOff[n] = l3Off;
    this.pLen[n] = len;
    this.pNext[n] = -1;
    const t = this.qTail[e];
    if (t < 0) this.qHead[e] = n;
    else this.pNext[t] = n;
    this.qTail[e] = n;
    this.qLen[e]++;
    this.counts.parked++;
    return true;
  }

  private failQueue(e: number): void {
    this.drainQueue(e, false);
  }

  /**
   * Hand every packet parked on entry e to release (resolved) or failed, in
   * arrival order. The queue is detached first, so a callback may park again.
   */
  private drainQueue(e: number, resolved: boolean): void {
    let n = this.qHead[e];
    if (n < 0) return;
    this.qHead[e] = -1;
    this.qTail[e] = -1;
    this.qLen[e] = 0;
    const ifIndex = this.ifIdx[e];
    while (n >= 0) {
      const next = this.pNext[n];
      const slot = this.pSlot[n];
      const off = this.pOff[n];
      const len = this.pLen[n];
      this.freeNode(n);
      if (resolved) {
        this.counts.released++;
        this.cb.release(ifIndex, slot, off, len, this.macs, e * 6);
      } else {
        this.counts.failed++;
        this.cb.failed(ifIndex, slot, off, len);
      }
      n = next;
    }
  }

  private freeNode(n: number): void {
    this.pNext[n] = this.pFree;
    this.pFree = n;
  }

  private hash(ifIndex: number, addr: number): number {
    let h = (addr ^ Math.imul(ifIndex + 1, 0x9e3779b1)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.tmask;
  }

  private find(ifIndex: number, addr: number): number {
    const a = addr >>> 0;
    let i = this.hash(ifIndex, a);
    for (;;) {
      const e = this.table[i];
      if (e < 0) return -1;
      if (this.addr[e] === a && this.ifIdx[e] === ifIndex) return e;
      i = (i + 1) & this.tmask;
    }
  }

  /** A new entry keyed (ifIndex, addr), hashed in, state INCOMPLETE with an empty queue (the caller sets the rest); -1 when none is free. */
  private allocEntry(ifIndex: number, addr: number): number {
    if (this.freeTop === 0 && !this.evictOne()) return -1;
    const e = this.freeEntries[--this.freeTop];
    this.ifIdx[e] = ifIndex;
    this.addr[e] = addr >>> 0;
    this.probes[e] = 0;
    this.qHead[e] = -1;
    this.qTail[e] = -1;
    this.qLen[e] = 0;
    this.state[e] = NUD_INCOMPLETE;
    let i = this.hash(ifIndex, addr >>> 0);
    while (this.table[i] >= 0) i = (i + 1) & this.tmask;
    this.table[i] = e;
    return e;
  }

  /** Free one STALE or FAILED entry (clock hand); false when there is none. */
  private evictOne(): boolean {
    for (let k = 0; k < this.max; k++) {
      const e = this.evictHand;
      this.evictHand = e + 1 === this.max ? 0 : e + 1;
      const st = this.state[e];
      if (st === NUD_STALE || st === NUD_FAILED) {
        this.freeEntry(e);
        this.counts.evicted++;
        return true;
      }
    }
    return false;
  }

  private freeEntry(e: number): void {
    // Only INCOMPLETE entries hold packets; STALE/FAILED queues are empty.
    const mask = this.tmask;
    let i = this.hash(this.ifIdx[e], this.addr[e]);
    while (this.table[i] !== e) i = (i + 1) & mask;
    // Backward-shift deletion keeps every probe chain unbroken.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = this.table[j];
      if (v < 0) break;
      const k = this.hash(this.ifIdx[v], this.addr[v]);
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!stays) {
        this.table[i] = v;
        i = j;
      }
    }
    this.table[i] = -1;
    this.state[e] = NUD_FREE;
    this.freeEntries[this.freeTop++] = e;
  }
}

/** aa:bb:cc:dd:ee:ff of 6 bytes at off. */
export function macText(b: Uint8Array, off: number): string {
  const parts: string[] = [];
  for (let k = 0; k < 6; k++) parts.push(b[off + k].toString(16).padStart(2, '0'));
  return parts.join(':');
}
