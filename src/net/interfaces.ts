/**
 * Interfaces: the router's interface facts (name, MTU, addresses) indexed by
 * rawgate ifIndex, answering the per-packet questions of InterfacesIO.
 *
 * Invariants:
 * - ifIndex i is position i of the list given to the constructor (the
 *   dataplane appends the host port last, with no addresses); indices out of
 *   range answer "no" (false, 0, '' or mtu 0) rather than throwing.
 * - Addresses are unsigned 32-bit numbers (`>>> 0`); the lookup structures are
 *   built once in the constructor and never change.
 * - isLocal / isBroadcast are open-addressing hash sets on Uint32Array
 *   (linear probing, load factor <= 1/2); ownsAddress scans the interface's
 *   own (few) addresses in a flat Uint32Array. No per-packet call allocates.
 * - isBroadcast is true for 255.255.255.255 and for the directed broadcast of
 *   every configured subnet with prefix < 31 (a /31 or /32 has none, RFC 3021).
 */

import type { InterfacesIO } from '../dataplane/deps.js';

export interface InterfaceSpec {
  name: string;
  mtu: number;
  addresses: readonly { addr: number; prefix: number }[];
}

/** A fixed set of u32 keys: open addressing, linear probing. */
export class U32Set {
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;
  readonly size: number;

  constructor(values: Iterable<number>) {
    const uniq = new Set<number>();
    for (const v of values) uniq.add(v >>> 0);
    let cap = 8;
    while (cap < uniq.size * 2) cap <<= 1;
    this.keys = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.size = uniq.size;
    for (const v of uniq) {
      let i = hashU32(v) & this.mask;
      while (this.used[i] === 1) i = (i + 1) & this.mask;
      this.used[i] = 1;
      this.keys[i] = v;
    }
  }

  has(v: number): boolean {
    const k = v >>> 0;
    let i = hashU32(k) & this.mask;
    while (this.used[i] === 1) {
      if (this.keys[i] === k) return true;
      i = (i + 1) & this.mask;
    }
    return false;
  }
}

/** A 32-bit integer mix (murmur3 finaliser); returns an unsigned number. */
export function hashU32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Network mask of a prefix length 0..32 as an unsigned number. */
export function prefixMask(len: number): number {
  return len <= 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export class Interfaces implements InterfacesIO {
  private readonly names: string[];
  private readonly mtus: Int32Array;
  /** Addresses of interface i are addrs[addrStart[i] .. addrStart[i + 1]). */
  private readonly addrStart: Int32Array;
  private readonly addrs: Uint32Array;
  private readonly local: U32Set;
  private readonly bcast: U32Set;

  constructor(list: readonly InterfaceSpec[]) {
    const n = list.length;
    this.names = list.map((i) => i.name);
    this.mtus = new Int32Array(n);
    this.addrStart = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) total += list[i].addresses.length;
    this.addrs = new Uint32Array(total);
    const bcasts: number[] = [0xffffffff];
    let k = 0;
    for (let i = 0; i < n; i++) {
      this.mtus[i] = list[i].mtu;
      this.addrStart[i] = k;
      for (const a of list[i].addresses) {
        this.addrs[k++] = a.addr >>> 0;
        if (a.prefix < 31) bcasts.push((a.addr | ~prefixMask(a.prefix)) >>> 0);
      }
    }
    this.addrStart[n] = k;
    this.local = new U32Set(this.addrs);
    this.bcast = new U32Set(bcasts);
  }

  count(): number {
    return this.mtus.length;
  }

  name(ifIndex: number): string {
    return ifIndex >= 0 && ifIndex < this.names.length ? this.names[ifIndex] : '';
  }

  mtu(ifIndex: number): number {
    return ifIndex >= 0 && ifIndex < this.mtus.length ? this.mtus[ifIndex] : 0;
  }

  isLocal(addr: number): boolean {
    return this.local.has(addr);
  }

  isBroadcast(addr: number): boolean {
    return this.bcast.has(addr);
  }

  ownsAddress(ifIndex: number, addr: number): boolean {
    if (ifIndex < 0 || ifIndex >= this.mtus.length) return false;
    const a = addr >>> 0;
    const end = this.addrStart[ifIndex + 1];
    for (let i = this.addrStart[ifIndex]; i < end; i++) if (this.addrs[i] === a) return true;
    return false;
  }

  primaryAddress(ifIndex: number): number {
    if (ifIndex < 0 || ifIndex >= this.mtus.length) return 0;
    const s = this.addrStart[ifIndex];
    return s < this.addrStart[ifIndex + 1] ? this.addrs[s] : 0;
  }

  /** Index of the interface called `name`, or -1 (off the hot path). */
  indexOf(name: string): number {
    return this.names.indexOf(name);
  }
}
