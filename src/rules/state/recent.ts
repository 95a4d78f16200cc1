/**
 * The recent match's named address lists, as the kernel's xt_recent keeps them.
 * Invariants:
 * - One RecentTables per rule host (see createBindEnv): lists are shared by all
 *   rules naming them and survive a ruleset replace, like the kernel's per-netns
 *   tables that outlive an iptables-restore.
 * - A list holds at most IP_LIST_TOT (100) entries; a new entry beyond that
 *   evicts the least recently used one. Entries are unique per address.
 * - Each entry keeps a ring of `stampCap` timestamps (jiffies = ms); stampCap is
 *   max(32, hitcount rounded up to a power of two) over the rules that use the
 *   list; a rule needing a bigger ring flushes and regrows it (kernel behaviour).
 * - Storage is typed arrays sized at creation; lookups allocate nothing
 *   (Map<number, slot> with number keys).
 */

export const IP_LIST_TOT = 100;
const DEFAULT_STAMPS = 32;

export interface RecentEntryView {
  addr: number;
  ttl: number;
  /** Timestamps, oldest first (ms). */
  stamps: number[];
  lastSeen: number;
}

export class RecentTable {
  stampCap: number;
  private readonly addr = new Float64Array(IP_LIST_TOT);
  private readonly ttl = new Uint8Array(IP_LIST_TOT);
  private readonly nstamps = new Int32Array(IP_LIST_TOT);
  private readonly index = new Int32Array(IP_LIST_TOT);
  private stamps: Float64Array;
  /** LRU doubly linked list over slots; head = least recently used. */
  private readonly prev = new Int32Array(IP_LIST_TOT);
  private readonly next = new Int32Array(IP_LIST_TOT);
  private head = -1;
  private tail = -1;
  private readonly free: number[] = [];
  private readonly bySlot = new Map<number, number>();
  count = 0;

  constructor(readonly name: string, stampCap = DEFAULT_STAMPS) {
    this.stampCap = stampCap;
    this.stamps = new Float64Array(IP_LIST_TOT * stampCap);
    this.flush();
  }

  /** Remove every entry. */
  flush(): void {
    this.bySlot.clear();
    this.free.length = 0;
    for (let i = IP_LIST_TOT - 1; i >= 0; i--) this.free.push(i);
    this.head = this.tail = -1;
    this.count = 0;
  }

  /** Grow the timestamp ring (flushes, as the kernel does). */
  ensureStamps(cap: number): void {
    if (cap <= this.stampCap) return;
    this.stampCap = cap;
    this.stamps = new Float64Array(IP_LIST_TOT * cap);
    this.flush();
  }

  /** recent_entry_lookup: slot for addr, or -1. ttl 0 = do not compare TTLs. */
  lookup(addr: number, ttl: number): number {
    const s = this.bySlot.get(addr);
    if (s === undefined) return -1;
    const et = this.ttl[s]!;
    return ttl === 0 || et === 0 || et === ttl ? s : -1;
  }

  /** recent_entry_init: a new entry with one timestamp (evicts the LRU entry when full). */
  insert(addr: number, ttl: number, now: number): number {
    if (this.count >= IP_LIST_TOT) this.remove(this.head);
    const s = this.free.pop()!;
    this.addr[s] = addr;
    this.ttl[s] = ttl;
    this.stamps[s * this.stampCap] = now;
    this.nstamps[s] = 1;
    this.index[s] = 1;
    // An address already present (only possible when TTLs differ) is replaced in the index.
    const old = this.bySlot.get(addr);
    if (old !== undefined) this.remove(old);
    this.bySlot.set(addr, s);
    this.linkTail(s);
    this.count++;
    return s;
  }

  /** recent_entry_update: add a timestamp and make the entry most recently used. */
  update(s: number, now: number, ttl: number): void {
    const cap = this.stampCap;
    let i = this.index[s]! & (cap - 1);
    this.stamps[s * cap + i] = now;
    i++;
    this.index[s] = i;
    if (i > this.nstamps[s]!) this.nstamps[s] = i;
    this.ttl[s] = ttl;
    this.unlink(s);
    this.linkTail(s);
  }

  remove(s: number): void {
    if (this.bySlot.get(this.addr[s]!) === s) this.bySlot.delete(this.addr[s]!);
    this.unlink(s);
    this.free.push(s);
    this.count--;
  }

  /** Timestamps of slot s within [since, now]: counts up to `need` (0 = any one suffices). */
  hits(s: number, since: number, useWindow: boolean, need: number): boolean {
    const n = this.nstamps[s]!, base = s * this.stampCap;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      if (useWindow && since > this.stamps[base + i]!) continue;
      if (need === 0 || ++hits >= need) return true;
    }
    return false;
  }

  /** recent_entry_reap: drop the LRU entry when its newest stamp is older than `since`, unless it is `working`. */
  reap(since: number, working: number): void {
    const h = this.head;
    if (h < 0 || h === working) return;
    const last = (this.index[h]! - 1) & (this.stampCap - 1);
    if (since > this.stamps[h * this.stampCap + last]!) this.remove(h);
  }

  /** Entries in LRU order (oldest first), for listing (/proc/net/xt_recent). Off the hot path. */
  entries(): RecentEntryView[] {
    const out: RecentEntryView[] = [];
    for (let s = this.head; s >= 0; s = this.next[s]!) {
      const n = this.nstamps[s]!, cap = this.stampCap, base = s * cap;
      // Ring order: when full, the oldest stamp is at index (mod cap).
      const start = n < cap ? 0 : this.index[s]! & (cap - 1);
      const stamps: number[] = [];
      for (let k = 0; k < n; k++) stamps.push(this.stamps[base + ((start + k) % cap)]!);
      out.push({ addr: this.addr[s]!, ttl: this.ttl[s]!, stamps, lastSeen: this.stamps[base + ((this.index[s]! - 1) & (cap - 1))]! });
    }
    return out;
  }

  private linkTail(s: number): void {
    this.prev[s] = this.tail;
    this.next[s] = -1;
    if (this.tail >= 0) this.next[this.tail] = s; else this.head = s;
    this.tail = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s]!, n = this.next[s]!;
    if (p >= 0) this.next[p] = n; else this.head = n;
    if (n >= 0) this.prev[n] = p; else this.tail = p;
  }
}

/** Named lists (the kernel's per-netns recent tables). */
export class RecentTables {
  private readonly tables = new Map<string, RecentTable>();

  /** The list `name`, created on first use with a ring big enough for `hitcount` (bind time). */
  get(name: string, hitcount = 0): RecentTable {
    const cap = stampCapFor(hitcount);
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new RecentTable(name, cap);
      this.tables.set(name, t);
    } else {
      t.ensureStamps(cap);
    }
    return t;
  }

  /** Existing list or undefined (listing). */
  find(name: string): RecentTable | undefined {
    return this.tables.get(name);
  }

  names(): string[] {
    return [...this.tables.keys()];
  }
}

function stampCapFor(hitcount: number): number {
  let cap = DEFAULT_STAMPS;
  while (cap < hitcount) cap *= 2;
  return cap;
}
