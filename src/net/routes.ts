/**
 * RouteTable: IPv4 longest-prefix match as a 16-8-8 multibit trie
 * (DIR-16-8-8) in Int32Arrays, with per-route attributes in typed arrays.
 *
 * Invariants:
 * - A trie entry v is: v >= 0 a route index, v === -1 no route, v <= -2 a
 *   child table t = -2 - v (256 entries at t << 8 in the next level's pool).
 *   Level 1 has 65536 entries (the top 16 bits), levels 2 and 3 are pools of
 *   256-entry tables; level-3 entries are never children.
 * - Leaf pushing: every entry (or, for a child pointer, every entry of the
 *   child) holds the longest route covering all of its addresses. lookup()
 *   is therefore at most three array reads and never allocates.
 * - Each (prefix, len) pair has at most one route index; add() on an existing
 *   pair updates its attributes in place (no trie change). Prefixes are
 *   normalised to their network (host bits cleared).
 * - Route attributes: outIf (Int32, -1 for non-unicast), gateway (Uint32, 0 =
 *   directly connected), type (Uint8: 0 unicast, 1 blackhole, 2 unreachable,
 *   3 prohibit), prefix, len. Indices of removed routes are reused.
 * - Child tables are never freed (remove() leaves them leaf-pushed and valid).
 * - add/remove are control-plane operations: they may allocate (pool growth,
 *   the exact-match Map) and are not safe to call from inside lookup().
 */

import type { RoutesIO } from '../dataplane/deps.js';
import { prefixMask } from './interfaces.js';

export const ROUTE_UNICAST = 0;
export const ROUTE_BLACKHOLE = 1;
export const ROUTE_UNREACHABLE = 2;
export const ROUTE_PROHIBIT = 3;

export interface RouteInfo {
  prefix: number;
  len: number;
  outIf: number;
  gateway: number;
  type: number;
}

const NONE = -1;
/** paint() mode marker: "add" (replace shorter-or-equal owners). */
const ADD = -2;

export class RouteTable implements RoutesIO {
  private readonly l1 = new Int32Array(65536).fill(NONE);
  private l2 = new Int32Array(256 * 16);
  private l3 = new Int32Array(256 * 16);
  private l2Count = 0;
  private l3Count = 0;

  private rOutIf = new Int32Array(64);
  private rGateway = new Uint32Array(64);
  private rType = new Uint8Array(64);
  private rPrefix = new Uint32Array(64);
  private rLen = new Uint8Array(64);
  /** 1 while the route index is installed. */
  private rLive = new Uint8Array(64);
  private rCount = 0;
  private readonly freeRoutes: number[] = [];
  /** (prefix * 64 + len) → route index. */
  private readonly exact = new Map<number, number>();

  /** Installed routes. */
  get size(): number {
    return this.exact.size;
  }

  // ------------------------------------------------------------ per packet

  /** The route index of the longest prefix covering daddr, or -1. */
  lookup(daddr: number): number {
    const v = this.l1[daddr >>> 16];
    if (v >= NONE) return v;
    const w = this.l2[((-2 - v) << 8) | ((daddr >>> 8) & 255)];
    if (w >= NONE) return w;
    return this.l3[((-2 - w) << 8) | (daddr & 255)];
  }

  outIf(route: number): number {
    return this.rOutIf[route];
  }

  gateway(route: number): number {
    return this.rGateway[route];
  }

  type(route: number): number {
    return this.rType[route];
  }

  prefix(route: number): number {
    return this.rPrefix[route];
  }

  prefixLen(route: number): number {
    return this.rLen[route];
  }

  // ------------------------------------------------------------ control plane

  /** Install (or replace the attributes of) prefix/len; returns its route index. */
  add(prefix: number, len: number, outIf: number, gateway: number, type: number): number {
    checkLen(len);
    const p = (prefix & prefixMask(len)) >>> 0;
    const key = p * 64 + len;
    let r = this.exact.get(key);
    if (r === undefined) {
      r = this.newRoute();
      this.rPrefix[r] = p;
      this.rLen[r] = len;
      this.rLive[r] = 1;
      this.exact.set(key, r);
      this.setAttrs(r, outIf, gateway, type);
      this.paint(p, len, r, ADD);
    } else {
      this.setAttrs(r, outIf, gateway, type);
    }
    return r;
  }

