import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv, type MatchFn } from '../../../src/rules/bind.js';
import type { Match } from '../../../src/rules/matches.js';
import type { TcpMatch } from '../../../src/iptables/ext/tcp.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, mssOpt } from '../packet-builder.js';

const env = createBindEnv(fakeHost(), new RecentTables());
const bind = (m: Match): MatchFn => bindMatch(m, emptyRule(), env);
const ANY = { lo: 0, hi: 65535 };
const tcp = (p: Partial<TcpMatch>): TcpMatch => ({
  name: 'tcp', sport: ANY, invSport: false, dport: ANY, invDport: false,
  flagsMask: 0, flagsCmp: 0, invFlags: false, option: 0, invOption: false, ...p,
});

describe('tcp', () => {
  it('port ranges with "!"', () => {
    const ctx = buildPacket({ sport: 1025, dport: 22 });
    expect(bind(tcp({ dport: { lo: 22, hi: 22 } }))(ctx)).toBe(true);
    expect(bind(tcp({ dport: { lo: 22, hi: 22 }, invDport: true }))(ctx)).toBe(false);
    expect(bind(tcp({ sport: { lo: 1024, hi: 65535 } }))(ctx)).toBe(true);
    expect(bind(tcp({ sport: { lo: 0, hi: 1023 } }))(ctx)).toBe(false);
    expect(bind(tcp({ sport: { lo: 0, hi: 1023 }, invSport: true }))(ctx)).toBe(true);
  });

  it('--tcp-flags and --syn', () => {
    const syn = tcp({ flagsMask: 0x17, flagsCmp: 0x02 });
    expect(bind(syn)(buildPacket({ tcpFlags: 0x02 }))).toBe(true);
    expect(bind(syn)(buildPacket({ tcpFlags: 0x12 }))).toBe(false);
    expect(bind(syn)(buildPacket({ tcpFlags: 0x02 | 0x08 }))).toBe(true); // PSH outside the mask
    expect(bind({ ...syn, invFlags: true })(buildPacket({ tcpFlags: 0x12 }))).toBe(true);
    // ALL NONE: the NULL scan
    expect(bind(tcp({ flagsMask: 0xff, flagsCmp: 0 }))(buildPacket({ tcpFlags: 0 }))).toBe(true);
  });

  it('--tcp-option walks the real option bytes', () => {
    // NOP NOP timestamp(8, len 10) then SACK-permitted(4, len 2), MSS first.
    const opts = [...mssOpt(1460), 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 4, 2];
    const ctx = buildPacket({ tcpOptions: opts });
    expect(bind(tcp({ option: 2 }))(ctx)).toBe(true);
    expect(bind(tcp({ option: 8 }))(ctx)).toBe(true);
    expect(bind(tcp({ option: 4 }))(ctx)).toBe(true);
    expect(bind(tcp({ option: 3 }))(ctx)).toBe(false);
    expect(bind(tcp({ option: 3, invOption: true }))(ctx)).toBe(true);
    expect(bind(tcp({ option: 8, invOption: true }))(ctx)).toBe(false);
    // A kind hidden inside another option's data is not found.
    const hidden = buildPacket({ tcpOptions: [8, 10, 3, 3, 3, 3, 3, 3, 3, 3] });
    expect(bind(tcp({ option: 3 }))(hidden)).toBe(false);
    // No options at all.
    expect(bind(tcp({ option: 2 }))(buildPacket())).toBe(false);
  });

  it('never matches a non-first fragment, even inverted', () => {
    const frag = buildPacket({ fragOff: 100 });
    expect(bind(tcp({}))(frag)).toBe(false);
    expect(bind(tcp({ dport: { lo: 1, hi: 1 }, invDport: true }))(frag)).toBe(false);
  });
});

