/**
 * Big-endian reads and writes on a Uint8Array: the only primitive the header
 * views use. Invariants: no bounds checks here (callers have done the one
 * length check for the header), no allocation, u32 results are unsigned
 * (`>>> 0`). Tiny functions on purpose: V8 inlines them.
 */

export function rd16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function rd32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function wr16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** A 48-bit MAC as a plain number (exact: < 2^53), e.g. for tables and comparisons. */
export function rdMac(b: Uint8Array, o: number): number {
  return ((b[o] << 8) | b[o + 1]) * 0x100000000 + rd32(b, o + 2);
}

/** Write a MAC given as a number (see rdMac). */
export function wrMac(b: Uint8Array, o: number, mac: number): void {
  wr16(b, o, Math.floor(mac / 0x100000000) & 0xffff);
  wr32(b, o + 2, mac >>> 0);
}

/** Copy 6 bytes of MAC from src[so] to dst[o] (byte loop: no subarray per packet). */
export function copyMac(dst: Uint8Array, o: number, src: Uint8Array, so: number): void {
  dst[o] = src[so];
  dst[o + 1] = src[so + 1];
  dst[o + 2] = src[so + 2];
  dst[o + 3] = src[so + 3];
  dst[o + 4] = src[so + 4];
  dst[o + 5] = src[so + 5];
}

/** True when the 6 bytes at a[ao] and b[bo] are equal. */
export function macEqual(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  return a[ao] === b[bo] && a[ao + 1] === b[bo + 1] && a[ao + 2] === b[bo + 2] &&
    a[ao + 3] === b[bo + 3] && a[ao + 4] === b[bo + 4] && a[ao + 5] === b[bo + 5];
}

/**
 * Copy n bytes from src[sOff] to dst[dOff] without allocating: copyWithin
 * (memmove) within one buffer, else a byte loop (set(subarray) would allocate
 * a view per call). Ranges are trusted.
 */
export function copyBytes(dst: Uint8Array, dOff: number, src: Uint8Array, sOff: number, n: number): void {
  if (dst === src) {
    dst.copyWithin(dOff, sOff, sOff + n);
    return;
  }
  let i = 0;
  const n8 = n & ~7;
  while (i < n8) {
    dst[dOff + i] = src[sOff + i];
    dst[dOff + i + 1] = src[sOff + i + 1];
    dst[dOff + i + 2] = src[sOff + i + 2];
    dst[dOff + i + 3] = src[sOff + i + 3];
    dst[dOff + i + 4] = src[sOff + i + 4];
    dst[dOff + i + 5] = src[sOff + i + 5];
    dst[dOff + i + 6] = src[sOff + i + 6];
    dst[dOff + i + 7] = src[sOff + i + 7];
    i += 8;
  }
  while (i < n) {
    dst[dOff + i] = src[sOff + i];
    i++;
  }
}
