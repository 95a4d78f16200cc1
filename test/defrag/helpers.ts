import { expect } from 'vitest';
/** Datagrams, fragments and a submit wrapper for the defrag tests. */
import { Defrag, DEFRAG_DEFAULTS, type DefragSettings } from '../../src/defrag/index.js';
import { ipHeaderChecksumOk, setIpChecksum, wr16 } from '../../src/packet/index.js';

export interface DgramOpts {
  payload?: number;
  id?: number;
  saddr?: number;
  daddr?: number;
  proto?: number;
  tos?: number;
  df?: boolean;
  /** IP options bytes (padded to a multiple of 4 by the caller). */
  options?: number[];
  seed?: number;
}

/** A small deterministic PRNG (mulberry32) for payloads, sizes and orders. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An unfragmented IPv4 datagram with a pseudo-random payload. */
export function datagram(o: DgramOpts = {}): Uint8Array {
  const opts = o.options ?? [];
  const hl = 20 + opts.length;
  const plen = o.payload ?? 1000;
  const b = new Uint8Array(hl + plen);
  b[0] = 0x40 | (hl >> 2);
  b[1] = o.tos ?? 0;
  wr16(b, 2, hl + plen);
  wr16(b, 4, o.id ?? 0x1234);
  wr16(b, 6, o.df ? 0x4000 : 0);
  b[8] = 64;
  b[9] = o.proto ?? 17;
  const s = o.saddr ?? 0x0a000001;
  const d = o.daddr ?? 0x0a000002;
  b[12] = s >>> 24; b[13] = (s >>> 16) & 255; b[14] = (s >>> 8) & 255; b[15] = s & 255;
  b[16] = d >>> 24; b[17] = (d >>> 16) & 255; b[18] = (d >>> 8) & 255; b[19] = d & 255;
  b.set(opts, 20);
  const r = rng(o.seed ?? 1);
  for (let i = hl; i < b.length; i++) b[i] = (r() * 256) | 0;
  setIpChecksum(b, 0);
  return b;
}

export interface FragOpts {
  mf?: boolean;
  df?: boolean;
  tos?: number;
  /** Bytes of payload to carry beyond `end` (for trimming tests). */
  extra?: number;
}

/**
 * The fragment of datagram `g` carrying payload [offset, end): same header
 * (options included), MF unless it reaches the end (or `mf` says otherwise).
 */
export function frag(g: Uint8Array, offset: number, end: number, f: FragOpts = {}): Uint8Array {
  const hl = (g[0] & 15) << 2;
  const plen = g.length - hl;
  const extra = f.extra ?? 0;
  const b = new Uint8Array(hl + end - offset + extra);
  b.set(g.subarray(0, hl), 0);
  for (let i = 0; i < end - offset + extra; i++) b[hl + i] = g[hl + offset + i] ?? 0xee;
  wr16(b, 2, b.length);
  const mf = f.mf ?? end < plen;
  const df = f.df ?? (g[6] & 0x40) !== 0;
  wr16(b, 6, (df ? 0x4000 : 0) | (mf ? 0x2000 : 0) | (offset >> 3));
  if (f.tos !== undefined) b[1] = f.tos;
  setIpChecksum(b, 0);
  return b;
}

/** Cut g's payload into fragments of `size` bytes (a multiple of 8), in order. */
export function split(g: Uint8Array, size: number): Uint8Array[] {
  const plen = g.length - ((g[0] & 15) << 2);
  const out: Uint8Array[] = [];
  for (let o = 0; o < plen; o += size) out.push(frag(g, o, Math.min(plen, o + size)));
  return out;
}

export const OUT_ROOM = 70000;

/** A Defrag plus an output buffer; `sub` submits a fragment and returns the DefragResult. */
export class Rig {
  readonly d: Defrag;
  readonly out = new Uint8Array(OUT_ROOM);
  now = 0;
  constructor(s: Partial<DefragSettings> = {}, seed = 7) {
    this.d = new Defrag({ ...DEFRAG_DEFAULTS, ...s }, seed);
  }
  sub(f: Uint8Array, user = 0): number {
    return this.d.submit(f, 0, f.length, this.now, this.out, 0, user);
  }
  /** The datagram written by the last COMPLETE. */
  result(): Uint8Array {
    return this.out.slice(0, this.d.outLen);
  }
  resultOk(): boolean {
    const r = this.result();
    return ipHeaderChecksumOk(r, 0, (r[0] & 15) << 2);
  }
}

/** g with tot_len / frag_off / tos / checksum as the reassembled header should have them. */
export function expected(g: Uint8Array, df: boolean, tos?: number): Uint8Array {
  const e = g.slice();
  wr16(e, 6, df ? 0x4000 : 0);
  if (tos !== undefined) e[1] = tos;
  setIpChecksum(e, 0);
  return e;
}

/** Byte equality; the element-wise diff of toEqual only when they differ (it is slow on 64 KiB). */
export function expectBytes(got: Uint8Array | undefined, want: Uint8Array): void {
  if (got !== undefined && got.length === want.length && Buffer.compare(got, want) === 0) return;
  expect(got).toEqual(want);
}
