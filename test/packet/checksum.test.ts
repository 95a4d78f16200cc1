import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as P from '../../src/packet/index.js';
import { arbPacket, refChecksum } from './gen.js';

/** The L4 checksum a full recompute gives (field zeroed), with UDP's 0 → 0xffff. */
function fullL4(b: Uint8Array, l3: number, l4: number, proto: number, tot: number, hl: number): number {
  const c = b.slice();
  const at = proto === 6 ? 16 : proto === 17 ? 6 : 2;
  c[l4 + at] = 0; c[l4 + at + 1] = 0;
  if (proto === 1) return refChecksum(c, l4, tot - hl);
  const pseudo = P.pseudoHeaderSum(P.ipSaddr(b, l3), P.ipDaddr(b, l3), proto, tot - hl);
  const v = refChecksum(c, l4, tot - hl, pseudo);
  return proto === 17 && v === 0 ? 0xffff : v;
}
const l4Field = (p: { buf: Uint8Array; l4: number; proto: number }): number =>
  P.rd16(p.buf, p.l4 + (p.proto === 6 ? 16 : p.proto === 17 ? 6 : 2));

describe('full checksum', () => {
  it('RFC 1071 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2', () => {
    const b = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(P.csumFold(P.csumPartial(b, 0, 8, 0))).toBe(0xddf2);
    expect(P.internetChecksum(b, 0, 8)).toBe(0x220d);
  });

  it('matches a naive reference at any offset, odd lengths included', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(7), fc.nat(0xffffff), (data, lead, init) => {
      const b = new Uint8Array(lead + data.length + 3);
      b.set(data, lead);
      expect(P.internetChecksum(b, lead, data.length, init)).toBe(refChecksum(b, lead, data.length, init));
    }));
  });

  it('folds sums beyond 2^31 and 2^32', () => {
    for (const s of [0x7fffffff + 5, 0xffffffff, 0x1234567890, 2 ** 52 + 7]) {
      let r = s;
      while (r > 0xffff) r = (r % 65536) + Math.floor(r / 65536);
      expect(P.csumFold(s)).toBe(r);
    }
    const big = new Uint8Array(65535).fill(0xff);
    expect(P.internetChecksum(big, 0, big.length)).toBe(refChecksum(big, 0, big.length));
  });

  it('generated packets verify; one flipped bit is caught', () => {
    fc.assert(fc.property(arbPacket(), fc.nat(), (p, bit) => {
      expect(P.ipHeaderChecksumOk(p.buf, p.l3, p.hl)).toBe(true);
      const len = p.tot - p.hl;
      const ok = p.proto === 6 ? P.tcpChecksumOk(p.buf, p.l3, p.l4, len)
        : p.proto === 17 ? P.udpChecksumOk(p.buf, p.l3, p.l4, len) : P.icmpChecksumOk(p.buf, p.l4, len);
      expect(ok).toBe(true);
      const at = p.l3 + 12 + ((bit >>> 3) % 8); // an address byte: covered by both checksums
      p.buf[at] ^= 1 << (bit & 7);
      expect(P.ipHeaderChecksumOk(p.buf, p.l3, p.hl)).toBe(false);
      if (p.proto === 6) expect(P.tcpChecksumOk(p.buf, p.l3, p.l4, len)).toBe(false);
    }));
  });

  it('UDP: a zero checksum is accepted as none; a computed 0 is sent as 0xffff', () => {
    const b = new Uint8Array(20 + 8 + 4);
    b[0] = 0x45; b[3] = 32; b[9] = 17; b[12] = 10; b[15] = 1; b[16] = 10; b[19] = 2;
    b[21] = 53; b[23] = 53; b[25] = 12;
    expect(P.udpChecksumOk(b, 0, 20, 12)).toBe(true); // 0 = none
    P.setUdpChecksum(b, 0, 20, 12);
    const c = P.rd16(b, 26);
    expect(c).not.toBe(0);
    // Add c to the last payload word: the sum becomes 0xffff, so the checksum computes to 0.
    let w = P.rd16(b, 30) + c;
    w = (w & 0xffff) + (w >>> 16);
    P.wr16(b, 30, w);
    P.setUdpChecksum(b, 0, 20, 12);
    expect(P.rd16(b, 26)).toBe(0xffff);
    expect(P.udpChecksumOk(b, 0, 20, 12)).toBe(true);
  });
});

