/**
 * RFC 1624 incremental checksum update (HC' = ~(~HC + ~m + m')), private to
 * the targets until src/packet/checksum.ts provides one.
 * Invariant: `at` is the checksum field's offset; words are big-endian. A
 * 16-bit value at an odd offset from the start of the checksummed data is
 * passed byte-swapped (`odd`), which is what its contribution to the sum is.
 */

const swap16 = (v: number): number => ((v & 0xff) << 8) | (v >>> 8);

export function csumReplace16(buf: Uint8Array, at: number, oldv: number, newv: number, odd = false): void {
  if (odd) { oldv = swap16(oldv); newv = swap16(newv); }
  const hc = (buf[at]! << 8) | buf[at + 1]!;
  let sum = (~hc & 0xffff) + (~oldv & 0xffff) + (newv & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  const res = ~sum & 0xffff;
  buf[at] = res >>> 8;
  buf[at + 1] = res & 0xff;
}

/** Full one's complement checksum of buf[off, off+len) (tests and verification). */
export function csumFull(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  let i = off;
  for (; i + 1 < off + len; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < off + len) sum += buf[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
