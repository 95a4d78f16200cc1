/**
 * Reassembly queue records in typed arrays (struct-of-arrays, index = queue
 * number), the hash from key to queue, and the expiry list.
 *
 * Invariants:
 * - A fixed maximum of queues (`cap`); a queue number is on the free stack or
 *   live (live[q] = 1, in exactly one hash chain and in the expiry list).
 * - Key: (saddr, daddr, id, protocol, user), the kernel's ipq key minus vif.
 *   The bucket is a seeded hash of it (seed random per instance, as the
 *   kernel's jhash with a random secret): fragments chosen to collide cannot be
 *   aimed at a chain without knowing the seed.
 * - The expiry list is sorted by deadline. Deadlines are creation (or restart)
 *   + ipfrag_time, so insertion is O(1) at the tail unless ipfrag_time was
 *   lowered meanwhile (then a short walk back).
 * - pageTab[q * QUEUE_PAGES + i] is the arena page holding payload bytes
 *   [i * PAGE_SIZE, (i + 1) * PAGE_SIZE) of queue q, or -1.
 * - No allocation and no throw outside the constructor and grow().
 */
import { PAGE_SIZE } from './arena.js';

/** Largest payload a reassembled datagram can have (65535 - a 20-byte header). */
export const MAX_PAYLOAD = 65535 - 20;
export const QUEUE_PAGES = Math.ceil(MAX_PAYLOAD / PAGE_SIZE);
/** Bytes kept per queue for the first fragment's IP header (IHL <= 15). */
export const HDR_ROOM = 60;
/**
 * What a queue itself costs in the memory account: its header copy, its page
 * table (4 bytes a page) and its ~30 record fields (rounded up).
 */
export const QUEUE_COST = HDR_ROOM + QUEUE_PAGES * 4 + 128;

