/**
 * IPv4 fragmentation on egress, as the kernel's ip_do_fragment slow path:
 * each fragment carries (mtu - IHL*4) & ~7 payload bytes except the last;
 * every fragment keeps the original header length, and in all but the first
 * the options without the copied flag are overwritten with NOPs
 * (ip_options_fragment), so only copied options reach later fragments
 * (RFC 791). Offsets continue from the packet's own offset and the last
 * fragment keeps its MF, so a fragment can be refragmented; DF is copied as
 * it is (deciding about DF is the caller's job). Id, TOS, TTL are kept; each
 * header checksum is recomputed.
 *
 * Invariants: no allocation when the sink writes into the source's buffer
 * (copyWithin); the source is read-only here; output slots must not overlap it.
 */
import { rd16, wr16 } from './bytes.js';
import { setIpChecksum } from './checksum.js';

/** Where fragments go: `next` reserves room, `done` hands a finished fragment over. */
export interface FragmentSink {
  /** The buffer the offset from the last next() refers to (read after each next()). */
  readonly buf: Uint8Array;
  /** Room for a fragment of `len` bytes: its offset in `buf`, or -1 to stop (e.g. no free slot). */
  next(len: number): number;
  /** The fragment at `off` in `buf`, `len` bytes, is complete. */
  done(off: number, len: number): void;
}

/** Payload bytes per fragment (all but the last), or 0 when the MTU cannot carry the header + 8. */
export function fragmentPayloadSize(hdrLen: number, mtu: number): number {
  const room = mtu - hdrLen;
  return room < 8 ? 0 : room & ~7;
}

/** NOP out the options without the copied flag (ip_options_fragment). */
export function nopUncopiedOptions(b: Uint8Array, l3: number): void {
  let o = l3 + 20;
  let l = ((b[l3] & 0x0f) << 2) - 20;
  while (l > 0) {
    const k = b[o];
    if (k === 0) return;
    if (k === 1) {
      l--;
      o++;
      continue;
    }
    const optlen = b[o + 1];
    if (optlen < 2 || optlen > l) return;
    if ((k & 0x80) === 0) b.fill(1, o, o + optlen);
    l -= optlen;
    o += optlen;
  }
}

/**
 * Fragment the IPv4 packet at buf[l3Off] (its header trusted: IHL and total
 * length checked by the parser) for `mtu`. Returns the number of fragments
 * handed to the sink; 0 when the packet already fits (nothing emitted); -1
 * when the MTU is too small for the header + 8 bytes or the sink refused a
 * fragment (those already handed over stay sent, as in the kernel).
 */
export function fragment(buf: Uint8Array, l3Off: number, mtu: number, sink: FragmentSink): number {
  const hl = (buf[l3Off] & 0x0f) << 2;
  const tot = rd16(buf, l3Off + 2);
  if (tot <= mtu) return 0;
  const chunk = fragmentPayloadSize(hl, mtu);
  if (chunk === 0) return -1;
  const word = rd16(buf, l3Off + 6);
  const base = (word & 0x1fff) << 3;
  const lastMf = word & 0x2000;
  const df = word & 0x4000;
  const payload = tot - hl;
  let pos = 0;
  let n = 0;
  while (pos < payload) {
    const left = payload - pos;
    const len = left > mtu - hl ? chunk : left;
    const flen = hl + len;
    const o = sink.next(flen);
    if (o < 0) return -1;
    const d = sink.buf;
    const src = l3Off + hl + pos;
    if (d === buf) {
      d.copyWithin(o, l3Off, l3Off + hl);
      d.copyWithin(o + hl, src, src + len);
    } else {
      d.set(buf.subarray(l3Off, l3Off + hl), o);
      d.set(buf.subarray(src, src + len), o + hl);
    }
    if (pos !== 0 && hl > 20) nopUncopiedOptions(d, o);
    wr16(d, o + 2, flen);
    const more = pos + len < payload ? 0x2000 : lastMf;
    wr16(d, o + 6, df | more | ((base + pos) >>> 3));
    setIpChecksum(d, o);
    sink.done(o, flen);
    n++;
    pos += len;
  }
  return n;
}
