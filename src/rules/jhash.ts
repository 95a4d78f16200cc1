/**
 * The kernel's Jenkins hash for 1–3 words (include/linux/jhash.h:
 * jhash_1word / jhash_3words, JHASH_INITVAL 0xdeadbeef) and
 * reciprocal_scale (val * n >> 32), as the cluster match and the HMARK
 * target use them. All values unsigned 32-bit.
 */
const JHASH_INITVAL = 0xdeadbeef;

const rol32 = (w: number, s: number): number => ((w << s) | (w >>> (32 - s))) >>> 0;

/** __jhash_final(a, b, c) then c (__jhash_nwords after the initval was added). */
function nwords(a: number, b: number, c: number, initval: number): number {
  a = (a + initval) >>> 0;
  b = (b + initval) >>> 0;
  c = (c + initval) >>> 0;
  c = ((c ^ b) - rol32(b, 14)) >>> 0;
  a = ((a ^ c) - rol32(c, 11)) >>> 0;
  b = ((b ^ a) - rol32(a, 25)) >>> 0;
  c = ((c ^ b) - rol32(b, 16)) >>> 0;
  a = ((a ^ c) - rol32(c, 4)) >>> 0;
  b = ((b ^ a) - rol32(a, 14)) >>> 0;
  c = ((c ^ b) - rol32(b, 24)) >>> 0;
  return c;
}

export function jhash3words(a: number, b: number, c: number, initval: number): number {
  return nwords(a, b, c, (initval + JHASH_INITVAL + (3 << 2)) >>> 0);
}

export function jhash1word(a: number, initval: number): number {
  return nwords(a, 0, 0, (initval + JHASH_INITVAL + (1 << 2)) >>> 0);
}

/** reciprocal_scale(val, ep_ro): (u32)(((u64)val * ep_ro) >> 32). */
export function reciprocalScale(val: number, n: number): number {
  val >>>= 0;
  n >>>= 0;
  // 64-bit product without BigInt: split val into 16-bit halves (every term stays below 2^53).
  const hi = (val >>> 16) * n + Math.floor((val & 0xffff) * n / 65536);
  return Math.floor(hi / 65536) >>> 0;
}

/** The bytes of a host-order address as a little-endian CPU reads the __be32 (the kernel's (__force u32) on x86). */
export function be32AsLe(addr: number): number {
  return (((addr & 0xff) << 24) | ((addr & 0xff00) << 8) | ((addr >>> 8) & 0xff00) | (addr >>> 24)) >>> 0;
}

/** __jhash_mix(a, b, c), returning all three (the caller destructures nothing: see jhash2Words). */
function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * jhash2(k, length, initval) over 1..n words (include/linux/jhash.h), for
 * words given as arguments w0..w3 (length ≤ 4, which is all NAT's address
 * hash needs: a union nf_inet_addr is four words). Allocation-free.
 */
export function jhash2Words(length: number, initval: number, w0: number, w1 = 0, w2 = 0, w3 = 0): number {
  let a = (JHASH_INITVAL + (length << 2) + initval) >>> 0;
  let b = a, c = a;
  if (length > 3) {
    a = (a + w0) >>> 0; b = (b + w1) >>> 0; c = (c + w2) >>> 0;
    // __jhash_mix
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 3;
    w0 = w3; w1 = 0; w2 = 0;
  }
  if (length === 0) return c;
  if (length >= 3) c = (c + w2) >>> 0;
  if (length >= 2) b = (b + w1) >>> 0;
  a = (a + w0) >>> 0;
  // __jhash_final
  c = ((c ^ b) - rot(b, 14)) >>> 0;
  a = ((a ^ c) - rot(c, 11)) >>> 0;
  b = ((b ^ a) - rot(a, 25)) >>> 0;
  c = ((c ^ b) - rot(b, 16)) >>> 0;
  a = ((a ^ c) - rot(c, 4)) >>> 0;
  b = ((b ^ a) - rot(a, 14)) >>> 0;
  c = ((c ^ b) - rot(b, 24)) >>> 0;
  return c;
}