export const FIRST_IN = 1;
export const LAST_IN = 2;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function pow2AtLeast(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

export class QueueTable {
  cap = 0;
  count = 0;
  // key
  saddr = new Uint32Array(0);
  daddr = new Uint32Array(0);
  idpu = new Uint32Array(0); // id << 16 | protocol << 8 | user
  live = new Uint8Array(0);
  // hash chains
  private buckets = new Int32Array(0);
  private mask = 0;
  private hnext = new Int32Array(0);
  // expiry list
  deadline = new Float64Array(0);
  private tprev = new Int32Array(0);
  private tnext = new Int32Array(0);
  head = -1;
  private tail = -1;
  // free queue numbers
  private free = new Int32Array(0);
  private top = 0;
  // reassembly state
  flags = new Uint8Array(0);
  len = new Int32Array(0); // kernel q.len: the largest end seen (the datagram length once LAST_IN)
  meat = new Int32Array(0); // payload bytes held
  tailEnd = new Int32Array(0); // end of the fragment with the highest offset (fragments_tail)
  ecn = new Uint8Array(0); // OR of 1 << (tos & 3) over the fragments
  maxSize = new Int32Array(0); // largest fragment, IP header included
  maxDfSize = new Int32Array(0); // largest DF fragment
  rid = new Uint32Array(0); // source's disorder counter when this queue last took a fragment
  hdrLen = new Uint8Array(0);
  firstLen = new Int32Array(0); // payload of the offset-0 fragment
  nfrags = new Int32Array(0);
  npages = new Int32Array(0);
  pageTab = new Int32Array(0);
  hdr = new Uint8Array(0);

  private readonly seed: number;

  constructor(cap: number, seed: number) {
    this.seed = seed >>> 0;
    this.grow(Math.max(1, cap));
  }

  hash(saddr: number, daddr: number, idpu: number): number {
    return mix(mix(mix(saddr ^ this.seed) ^ daddr) ^ idpu) & this.mask;
  }

  find(saddr: number, daddr: number, idpu: number): number {
    let q = this.buckets[this.hash(saddr, daddr, idpu)];
    while (q >= 0) {
      if (this.idpu[q] === idpu && this.saddr[q] === saddr && this.daddr[q] === daddr) return q;
      q = this.hnext[q];
    }
    return -1;
  }

  get freeCount(): number {
    return this.top;
  }

  /** A new live queue with empty state, or -1 when all `cap` are in use. */
  create(saddr: number, daddr: number, idpu: number, deadline: number): number {
    if (this.top === 0) return -1;
    const q = this.free[--this.top];
    this.saddr[q] = saddr;
    this.daddr[q] = daddr;
    this.idpu[q] = idpu;
    this.live[q] = 1;
    const b = this.hash(saddr, daddr, idpu);
    this.hnext[q] = this.buckets[b];
    this.buckets[b] = q;
    this.reset(q);
    this.rid[q] = 0;
    this.maxSize[q] = 0;
    this.maxDfSize[q] = 0;
    this.arm(q, deadline);
    this.count++;
    return q;
  }

  /** Fragment state back to empty (ip_frag_reinit keeps max_size and max_df_size; so does this). */
  reset(q: number): void {
    this.flags[q] = 0;
    this.len[q] = 0;
    this.meat[q] = 0;
    this.tailEnd[q] = 0;
    this.ecn[q] = 0;
    this.hdrLen[q] = 0;
    this.firstLen[q] = 0;
    this.nfrags[q] = 0;
    this.npages[q] = 0;
    this.pageTab.fill(-1, q * QUEUE_PAGES, (q + 1) * QUEUE_PAGES);
  }

  /** Unlink a live queue (its pages must have been released by the caller). */
  remove(q: number): void {
    const b = this.hash(this.saddr[q], this.daddr[q], this.idpu[q]);
    let p = this.buckets[b];
    if (p === q) this.buckets[b] = this.hnext[q];
    else {
      while (p >= 0 && this.hnext[p] !== q) p = this.hnext[p];
      if (p >= 0) this.hnext[p] = this.hnext[q];
    }
    this.disarm(q);
    this.live[q] = 0;
    this.free[this.top++] = q;
    this.count--;
  }

  /** (Re)place q in the expiry list at `deadline` (walks back from the tail past later deadlines). */
  arm(q: number, deadline: number): void {
    this.deadline[q] = deadline;
    let after = this.tail;
    while (after >= 0 && this.deadline[after] > deadline) after = this.tprev[after];
    const before = after >= 0 ? this.tnext[after] : this.head;
    this.tprev[q] = after;
    this.tnext[q] = before;
    if (after >= 0) this.tnext[after] = q;
    else this.head = q;
    if (before >= 0) this.tprev[before] = q;
    else this.tail = q;
  }

  disarm(q: number): void {
    const p = this.tprev[q];
    const n = this.tnext[q];
    if (p >= 0) this.tnext[p] = n;
    else this.head = n;
    if (n >= 0) this.tprev[n] = p;
    else this.tail = p;
    this.tprev[q] = -1;
    this.tnext[q] = -1;
  }

  /** Room for `cap` queues (constructor, or a raised ipfrag_high_thresh): allocates, copies, rehashes. */
  grow(cap: number): void {
    if (cap <= this.cap) return;
    const old = this.cap;
    const u32 = (a: Uint32Array): Uint32Array<ArrayBuffer> => { const n = new Uint32Array(cap); n.set(a); return n; };
    const i32 = (a: Int32Array, per = 1): Int32Array<ArrayBuffer> => { const n = new Int32Array(cap * per); n.set(a); return n; };
    const u8 = (a: Uint8Array, per = 1): Uint8Array<ArrayBuffer> => { const n = new Uint8Array(cap * per); n.set(a); return n; };
    this.saddr = u32(this.saddr);
    this.daddr = u32(this.daddr);
    this.idpu = u32(this.idpu);
    this.live = u8(this.live);
    this.hnext = i32(this.hnext);
    const dl = new Float64Array(cap);
    dl.set(this.deadline);
    this.deadline = dl;
    this.tprev = i32(this.tprev);
    this.tnext = i32(this.tnext);
    this.flags = u8(this.flags);
    this.len = i32(this.len);
    this.meat = i32(this.meat);
    this.tailEnd = i32(this.tailEnd);
    this.ecn = u8(this.ecn);
    this.maxSize = i32(this.maxSize);
    this.maxDfSize = i32(this.maxDfSize);
    this.rid = u32(this.rid);
    this.hdrLen = u8(this.hdrLen);
    this.firstLen = i32(this.firstLen);
    this.nfrags = i32(this.nfrags);
    this.npages = i32(this.npages);
    this.pageTab = i32(this.pageTab, QUEUE_PAGES);
    this.pageTab.fill(-1, old * QUEUE_PAGES);
    this.hdr = u8(this.hdr, HDR_ROOM);
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.top));
    let top = this.top;
    for (let q = cap - 1; q >= old; q--) free[top++] = q;
    this.free = free;
    this.top = top;
    this.cap = cap;
    // Rehash every live queue into a table sized for the new cap.
    const nb = pow2AtLeast(cap);
    this.buckets = new Int32Array(nb).fill(-1);
    this.mask = nb - 1;
    for (let q = 0; q < old; q++) {
      if (this.live[q] === 0) continue;
      const b = this.hash(this.saddr[q], this.daddr[q], this.idpu[q]);
      this.hnext[q] = this.buckets[b];
      this.buckets[b] = q;
    }
  }
}
