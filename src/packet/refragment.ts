/**
 * Sending a reassembled datagram (src/defrag) out again, as the kernel does
 * for a skb with IPCB frag_max_size set (ip_forward's ip_exceeds_mtu,
 * __ip_finish_output, ip_do_fragment):
 * - mtu = min(egress mtu, frag_max_size): fragments never exceed the largest
 *   fragment the datagram arrived in ("max frag size preserved"), though the
 *   boundaries are a greedy split, not necessarily the original ones;
 * - payload per fragment (mtu - hlen) & ~7, the last takes the rest;
 * - DF on every fragment iff `df` (IPSKB_FRAG_PMTU: the largest original
 *   fragment had DF), whatever the header says; MF on all but the last (the
 *   last keeps the datagram's own MF, offsets continue from its own offset,
 *   so a fragment can be refragmented too);
 * - the first fragment carries all options, later ones only those with the
 *   copied flag (the others become NOPs, the header length stays).
 * The ICMP "fragmentation needed" decision (DF and frag_max_size > mtu) is
 * the caller's: defragExceedsMtu.
 *
 * Invariants: no allocation (copyBytes: copyWithin within one buffer, a byte
 * loop across buffers); the source is read-only; output must not overlap it.
 */
import { copyBytes, rd16, wr16 } from './bytes.js';
import { setIpChecksum } from './checksum.js';
import { fragmentPayloadSize, nopUncopiedOptions, type FragmentSink } from './fragment.js';

/** The MTU the datagram is re-split for: the egress MTU capped by the largest original fragment. */
export function refragmentMtu(egressMtu: number, maxFragSize: number): number {
  return maxFragSize > 0 && maxFragSize < egressMtu ? maxFragSize : egressMtu;
}

/** ip_exceeds_mtu for a reassembled datagram: DF and a fragment larger than the MTU -> ICMP frag needed + drop. */
export function defragExceedsMtu(df: number, maxFragSize: number, mtu: number): boolean {
  return df !== 0 && maxFragSize > mtu;
}

/**
 * Split the reassembled datagram at buf[l3Off] for refragmentMtu(egressMtu,
 * maxFragSize). Returns the number of fragments handed to the sink; 0 when it
 * fits whole (nothing emitted: send it as it is, its header already says DF or
 * not); -1 when the MTU cannot carry the header + 8 bytes or the sink refused a
 * fragment (those already handed over stay sent, as in the kernel).
 */
export function refragment(
  buf: Uint8Array, l3Off: number, egressMtu: number, maxFragSize: number, df: number, sink: FragmentSink,
): number {
  const mtu = refragmentMtu(egressMtu, maxFragSize);
  const hl = (buf[l3Off] & 0x0f) << 2;
  const tot = rd16(buf, l3Off + 2);
  if (tot <= mtu) return 0;
  const chunk = fragmentPayloadSize(hl, mtu);
  if (chunk === 0) return -1;
  const word = rd16(buf, l3Off + 6);
  const base = (word & 0x1fff) << 3;
  const lastMf = word & 0x2000;
  const dfBit = df !== 0 ? 0x4000 : 0;
  const payload = tot - hl;
  let pos = 0;
  let n = 0;
  while (pos < payload) {
    const left = payload - pos;
    const len = left > mtu - hl ? chunk : left; // ip_frag_next: the rest goes whole when it fits
    const flen = hl + len;
    const o = sink.next(flen);
    if (o < 0) return -1;
    const d = sink.buf;
    copyBytes(d, o, buf, l3Off, hl);
    copyBytes(d, o + hl, buf, l3Off + hl + pos, len);
    if (pos !== 0 && hl > 20) nopUncopiedOptions(d, o);
    wr16(d, o + 2, flen);
    const more = pos + len < payload ? 0x2000 : lastMf;
    wr16(d, o + 6, dfBit | more | ((base + pos) >>> 3));
    setIpChecksum(d, o);
    sink.done(o, flen);
    n++;
    pos += len;
  }
  return n;
}