describe('udp, icmp, ah/esp', () => {
  it('udp ports', () => {
    const ctx = buildPacket({ proto: 17, sport: 53, dport: 5353 });
    expect(bind({ name: 'udp', sport: { lo: 53, hi: 53 }, invSport: false, dport: ANY, invDport: false })(ctx)).toBe(true);
    expect(bind({ name: 'udp', sport: ANY, invSport: false, dport: { lo: 53, hi: 53 }, invDport: false })(ctx)).toBe(false);
    expect(bind({ name: 'udp', sport: ANY, invSport: false, dport: { lo: 53, hi: 53 }, invDport: true })(ctx)).toBe(true);
    expect(bind({ name: 'udp', sport: ANY, invSport: false, dport: ANY, invDport: false })(buildPacket({ proto: 17, fragOff: 3 }))).toBe(false);
  });

  it('icmp type/code ranges, 255 = any, "!"', () => {
    const echo = buildPacket({ proto: 1, icmpType: 8 });
    const unreach = buildPacket({ proto: 1, icmpType: 3, icmpCode: 3 });
    const m = (type: number, codeLo = 0, codeHi = 255, invert = false): Match => ({ name: 'icmp', type, codeLo, codeHi, invert });
    expect(bind(m(8))(echo)).toBe(true);
    expect(bind(m(8))(unreach)).toBe(false);
    expect(bind(m(3, 3, 3))(unreach)).toBe(true);
    expect(bind(m(3, 1, 1))(unreach)).toBe(false);
    expect(bind(m(8, 0, 255, true))(unreach)).toBe(true);
    expect(bind(m(255))(unreach)).toBe(true);
    expect(bind(m(255, 0, 255, true))(unreach)).toBe(false);
    expect(bind(m(255))(buildPacket({ proto: 1, fragOff: 2 }))).toBe(false);
  });

  it('ah/esp spi ranges (unsigned)', () => {
    const ctx = buildPacket({ proto: 50 });
    ctx.l4Off = ctx.l3Off + 20; ctx.spi = 0xfffffff0;
    expect(bind({ name: 'esp', spiLo: 0xffffff00, spiHi: 0xffffffff, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'esp', spiLo: 1, spiHi: 100, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'ah', spiLo: 1, spiHi: 100, invert: true })(ctx)).toBe(true);
    ctx.l4Off = -1;
    expect(bind({ name: 'ah', spiLo: 1, spiHi: 100, invert: true })(ctx)).toBe(false);
  });
});

describe('multiport', () => {
  const ports = [{ lo: 22, hi: 22 }, { lo: 80, hi: 80 }, { lo: 6000, hi: 6010 }];
  it('src / dst / any with ranges and "!"', () => {
    const ctx = buildPacket({ sport: 6005, dport: 443 });
    expect(bind({ name: 'multiport', which: 'src', ports, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'multiport', which: 'dst', ports, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'multiport', which: 'any', ports, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'multiport', which: 'dst', ports, invert: true })(ctx)).toBe(true);
    expect(bind({ name: 'multiport', which: 'src', ports, invert: true })(ctx)).toBe(false);
  });
  it('false on fragments even inverted', () => {
    expect(bind({ name: 'multiport', which: 'dst', ports, invert: true })(buildPacket({ fragOff: 8 }))).toBe(false);
  });
});

describe('tcpmss', () => {
  it('reads the MSS option from the bytes', () => {
    const ctx = buildPacket({ tcpOptions: [1, 1, ...mssOpt(1400)] });
    expect(bind({ name: 'tcpmss', lo: 1400, hi: 1400, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'tcpmss', lo: 1000, hi: 1399, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'tcpmss', lo: 1000, hi: 1399, invert: true })(ctx)).toBe(true);
  });
  it('no MSS option: matches only inverted', () => {
    const ctx = buildPacket({ tcpOptions: [4, 2] });
    expect(bind({ name: 'tcpmss', lo: 0, hi: 65535, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'tcpmss', lo: 0, hi: 65535, invert: true })(ctx)).toBe(true);
  });
});

describe('ipcomp', () => {
  const comp = (cpi: number) => {
    const ctx = buildPacket({ proto: 108, payload: 8 });
    ctx.l4Off = ctx.l3Off + ctx.ipHdrLen;
    ctx.l4Len = 8;
    ctx.buf[ctx.l4Off + 2] = cpi >>> 8;
    ctx.buf[ctx.l4Off + 3] = cpi & 0xff;
    return ctx;
  };
  it('compares the 16-bit CPI with the range', () => {
    expect(bind({ name: 'ipcomp', lo: 18, hi: 18, invert: false, hdrres: false })(comp(18))).toBe(true);
    expect(bind({ name: 'ipcomp', lo: 18, hi: 18, invert: true, hdrres: false })(comp(18))).toBe(false);
    expect(bind({ name: 'ipcomp', lo: 0x100, hi: 0x200, invert: false, hdrres: false })(comp(0x1ff))).toBe(true);
    expect(bind({ name: 'ipcomp', lo: 18, hi: 18, invert: true, hdrres: false })(comp(19))).toBe(true);
  });
  it('never matches a non-first fragment', () => {
    const ctx = buildPacket({ proto: 108, fragOff: 10, payload: 8 });
    expect(bind({ name: 'ipcomp', lo: 0, hi: 0xffffffff, invert: true, hdrres: false })(ctx)).toBe(false);
  });
});

