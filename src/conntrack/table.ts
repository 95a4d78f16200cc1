/**
 * The connection table: entries in typed arrays, a chained hash over both
 * directions' tuples, a free list, expiry and the kernel's early drop.
 * Invariants:
 * - Sized once (capacity = nf_conntrack_max); nothing is allocated after the
 *   constructor. An entry is a slot number; each slot has two hash nodes,
 *   node = slot * 2 + dir (0 original, 1 reply), chained through their link.
 * - Laid out for the cache: a node's tuple and link are adjacent, and an
 *   entry's fields share one 64-byte record, so a tracked packet costs a few
 *   cache misses, not one per field (fields are reached through methods).
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

/** "No node" in the hash chains. */
const NIL = 0xffffffff;
/** Words per hash node: src, dst, ports, next. */
const NW = 4;
/** Per-entry record: 64 bytes, one cache line; as 8 float64 or 16 uint32 words. */
const EF = 8, EU = 16;
/** Float64 fields of an entry. */
const F_EXPIRES = 0, F_CREATED = 1, F_BYTES = 2; // F_BYTES + dir
/** Uint32 fields of an entry (after the 4 float64s = 8 words). */
const U_PACKETS = 8, U_STATUS = 10, U_MARK = 11, U_ID = 12, U_PROTO = 13, U_ZONE = 14, U_HELPER = 15;

export class ConntrackTable {
  readonly capacity: number;
  readonly buckets: number;
  /** Entries in use (unconfirmed + confirmed). */
  count = 0;

  /**
   * The two hash nodes of a slot, adjacent (node = slot * 2 + dir), 4 words
   * each: a lookup reads one tuple and its chain link from one place.
   */
  private readonly nodes: Uint32Array;
  /** Entry records, one cache line each: what a tracked packet touches after the lookup. */
  private readonly ef: Float64Array;
  private readonly eu: Uint32Array;

  private readonly heads: Uint32Array;
  private readonly freeList: Int32Array;
  private freeCount: number;
  private readonly seed: number;
  private nextId = 1;
  private gcCursor = 0;
  private readonly listeners: CtListener[] = [];
  /** Called for every entry destroyed, before its slot is freed (NAT's by-source index). */
  onDestroy: ((slot: number) => void) | null = null;
  /** Entries deleted by early drop, and allocations refused because nothing could be dropped. */
  earlyDrops = 0;
  allocFailures = 0;
  inserts = 0;

  constructor(capacity: number, buckets: number) {
    if (!(capacity >= 1) || !(buckets >= 1)) throw new RangeError('conntrack table needs capacity and buckets ≥ 1');
    this.capacity = capacity;
    this.buckets = buckets;
    this.nodes = new Uint32Array(capacity * 2 * NW).fill(NIL);
    const rec = new ArrayBuffer(capacity * 64);
    this.ef = new Float64Array(rec);
    this.eu = new Uint32Array(rec);
    this.heads = new Uint32Array(buckets).fill(NIL);
    this.freeList = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeList[i] = capacity - 1 - i;
    this.freeCount = capacity;
    this.seed = randomBytes(4).readUInt32LE(0);
  }

  /** Bytes the table's typed arrays hold per entry (with one bucket per entry), for the README's figure. */
  get bytesPerEntry(): number {
    return (this.nodes.byteLength + this.ef.byteLength + this.heads.byteLength + this.freeList.byteLength) / this.capacity;
  }

  // ---------------------------------------------------------------- fields

