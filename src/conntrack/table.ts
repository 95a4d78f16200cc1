/**
 * The connection table: entries in typed arrays, a chained hash over both
 * directions' tuples, a free list, expiry and the kernel's early drop.
 * Invariants:
 * - Sized once (capacity = nf_conntrack_max); nothing is allocated after the
 *   constructor. An entry is a slot number; each slot has two hash nodes,
 *   node = slot * 2 + dir (0 original, 1 reply), chained through `next`.
 * - An entry is either free, unconfirmed (allocated, not in the hash: the
 *   packet that made it has not left its last hook yet) or confirmed (in the
 *   hash under both tuples, status CONFIRMED). Only confirmed entries are
 *   found by lookup, listed, expired or early-dropped.
 * - `count` counts unconfirmed and confirmed entries, as the kernel's
 *   nf_conntrack_count does; it never exceeds capacity.
 * - The hash is keyed with a per-table random seed, so chosen tuples cannot
 *   aim at one bucket (hash flooding).
 */
import { randomBytes } from 'node:crypto';
import type { Tuple } from './tuple.js';

/** IPS_* status bits (include/uapi/linux/netfilter/nf_conntrack_common.h). */
export const Status = {
  EXPECTED: 1 << 0,
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SEQ_ADJUST: 1 << 6,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  DYING: 1 << 9,
  FIXED_TIMEOUT: 1 << 10,
  UNTRACKED: 1 << 12,
  HELPER: 1 << 13,
} as const;

/** NF_CT_EVICTION_RANGE: buckets early_drop() scans. */
const EVICTION_RANGE = 8;

/** What happened to an entry, for listeners (conntrack -E, metrics). */
export const CtEvent = { NEW: 0, UPDATE: 1, DESTROY: 2 } as const;
export type CtEvent = (typeof CtEvent)[keyof typeof CtEvent];
export type CtListener = (event: CtEvent, slot: number) => void;

export class ConntrackTable {
  readonly capacity: number;
  readonly buckets: number;
  /** Entries in use (unconfirmed + confirmed). */
  count = 0;

  // Per hash node (slot * 2 + dir).
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly ports: Uint32Array;
  readonly next: Int32Array;
  /** Packets and bytes seen in each direction (connbytes, accounting). */
  readonly packets: Uint32Array;
  readonly bytes: Float64Array;

  // Per entry (slot).
  readonly proto: Uint8Array;
  readonly zone: Uint16Array;
  readonly status: Uint16Array;
  readonly mark: Uint32Array;
  /** Absolute expiry time in ms (the table's clock). */
  readonly expires: Float64Array;
  /** When the entry was made (ms): UDP's 2 s stream rule. */
  readonly created: Float64Array;
  /** conntrack -o id. */
  readonly id: Uint32Array;
  /** Helper index (0 = none), owned by the helper layer. */
  readonly helper: Uint8Array;

  private readonly heads: Int32Array;
  private readonly freeList: Int32Array;
  private freeCount: number;
  private readonly seed: number;
  private nextId = 1;
  private gcCursor = 0;
  private readonly listeners: CtListener[] = [];
  /** Entries deleted by early drop, and allocations refused because nothing could be dropped. */
  earlyDrops = 0;
  allocFailures = 0;
  inserts = 0;

  constructor(capacity: number, buckets: number) {
    if (!(capacity >= 1) || !(buckets >= 1)) throw new RangeError('conntrack table needs capacity and buckets ≥ 1');
    this.capacity = capacity;
    this.buckets = buckets;
    const nodes = capacity * 2;
    this.src = new Uint32Array(nodes);
    this.dst = new Uint32Array(nodes);
    this.ports = new Uint32Array(nodes);
    this.next = new Int32Array(nodes).fill(-1);
    this.packets = new Uint32Array(nodes);
    this.bytes = new Float64Array(nodes);
    this.proto = new Uint8Array(capacity);
    this.zone = new Uint16Array(capacity);
    this.status = new Uint16Array(capacity);
    this.mark = new Uint32Array(capacity);
    this.expires = new Float64Array(capacity);
    this.created = new Float64Array(capacity);
    this.id = new Uint32Array(capacity);
    this.helper = new Uint8Array(capacity);
    this.heads = new Int32Array(buckets).fill(-1);
    this.freeList = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeList[i] = capacity - 1 - i;
    this.freeCount = capacity;
    this.seed = randomBytes(4).readUInt32LE(0);
  }

  /** Bytes the table holds per entry (typed arrays only), for the README's figure. */
  static bytesPerEntry(bucketsPerEntry = 1): number {
    return 2 * (4 + 4 + 4 + 4 + 4 + 8) + (1 + 2 + 2 + 4 + 8 + 8 + 4 + 1) + 4 /* free list */ + 4 * bucketsPerEntry;
  }

  // ---------------------------------------------------------------- hashing

  /** Bucket of a tuple in a zone (murmur3's mixing, seeded; reciprocal_scale to the bucket count). */
  bucketOf(src: number, dst: number, ports: number, proto: number, zone: number): number {
    let h = this.seed;
    h = mix(h, src);
    h = mix(h, dst);
    h = mix(h, ports);
    h = mix(h, proto | (zone << 8));
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return Math.floor(((h >>> 0) * this.buckets) / 4294967296);
  }