/** A packet of transport `proto` whose L4 bytes are `l4`. */
function l4Packet(proto: number, l4: number[]) {
  const ctx = buildPacket({ proto: 17, payload: l4.length - 8 });
  ctx.buf[ctx.l3Off + 9] = proto;
  ctx.proto = proto;
  ctx.buf.set(l4, ctx.l4Off);
  return ctx;
}

describe('dccp', () => {
  // sport 1000, dport 80, doff 5 (20 bytes), type REQUEST (0), x=1; service code; option 32 (len 2), then padding.
  const req = [0x03, 0xe8, 0, 80, 5, 0, 0, 0, (0 << 1) | 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 2, 0, 0];
  req[4] = 6; // 24 bytes: 16 basic + 4 request + 4 options
  it('ports, types and options', () => {
    const p = l4Packet(33, req);
    expect(bind({ name: 'dccp', sport: { lo: 1000, hi: 1000 }, dport: { lo: 80, hi: 80 } })(p)).toBe(true);
    expect(bind({ name: 'dccp', dport: { lo: 80, hi: 80 }, invDport: true })(p)).toBe(false);
    expect(bind({ name: 'dccp', types: 1 << 0 })(p)).toBe(true);
    expect(bind({ name: 'dccp', types: 1 << 2, invTypes: true })(p)).toBe(true);
    expect(bind({ name: 'dccp', option: 32 })(p)).toBe(true);
    expect(bind({ name: 'dccp', option: 33 })(p)).toBe(false);
    expect(bind({ name: 'dccp', option: 33, invOption: true })(p)).toBe(true);
  });
});

describe('sctp', () => {
  const hdr = [0x13, 0x88, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0];
  const chunk = (type: number, flags: number, len: number) => [type, flags, 0, len, ...Array<number>(((len + 3) & ~3) - 4).fill(0)];
  const base: Extract<Match, { name: 'sctp' }> = { name: 'sctp', chunkMatch: 'any', chunks: [], flags: [], chunksGiven: true };
  const p = () => l4Packet(132, [...hdr, ...chunk(0, 0x03, 17), ...chunk(3, 0, 16)]); // DATA (B,E) + SACK
  it('ports', () => {
    expect(bind({ ...base, chunksGiven: false, sport: { lo: 5000, hi: 5000 } })(p())).toBe(true);
    expect(bind({ ...base, chunksGiven: false, dport: { lo: 81, hi: 90 } })(p())).toBe(false);
  });
  it('any / all / only, chunk flags, "!"', () => {
    expect(bind({ ...base, chunks: [3] })(p())).toBe(true);
    expect(bind({ ...base, chunks: [1] })(p())).toBe(false);
    expect(bind({ ...base, chunkMatch: 'all', chunks: [0, 3] })(p())).toBe(true);
    expect(bind({ ...base, chunkMatch: 'all', chunks: [0, 1, 3] })(p())).toBe(false);
    expect(bind({ ...base, chunkMatch: 'only', chunks: [0, 3] })(p())).toBe(true);
    expect(bind({ ...base, chunkMatch: 'only', chunks: [0] })(p())).toBe(false);
    expect(bind({ ...base, chunkMatch: 'only', chunks: [0], invChunks: true })(p())).toBe(true);
    // DATA:B (flag 0x02 set) matches, DATA:b (unset) does not.
    expect(bind({ ...base, chunks: [0], flags: [{ chunktype: 0, flag: 2, mask: 2 }] })(p())).toBe(true);
    expect(bind({ ...base, chunks: [0], flags: [{ chunktype: 0, flag: 0, mask: 2 }] })(p())).toBe(false);
  });
});
