/**
 * Random valid IPv4 packets for property tests: IP options, TCP (with an MSS
 * option at a random alignment) or UDP (checksum possibly zero) or ICMP echo,
 * random payload, correct checksums, placed at a random offset.
 */
import fc from 'fast-check';
import { setIcmpChecksum, setIpChecksum, setTcpChecksum, setUdpChecksum } from '../../src/packet/checksum.js';

export interface Pkt { buf: Uint8Array; l3: number; l4: number; proto: number; tot: number; hl: number; tcpHl: number }

export const arbPacket = (maxPayload = 300): fc.Arbitrary<Pkt> => fc.record({
  lead: fc.nat(9),
  proto: fc.constantFrom(6, 17, 1),
  optWords: fc.nat(10),
  tos: fc.nat(255), id: fc.nat(0xffff), ttl: fc.integer({ min: 1, max: 255 }), df: fc.boolean(),
  saddr: fc.nat(0xffffffff), daddr: fc.nat(0xffffffff),
  sport: fc.nat(0xffff), dport: fc.nat(0xffff),
  nops: fc.nat(3), mss: fc.nat(0xffff), udpZero: fc.boolean(),
  payload: fc.uint8Array({ maxLength: maxPayload }),
}).map((r) => {
  const hl = 20 + r.optWords * 4;
  const tcpOpt = 4 + r.nops;
  const tcpHl = r.proto === 6 ? 20 + ((tcpOpt + 3) & ~3) : 0;
  const l4h = r.proto === 6 ? tcpHl : 8;
  const tot = hl + l4h + r.payload.length;
  const buf = new Uint8Array(r.lead + tot + 5);
  const l3 = r.lead;
  const l4 = l3 + hl;
  buf[l3] = 0x40 | (hl >> 2); buf[l3 + 1] = r.tos; buf[l3 + 2] = tot >> 8; buf[l3 + 3] = tot & 0xff;
  buf[l3 + 4] = r.id >> 8; buf[l3 + 5] = r.id & 0xff; buf[l3 + 6] = r.df ? 0x40 : 0;
  buf[l3 + 8] = r.ttl; buf[l3 + 9] = r.proto;
  for (let i = 0; i < 4; i++) { buf[l3 + 12 + i] = (r.saddr >>> (24 - 8 * i)) & 0xff; buf[l3 + 16 + i] = (r.daddr >>> (24 - 8 * i)) & 0xff; }
  buf.fill(1, l3 + 20, l4); // NOP options
  buf[l4] = r.sport >> 8; buf[l4 + 1] = r.sport & 0xff; buf[l4 + 2] = r.dport >> 8; buf[l4 + 3] = r.dport & 0xff;
  if (r.proto === 6) {
    buf[l4 + 12] = (tcpHl / 4) << 4; buf[l4 + 13] = 0x02;
    buf.fill(1, l4 + 20, l4 + tcpHl);
    const m = l4 + 20 + r.nops;
    buf[m] = 2; buf[m + 1] = 4; buf[m + 2] = r.mss >> 8; buf[m + 3] = r.mss & 0xff;
  } else if (r.proto === 1) {
    buf[l4] = 8; buf[l4 + 1] = 0;
  } else {
    buf[l4 + 4] = (tot - hl) >> 8; buf[l4 + 5] = (tot - hl) & 0xff;
  }
  buf.set(r.payload, l4 + l4h);
  setIpChecksum(buf, l3);
  if (r.proto === 6) setTcpChecksum(buf, l3, l4, tot - hl);
  else if (r.proto === 17 && !r.udpZero) setUdpChecksum(buf, l3, l4, tot - hl);
  else if (r.proto === 1) setIcmpChecksum(buf, l4, tot - hl);
  return { buf, l3, l4, proto: r.proto, tot, hl, tcpHl };
});

/** Naive reference checksum (16-bit words, fold at the end). */
export function refChecksum(b: Uint8Array, off: number, len: number, initial = 0): number {
  let s = initial;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}