  /** Tuple of hash node n (slot * 2 + dir). */
  src(n: number): number { return this.nodes[n * NW]; }
  dst(n: number): number { return this.nodes[n * NW + 1]; }
  ports(n: number): number { return this.nodes[n * NW + 2]; }
  proto(slot: number): number { return this.eu[slot * EU + U_PROTO]; }
  zone(slot: number): number { return this.eu[slot * EU + U_ZONE]; }
  status(slot: number): number { return this.eu[slot * EU + U_STATUS]; }
  addStatus(slot: number, bits: number): void { this.eu[slot * EU + U_STATUS] |= bits; }
  setStatus(slot: number, v: number): void { this.eu[slot * EU + U_STATUS] = v; }
  mark(slot: number): number { return this.eu[slot * EU + U_MARK]; }
  setMark(slot: number, v: number): void { this.eu[slot * EU + U_MARK] = v; }
  /** conntrack -o id; 0 while the slot is free. */
  id(slot: number): number { return this.eu[slot * EU + U_ID]; }
  helper(slot: number): number { return this.eu[slot * EU + U_HELPER]; }
  setHelper(slot: number, h: number): void { this.eu[slot * EU + U_HELPER] = h; }
  /** Absolute expiry time in ms (the table's clock). */
  expires(slot: number): number { return this.ef[slot * EF + F_EXPIRES]; }
  setExpires(slot: number, t: number): void { this.ef[slot * EF + F_EXPIRES] = t; }
  /** When the entry was made (ms): UDP's 2 s stream rule. */
  created(slot: number): number { return this.ef[slot * EF + F_CREATED]; }
  /** Packets and bytes seen in direction dir (connbytes, accounting). */
  packets(slot: number, dir: number): number { return this.eu[slot * EU + U_PACKETS + dir]; }
  bytes(slot: number, dir: number): number { return this.ef[slot * EF + F_BYTES + dir]; }
  /** Count a packet of `len` bytes in direction dir. */
  account(slot: number, dir: number, len: number): void {
    this.eu[slot * EU + U_PACKETS + dir]++;
    this.ef[slot * EF + F_BYTES + dir] += len;
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
    const nodes = this.nodes;
    let n = this.heads[this.bucketOf(t.src, t.dst, t.ports, t.proto, zone)];
    while (n !== NIL) {
      const o = n * NW;
      if (nodes[o] === t.src && nodes[o + 1] === t.dst && nodes[o + 2] === t.ports) {
        const slot = n >>> 1;
        const e = slot * EU;
        if (this.eu[e + U_PROTO] === t.proto && this.eu[e + U_ZONE] === zone) {
          if (this.ef[slot * EF + F_EXPIRES] <= now) {
            this.destroy(slot);
            return -1;
          }
          return n;
        }
      }
      n = nodes[o + 3];
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
    const nodes = this.nodes;
    const a = slot * 2 * NW, b = a + NW;
    nodes[a] = o.src; nodes[a + 1] = o.dst; nodes[a + 2] = o.ports; nodes[a + 3] = NIL;
    nodes[b] = r.src; nodes[b + 1] = r.dst; nodes[b + 2] = r.ports; nodes[b + 3] = NIL;
    const f = slot * EF, u = slot * EU;
    this.ef[f + F_EXPIRES] = now;
    this.ef[f + F_CREATED] = now;
    this.ef[f + F_BYTES] = 0;
    this.ef[f + F_BYTES + 1] = 0;
    const eu = this.eu;
    eu[u + U_PACKETS] = 0; eu[u + U_PACKETS + 1] = 0;
    eu[u + U_STATUS] = 0; eu[u + U_MARK] = 0;
    eu[u + U_ID] = this.nextId;
    eu[u + U_PROTO] = o.proto; eu[u + U_ZONE] = zone; eu[u + U_HELPER] = 0;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    return slot;
  }

  /** Forget an unconfirmed entry (its packet was dropped or consumed). */
  discard(slot: number): void {
    this.onDestroy?.(slot);
    this.eu[slot * EU + U_ID] = 0;
    this.freeList[this.freeCount++] = slot;
    this.count--;
  }

  private bucketOfNode(n: number): number {
    const o = n * NW;
    const slot = n >>> 1;
    return this.bucketOf(this.nodes[o], this.nodes[o + 1], this.nodes[o + 2], this.eu[slot * EU + U_PROTO], this.eu[slot * EU + U_ZONE]);
  }

  /** Put an unconfirmed entry into the hash under both tuples (nf_conntrack_confirm). */
  confirm(slot: number): void {
    for (let dir = 0; dir < 2; dir++) {
      const n = slot * 2 + dir;
      const b = this.bucketOfNode(n);
      this.nodes[n * NW + 3] = this.heads[b];
      this.heads[b] = n;
    }
    this.eu[slot * EU + U_STATUS] |= Status.CONFIRMED;
    this.inserts++;
    this.emit(CtEvent.NEW, slot);
  }

  /**
   * Change the reply tuple (nf_conntrack_alter_reply: NAT bound the
   * connection). A confirmed entry is rehashed under its new tuple.
   */
  setReply(slot: number, r: Tuple): void {
    const n = slot * 2 + 1;
    const confirmed = this.isConfirmed(slot);
    if (confirmed) this.unlink(n);
    const o = n * NW;
    this.nodes[o] = r.src; this.nodes[o + 1] = r.dst; this.nodes[o + 2] = r.ports;
    if (confirmed) {
      const b = this.bucketOfNode(n);
      this.nodes[o + 3] = this.heads[b];
      this.heads[b] = n;
    }
  }

  /** Take hash node n out of its chain. */
  private unlink(n: number): void {
    const nodes = this.nodes;
    const b = this.bucketOfNode(n);
    let p = this.heads[b];
    if (p === n) this.heads[b] = nodes[n * NW + 3];
    else {
      while (p !== NIL && nodes[p * NW + 3] !== n) p = nodes[p * NW + 3];
      if (p !== NIL) nodes[p * NW + 3] = nodes[n * NW + 3];
    }
    nodes[n * NW + 3] = NIL;
  }

  /** Remove a confirmed entry from the hash and free its slot. */
  destroy(slot: number): void {
    this.emit(CtEvent.DESTROY, slot);
    this.onDestroy?.(slot);
    this.unlink(slot * 2);
    this.unlink(slot * 2 + 1);
    this.eu[slot * EU + U_STATUS] = 0;
    this.eu[slot * EU + U_ID] = 0;
    this.freeList[this.freeCount++] = slot;
    this.count--;
  }

  /**
   * early_drop(): delete every non-ASSURED entry in up to EVICTION_RANGE
   * buckets from the new tuple's, stopping at the first bucket that gave one.
   */
  private earlyDrop(o: Tuple, zone: number, now: number): boolean {
    const start = this.bucketOf(o.src, o.dst, o.ports, o.proto, zone);
    const nodes = this.nodes;
    for (let i = 0; i < EVICTION_RANGE && i < this.buckets; i++) {
      const b = (start + i) % this.buckets;
      let dropped = 0;
      let n = this.heads[b];
      while (n !== NIL) {
        const next = nodes[n * NW + 3];
        const slot = n >>> 1;
        const expired = this.expires(slot) <= now;
        if (expired || (this.status(slot) & Status.ASSURED) === 0) {
          // The entry's other node may be the next one in this chain: skip past it first.
          let nn = next;
          while (nn !== NIL && nn >>> 1 === slot) nn = nodes[nn * NW + 3];
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
      if ((this.status(c) & Status.CONFIRMED) !== 0 && this.expires(c) <= now) this.destroy(c);
      c = c + 1 === cap ? 0 : c + 1;
    }
    this.gcCursor = c;
  }

  /** Delete every confirmed entry (conntrack -F). Returns how many. */
  flush(): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) {
      if ((this.status(s) & Status.CONFIRMED) !== 0) {
        this.destroy(s);
        n++;
      }
    }
    return n;
  }

  /** Confirmed slots in hash-bucket order, as the kernel dumps them (off the packet path). */
  *confirmedSlots(): Generator<number> {
    const out: number[] = [];
    for (let b = 0; b < this.buckets; b++) {
      for (let n = this.heads[b]; n !== NIL; n = this.nodes[n * NW + 3]) if ((n & 1) === 0) out.push(n >>> 1);
    }
    yield* out;
  }

  isConfirmed(slot: number): boolean {
    return (this.status(slot) & Status.CONFIRMED) !== 0;
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
