/**
 * The hashlimit match's tables (xt_hashlimit): one table per name, shared
 * by every rule that names it on the same host, holding one rate state per
 * flow key (the --hashlimit-mode fields, addresses masked by --hashlimit-
 * srcmask/-dstmask). Kernel semantics kept:
 * - Rate limiting is a token bucket per key that starts full: packets mode
 *   holds avg*burst (1/1000000 s units) and a packet costs avg; bytes mode
 *   holds rate*max(burst,1) bytes and a packet costs its IP length. Under the
 *   limit the match is true ("upto"), "above" (INVERT) flips it.
 * - --hashlimit-rate-match counts packets (or bytes) per interval; a key
 *   matches while its count is within the rate and its previous interval's
 *   average was too (rateinfo_recalc's prev_window).
 * - An entry idle for `expire` ms is forgotten; expired entries are swept
 *   every `gcInterval` ms. With `max` entries (default 131072) and none
 *   expired a new flow does not match (the kernel drops such a packet).
 * Documented choices: tables are keyed by name and configuration (the
 * kernel reuses an existing table of the same name whatever its settings);
 * time is host.nowMs() in whole milliseconds.
 */
import type { PacketContext } from '../../packet/context.js';
import type { HashlimitMatch } from '../../iptables/ext/hashlimit.js';

const DIP = 1, DPT = 2, SIP = 4, SPT = 8, INVERT = 0x10, BYTES = 0x20, RATE_MATCH = 0x40;
const U32 = 0xffffffff;
const DEFAULT_MAX = 131072;

interface Entry { expires: number; prev: number; credit: number; count: number; prevOver: boolean }

const maskOf = (len: number): number => (len === 0 ? 0 : (U32 << (32 - len)) >>> 0);
const costToBytes = (cost: number): number => ((cost ? Math.floor(U32 / cost) : U32) - 1) * 16;

export class HashlimitTable {
  readonly entries = new Map<number, Map<number, Entry>>();
  size = 0;
  private lastGc = Number.NaN;
  private readonly smask: number;
  private readonly dmask: number;
  private readonly cap: number;
  private readonly rateMatch: boolean;
  private readonly bytes: boolean;
  /** Refill per ms (bucket units), or the rate per interval (rate-match). */
  private readonly perMs: number;
  private readonly rate: number;
  private readonly max: number;

  constructor(readonly cfg: Readonly<HashlimitMatch>) {
    this.smask = maskOf(cfg.srcmask);
    this.dmask = maskOf(cfg.dstmask);
    this.bytes = (cfg.mode & BYTES) !== 0;
    this.rateMatch = (cfg.mode & RATE_MATCH) !== 0;
    const bps = costToBytes(cfg.avg);
    this.cap = this.bytes ? bps * Math.max(cfg.burst, 1) : cfg.avg * cfg.burst;
    this.perMs = this.bytes ? bps / 1000 : 1000;
    this.rate = this.bytes ? bps : cfg.avg ? Math.floor(1_000_000 / cfg.avg) : 0;
    this.max = cfg.max || DEFAULT_MAX;
  }

  /** The match result for this packet at time `now` (ms). */
  packet(ctx: PacketContext, now: number): boolean {
    const m = this.cfg.mode;
    const k1 = (m & SIP ? (ctx.saddr & this.smask) >>> 0 : 0) * 65536 + (m & SPT ? ctx.sport : 0);
    const k2 = (m & DIP ? (ctx.daddr & this.dmask) >>> 0 : 0) * 65536 + (m & DPT ? ctx.dport : 0);
    if (!(now - this.lastGc < this.cfg.gcInterval)) this.gc(now);
    let inner = this.entries.get(k1);
    let e = inner?.get(k2);
    if (e !== undefined && now >= e.expires) {
      inner!.delete(k2);
      this.size--;
      e = undefined;
    }
    const inv = (m & INVERT) !== 0;
    if (e === undefined) {
      if (this.size >= this.max) {
        this.gc(now);
        if (this.size >= this.max) return false;
      }
      e = { expires: 0, prev: now, credit: this.cap, count: 0, prevOver: false };
      if (inner === undefined) this.entries.set(k1, (inner = new Map()));
      inner.set(k2, e);
      this.size++;
    } else {
      this.recalc(e, now);
    }
    e.expires = now + this.cfg.expire;
    const cost = this.bytes ? ctx.ipTotLen : 1;
    if (this.rateMatch) {
      e.count += cost;
      return (!e.prevOver && e.count <= this.rate) !== inv;
    }
    const c = this.bytes ? cost : this.cfg.avg;
    if (e.credit >= c) {
      e.credit -= c;
      return !inv;
    }
    return inv;
  }

  private recalc(e: Entry, now: number): void {
    const delta = now - e.prev;
    if (delta <= 0) return;
    if (this.rateMatch) {
      const interval = this.cfg.interval * 1000;
      if (delta < interval) return;
      e.prevOver = e.count * interval > delta * this.rate;
      e.count = 0;
      e.prev = now;
      return;
    }
    e.credit = Math.min(this.cap, e.credit + delta * this.perMs);
    e.prev = now;
  }

  private gc(now: number): void {
    this.lastGc = now;
    for (const [k1, inner] of this.entries) {
      for (const [k2, e] of inner) {
        if (now >= e.expires) { inner.delete(k2); this.size--; }
      }
      if (inner.size === 0) this.entries.delete(k1);
    }
  }
}

/** The hashlimit tables of one host (or one binding environment). */
export class HashlimitTables {
  private readonly tables = new Map<string, HashlimitTable>();

  get(m: HashlimitMatch): HashlimitTable {
    const key = JSON.stringify([m.hashName, m.mode, m.avg, m.burst, m.max, m.gcInterval, m.expire, m.srcmask, m.dstmask, m.interval]);
    let t = this.tables.get(key);
    if (t === undefined) this.tables.set(key, (t = new HashlimitTable({ ...m })));
    return t;
  }
}