  /** Remove prefix/len; returns false when it was not installed. */
  remove(prefix: number, len: number): boolean {
    checkLen(len);
    const p = (prefix & prefixMask(len)) >>> 0;
    const key = p * 64 + len;
    const r = this.exact.get(key);
    if (r === undefined) return false;
    this.exact.delete(key);
    // Slots owned by r fall back to the longest shorter route covering p.
    let parent = NONE;
    for (let l = len - 1; l >= 0 && parent === NONE; l--) {
      const q = this.exact.get(((p & prefixMask(l)) >>> 0) * 64 + l);
      if (q !== undefined) parent = q;
    }
    this.paint(p, len, parent, r);
    this.rLive[r] = 0;
    this.freeRoutes.push(r);
    return true;
  }

  /** The route index of exactly prefix/len, or -1. */
  find(prefix: number, len: number): number {
    const p = (prefix & prefixMask(len)) >>> 0;
    return this.exact.get(p * 64 + len) ?? NONE;
  }

  /** All installed routes, most specific first (diagnostics; allocates). */
  list(): RouteInfo[] {
    const out: RouteInfo[] = [];
    for (const r of this.exact.values()) {
      out.push({ prefix: this.rPrefix[r], len: this.rLen[r], outIf: this.rOutIf[r], gateway: this.rGateway[r], type: this.rType[r] });
    }
    out.sort((a, b) => b.len - a.len || a.prefix - b.prefix);
    return out;
  }

  private setAttrs(r: number, outIf: number, gateway: number, type: number): void {
    const unicast = type === ROUTE_UNICAST;
    this.rOutIf[r] = unicast ? outIf : -1;
    this.rGateway[r] = unicast ? gateway >>> 0 : 0;
    this.rType[r] = type;
  }

  private newRoute(): number {
    const reused = this.freeRoutes.pop();
    if (reused !== undefined) return reused;
    if (this.rCount === this.rOutIf.length) {
      const n = this.rCount * 2;
      this.rOutIf = grow(this.rOutIf, n);
      this.rGateway = grow(this.rGateway, n);
      this.rType = grow(this.rType, n);
      this.rPrefix = grow(this.rPrefix, n);
      this.rLen = grow(this.rLen, n);
      this.rLive = grow(this.rLive, n);
    }
    return this.rCount++;
  }

  /**
   * Write route r over prefix p/len. mode ADD: replace owners no longer than
   * len (and empty entries); otherwise mode is a route index being removed and
   * only its entries are replaced (by r, its parent or -1).
   */
  private paint(p: number, len: number, r: number, mode: number): void {
    if (len <= 16) {
      const lo = p >>> 16;
      const hi = lo + (1 << (16 - len));
      for (let i = lo; i < hi; i++) this.paintEntry(1, i, r, len, mode);
      return;
    }
    const t2 = this.child1(p >>> 16);
    if (len <= 24) {
      const lo = (t2 << 8) | ((p >>> 8) & 255);
      const hi = lo + (1 << (24 - len));
      for (let i = lo; i < hi; i++) this.paintEntry(2, i, r, len, mode);
      return;
    }
    const t3 = this.child2((t2 << 8) | ((p >>> 8) & 255));
    const lo = (t3 << 8) | (p & 255);
    const hi = lo + (1 << (32 - len));
    for (let i = lo; i < hi; i++) this.paintEntry(3, i, r, len, mode);
  }

  private paintEntry(level: number, i: number, r: number, len: number, mode: number): void {
    const arr = level === 1 ? this.l1 : level === 2 ? this.l2 : this.l3;
    const cur = arr[i];
    if (cur <= -2) {
      const base = (-2 - cur) << 8;
      for (let k = 0; k < 256; k++) this.paintEntry(level + 1, base + k, r, len, mode);
      return;
    }
    if (mode === ADD ? cur === NONE || this.rLen[cur] <= len : cur === mode) arr[i] = r;
  }

  /** The level-2 table under level-1 entry i, created (leaf-pushed) on demand. */
  private child1(i: number): number {
    const v = this.l1[i];
    if (v <= -2) return -2 - v;
    if (this.l2Count * 256 === this.l2.length) this.l2 = grow(this.l2, this.l2.length * 2);
    const t = this.l2Count++;
    this.l2.fill(v, t << 8, (t + 1) << 8);
    this.l1[i] = -2 - t;
    return t;
  }

  /** The level-3 table under level-2 entry j, created (leaf-pushed) on demand. */
  private child2(j: number): number {
    const v = this.l2[j];
    if (v <= -2) return -2 - v;
    if (this.l3Count * 256 === this.l3.length) this.l3 = grow(this.l3, this.l3.length * 2);
    const t = this.l3Count++;
    this.l3.fill(v, t << 8, (t + 1) << 8);
    this.l2[j] = -2 - t;
    return t;
  }
}

function checkLen(len: number): void {
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new RangeError(`prefix length ${len} is not 0..32`);
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