  /**
   * The hash node (slot * 2 + dir) of a confirmed entry with tuple t in zone,
   * or -1. An entry found expired is destroyed and not returned.
   */
  find(t: Tuple, zone: number, now: number): number {
    let n = this.heads[this.bucketOf(t.src, t.dst, t.ports, t.proto, zone)];
    while (n >= 0) {
      const slot = n >> 1;
      if (this.src[n] === t.src && this.dst[n] === t.dst && this.ports[n] === t.ports && this.proto[slot] === t.proto && this.zone[slot] === zone) {
        if (this.expires[slot] <= now) {
          this.destroy(slot);
          return -1;
        }
        return n;
      }
      n = this.next[n];
    }
    return -1;
  }

  // ---------------------------------------------------------------- life cycle

  /**
   * A new unconfirmed entry with original tuple o and reply tuple r, or -1
   * when the table is full and early drop found nothing to evict.
   */
  alloc(o: Tuple, r: Tuple, zone: number, now: number): number {
    if (this.freeCount === 0 && !this.earlyDrop(o, zone, now)) {
      this.allocFailures++;
      return -1;
    }
    const slot = this.freeList[--this.freeCount];
    this.count++;
    const a = slot * 2, b = a + 1;
    this.src[a] = o.src; this.dst[a] = o.dst; this.ports[a] = o.ports;
    this.src[b] = r.src; this.dst[b] = r.dst; this.ports[b] = r.ports;
    this.packets[a] = 0; this.packets[b] = 0; this.bytes[a] = 0; this.bytes[b] = 0;
    this.proto[slot] = o.proto;
    this.zone[slot] = zone;
    this.status[slot] = 0;
    this.mark[slot] = 0;
    this.expires[slot] = now;
    this.created[slot] = now;
    this.helper[slot] = 0;
    this.id[slot] = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    return slot;
  }

  /** Forget an unconfirmed entry (its packet was dropped or consumed). */
  discard(slot: number): void {
    this.freeList[this.freeCount++] = slot;
    this.count--;
  }

  /** Put an unconfirmed entry into the hash under both tuples (nf_conntrack_confirm). */
  confirm(slot: number): void {
    for (let dir = 0; dir < 2; dir++) {
      const n = slot * 2 + dir;
      const b = this.bucketOf(this.src[n], this.dst[n], this.ports[n], this.proto[slot], this.zone[slot]);
      this.next[n] = this.heads[b];
      this.heads[b] = n;
    }
    this.status[slot] |= Status.CONFIRMED;
    this.inserts++;
    this.emit(CtEvent.NEW, slot);
  }

  /** Remove a confirmed entry from the hash and free its slot. */
  destroy(slot: number): void {
    this.emit(CtEvent.DESTROY, slot);
    for (let dir = 0; dir < 2; dir++) {
      const n = slot * 2 + dir;
      const b = this.bucketOf(this.src[n], this.dst[n], this.ports[n], this.proto[slot], this.zone[slot]);
      let p = this.heads[b];
      if (p === n) this.heads[b] = this.next[n];
      else {
        while (p >= 0 && this.next[p] !== n) p = this.next[p];
        if (p >= 0) this.next[p] = this.next[n];
      }
      this.next[n] = -1;
    }
    this.status[slot] = 0;
    this.freeList[this.freeCount++] = slot;
    this.count--;
  }

  /**
   * early_drop(): delete every non-ASSURED entry in up to EVICTION_RANGE
   * buckets from the new tuple's, stopping at the first bucket that gave one.
   */
  private earlyDrop(o: Tuple, zone: number, now: number): boolean {
    const start = this.bucketOf(o.src, o.dst, o.ports, o.proto, zone);
    for (let i = 0; i < EVICTION_RANGE && i < this.buckets; i++) {
      const b = (start + i) % this.buckets;
      let dropped = 0;
      let n = this.heads[b];
      while (n >= 0) {
        const next = this.next[n];
        const slot = n >> 1;
        const expired = this.expires[slot] <= now;
        if (expired || (this.status[slot] & Status.ASSURED) === 0) {
          // The entry's other node may be the next one in this chain: skip past it first.
          let nn = next;
          while (nn >= 0 && nn >> 1 === slot) nn = this.next[nn];
          this.destroy(slot);
          dropped++;
          if (!expired) this.earlyDrops++;
          n = nn;
          continue;
        }
        n = next;
      }
      if (dropped > 0) return true;
    }
    return this.freeCount > 0;
  }

  /** Expire up to `budget` slots' worth of the table from where the last call stopped (the GC worker). */
  gc(now: number, budget: number): void {
    const cap = this.capacity;
    let c = this.gcCursor;
    for (let i = 0; i < budget && i < cap; i++) {
      if ((this.status[c] & Status.CONFIRMED) !== 0 && this.expires[c] <= now) this.destroy(c);
      c = c + 1 === cap ? 0 : c + 1;
    }
    this.gcCursor = c;
  }

  /** Delete every confirmed entry (conntrack -F). Returns how many. */
  flush(): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) {
      if ((this.status[s] & Status.CONFIRMED) !== 0) {
        this.destroy(s);
        n++;
      }
    }
    return n;
  }

  /** Confirmed slots in hash-bucket order, as the kernel dumps them (off the packet path). */
  *confirmedSlots(): Generator<number> {
    for (let b = 0; b < this.buckets; b++) {
      for (let n = this.heads[b]; n >= 0; n = this.next[n]) if ((n & 1) === 0) yield n >> 1;
    }
  }

  isConfirmed(slot: number): boolean {
    return (this.status[slot] & Status.CONFIRMED) !== 0;
  }

  // ---------------------------------------------------------------- events

  /** Listen to NEW/UPDATE/DESTROY; returns the unsubscribe function. */
  listen(l: CtListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  emit(e: CtEvent, slot: number): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i](e, slot);
  }
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