describe('incremental update (RFC 1624) equals a full recompute', () => {
  it('csumUpdate16/32 on random data and random word changes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), fc.nat(), fc.nat(0xffffffff), (data, pos, nv) => {
      const b = data.length & 1 ? data.subarray(0, data.length - 1) : data;
      const hc = refChecksum(b, 0, b.length);
      const at = (pos % ((b.length - 4) / 2 + 1)) * 2;
      const c = b.slice();
      const old32 = P.rd32(c, at);
      P.wr32(c, at, nv);
      expect(P.csumUpdate32(hc, old32, nv >>> 0)).toBe(refChecksum(c, 0, c.length));
      const d = b.slice();
      const old16 = P.rd16(d, at);
      P.wr16(d, at, nv & 0xffff);
      expect(P.csumUpdate16(hc, old16, nv & 0xffff)).toBe(refChecksum(d, 0, d.length));
    }));
  });

  it('TTL decrement (the kernel trick), TTL/TOS/id set, on random headers', () => {
    fc.assert(fc.property(arbPacket(40), fc.nat(255), fc.nat(255), fc.nat(0xffff), (p, ttl, tos, id) => {
      const b = p.buf;
      const t0 = P.ipTtl(b, p.l3);
      expect(P.decrementTtl(b, p.l3)).toBe((t0 - 1) & 0xff);
      expect(P.ipChecksum(b, p.l3)).toBe(P.ipHeaderChecksum(b, p.l3, p.hl));
      P.setIpTtl(b, p.l3, ttl);
      P.setIpTos(b, p.l3, tos);
      P.setIpId(b, p.l3, id);
      P.setIpFragWord(b, p.l3, 0x4000 | (id & 0x1fff));
      expect([P.ipTtl(b, p.l3), P.ipTos(b, p.l3), P.ipId(b, p.l3), P.ipFragOff(b, p.l3)]).toEqual([ttl, tos, id, id & 0x1fff]);
      expect(P.ipChecksum(b, p.l3)).toBe(P.ipHeaderChecksum(b, p.l3, p.hl));
      expect(P.ipHeaderChecksumOk(b, p.l3, p.hl)).toBe(true);
    }));
  });

  it('TTL decrement on every checksum value agrees with RFC 1624', () => {
    const b = new Uint8Array(20);
    let bad = 0;
    for (const ttl of [1, 2, 3, 64, 65, 128, 129, 255]) {
      for (let hc = 0; hc < 0x10000; hc++) {
        b[8] = ttl; b[9] = 6; P.wr16(b, 10, hc);
        P.decrementTtl(b, 0);
        if (P.rd16(b, 10) !== P.csumUpdate16(hc, (ttl << 8) | 6, ((ttl - 1) << 8) | 6)) bad++;
      }
    }
    expect(bad).toBe(0);
  });

  it('address and port rewrites (NAT) keep IP and L4 checksums right; UDP zero stays zero', () => {
    fc.assert(fc.property(arbPacket(), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffff), fc.nat(0xffff),
      (p, sa, da, sp, dp) => {
        const b = p.buf;
        const zero = p.proto === 17 && P.udpChecksum(b, p.l4) === 0;
        P.rewriteSaddr(b, p.l3, p.l4, sa);
        P.rewriteDaddr(b, p.l3, p.l4, da);
        P.rewriteSport(b, p.proto, p.l4, sp);
        P.rewriteDport(b, p.proto, p.l4, dp);
        expect([P.ipSaddr(b, p.l3), P.ipDaddr(b, p.l3)]).toEqual([sa, da]);
        if (p.proto !== 1) expect([P.rd16(b, p.l4), P.rd16(b, p.l4 + 2)]).toEqual([sp, dp]);
        else expect(P.icmpId(b, p.l4)).toBe(sp);
        expect(P.ipChecksum(b, p.l3)).toBe(P.ipHeaderChecksum(b, p.l3, p.hl));
        if (zero) expect(P.udpChecksum(b, p.l4)).toBe(0);
        else expect(l4Field(p)).toBe(fullL4(b, p.l3, p.l4, p.proto, p.tot, p.hl));
      }));
  });

  it('a non-first fragment (l4Off = -1) only gets its IP header rewritten', () => {
    fc.assert(fc.property(arbPacket(20), fc.nat(0xffffffff), (p, sa) => {
      const before = p.buf.slice(p.l4);
      P.rewriteSaddr(p.buf, p.l3, -1, sa);
      P.rewriteSport(p.buf, p.proto, -1, 1);
      expect(p.buf.slice(p.l4)).toEqual(before);
      expect(P.ipHeaderChecksumOk(p.buf, p.l3, p.hl)).toBe(true);
    }));
  });

  it('MSS rewrite at any option alignment (odd offsets byte-swapped)', () => {
    fc.assert(fc.property(arbPacket().filter((p) => p.proto === 6), fc.nat(0xffff), (p, mss) => {
      expect(P.setTcpMss(p.buf, p.l4, p.tcpHl, mss)).toBe(true);
      expect(P.tcpMss(p.buf, p.l4, p.tcpHl)).toBe(mss);
      expect(l4Field(p)).toBe(fullL4(p.buf, p.l3, p.l4, 6, p.tot, p.hl));
      expect(P.tcpChecksumOk(p.buf, p.l3, p.l4, p.tot - p.hl)).toBe(true);
    }));
  });

  it('UDP incremental result 0 is written as 0xffff', () => {
    // Choose the new port so that ~HC + ~m + m' = 0xffff, i.e. the true checksum is 0.
    const b = new Uint8Array(28);
    b[0] = 0x45; b[3] = 28; b[9] = 17; b[12] = 10; b[19] = 2; b[21] = 7; b[23] = 9; b[25] = 8;
    P.setUdpChecksum(b, 0, 20, 8);
    const hc = P.rd16(b, 26);
    const m = P.rd16(b, 20);
    let want = 0xffff - ((~hc & 0xffff) + (~m & 0xffff)) % 0xffff;
    want = ((want % 0xffff) + 0xffff) % 0xffff;
    P.setUdpSport(b, 20, want);
    expect(P.rd16(b, 26)).toBe(0xffff);
    expect(P.udpChecksumOk(b, 0, 20, 8)).toBe(true);
    expect(fullL4(b, 0, 20, 17, 28, 20)).toBe(0xffff);
  });

  it('csumReplace16 odd flag matches a full recompute of a straddling value', () => {
    const b = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
    P.wr16(b, 8, refChecksum(b, 0, 8));
    const old = P.rd16(b, 3);
    P.wr16(b, 3, 0xbeef);
    P.csumReplace16(b, 8, old, 0xbeef, true);
    const c = b.slice(); c[8] = 0; c[9] = 0;
    expect(P.rd16(b, 8)).toBe(refChecksum(c, 0, 8));
  });
});
