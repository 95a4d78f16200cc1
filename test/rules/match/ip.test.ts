import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv, type MatchFn } from '../../../src/rules/bind.js';
import type { Match } from '../../../src/rules/matches.js';
import { emptyRule } from '../../../src/rules/model.js';
import { isUnclean } from '../../../src/rules/match/unclean.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const env = createBindEnv(fakeHost(), new RecentTables());
const bind = (m: Match): MatchFn => bindMatch(m, emptyRule(), env);

describe('dscp, tos, ttl, length', () => {
  it('dscp compares the upper six bits', () => {
    const ctx = buildPacket({ tos: (46 << 2) | 1 });
    expect(bind({ name: 'dscp', dscp: 46, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'dscp', dscp: 10, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'dscp', dscp: 10, invert: true })(ctx)).toBe(true);
  });
  it('tos with mask', () => {
    const ctx = buildPacket({ tos: 0x12 });
    expect(bind({ name: 'tos', value: 0x10, mask: 0x3f, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'tos', value: 0x10, mask: 0x1c, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'tos', value: 0x12, mask: 0xff, invert: true })(ctx)).toBe(false);
  });
  it('ttl eq/ne/lt/gt', () => {
    const ctx = buildPacket({ ttl: 64 });
    expect(bind({ name: 'ttl', mode: 'eq', value: 64 })(ctx)).toBe(true);
    expect(bind({ name: 'ttl', mode: 'ne', value: 64 })(ctx)).toBe(false);
    expect(bind({ name: 'ttl', mode: 'lt', value: 64 })(ctx)).toBe(false);
    expect(bind({ name: 'ttl', mode: 'lt', value: 65 })(ctx)).toBe(true);
    expect(bind({ name: 'ttl', mode: 'gt', value: 63 })(ctx)).toBe(true);
  });
  it('length is the IP total length', () => {
    const ctx = buildPacket({ proto: 17, payload: 100 }); // 20 + 8 + 100
    expect(ctx.ipTotLen).toBe(128);
    expect(bind({ name: 'length', lo: 128, hi: 128, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'length', lo: 0, hi: 127, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'length', lo: 0, hi: 127, invert: true })(ctx)).toBe(true);
  });
});

describe('iprange', () => {
  it('src and dst ranges, unsigned, each "!"-able', () => {
    const ctx = buildPacket({ saddr: ip('200.1.1.5'), daddr: ip('10.0.0.200') });
    expect(bind({ name: 'iprange', src: { lo: ip('200.1.1.1'), hi: ip('200.1.1.10') } })(ctx)).toBe(true);
    expect(bind({ name: 'iprange', src: { lo: ip('200.1.1.1'), hi: ip('200.1.1.10') }, invSrc: true })(ctx)).toBe(false);
    expect(bind({ name: 'iprange', dst: { lo: ip('10.0.0.1'), hi: ip('10.0.0.100') } })(ctx)).toBe(false);
    expect(bind({ name: 'iprange', dst: { lo: ip('10.0.0.1'), hi: ip('10.0.0.100') }, invDst: true })(ctx)).toBe(true);
    expect(bind({
      name: 'iprange', src: { lo: ip('200.0.0.0'), hi: ip('200.255.255.255') }, dst: { lo: ip('10.0.0.1'), hi: ip('10.0.0.100') },
    })(ctx)).toBe(false);
  });
});

describe('ecn', () => {
  it('IP ECT codepoint', () => {
    const ctx = buildPacket({ tos: 0x02 });
    expect(bind({ name: 'ecn', ect: 2 })(ctx)).toBe(true);
    expect(bind({ name: 'ecn', ect: 1 })(ctx)).toBe(false);
    expect(bind({ name: 'ecn', ect: 1, invEct: true })(ctx)).toBe(true);
  });
  it('TCP ECE and CWR bits, false on fragments', () => {
    const ctx = buildPacket({ tcpFlags: 0x10 | 0x40 });
    expect(bind({ name: 'ecn', ece: true })(ctx)).toBe(true);
    expect(bind({ name: 'ecn', ece: true, invEce: true })(ctx)).toBe(false);
    expect(bind({ name: 'ecn', cwr: true })(ctx)).toBe(false);
    expect(bind({ name: 'ecn', cwr: true, invCwr: true })(ctx)).toBe(true);
    expect(bind({ name: 'ecn', cwr: true, invCwr: true })(buildPacket({ fragOff: 5 }))).toBe(false);
  });
});

describe('unclean (rawgate definition)', () => {
  it('clean packets', () => {
    expect(isUnclean(buildPacket({ tcpFlags: 0x02 }))).toBe(false);
    expect(isUnclean(buildPacket({ tcpFlags: 0x11 }))).toBe(false);
    expect(isUnclean(buildPacket({ proto: 17, payload: 10 }))).toBe(false);
    expect(isUnclean(buildPacket({ proto: 1 }))).toBe(false);
    expect(isUnclean(buildPacket({ ipOptions: [1, 1, 7, 7, 4, 0, 0, 0, 0, 0, 0] }))).toBe(false); // NOPs + record route
    expect(bind({ name: 'unclean' })(buildPacket())).toBe(false);
  });
  it('bad TCP flag combinations and ports', () => {
    for (const f of [0x00, 0x03, 0x06, 0x05, 0x01, 0x20 | 0x08 | 0x01]) expect(isUnclean(buildPacket({ tcpFlags: f }))).toBe(true);
    expect(isUnclean(buildPacket({ dport: 0 }))).toBe(true);
    expect(isUnclean(buildPacket({ sport: 0 }))).toBe(true);
    expect(bind({ name: 'unclean' })(buildPacket({ tcpFlags: 0x03 }))).toBe(true);
  });
  it('UDP destination port 0 and bad UDP length', () => {
    expect(isUnclean(buildPacket({ proto: 17, dport: 0 }))).toBe(true);
    const ctx = buildPacket({ proto: 17, payload: 4 });
    ctx.buf[ctx.l4Off + 5] = 200; // UDP length past the payload
    expect(isUnclean(ctx)).toBe(true);
  });
  it('IP header oddities', () => {
    expect(isUnclean(buildPacket({ ipOptions: [7, 1, 0, 0] }))).toBe(true); // option length < 2
    expect(isUnclean(buildPacket({ ipOptions: [7, 9, 4, 0] }))).toBe(true); // runs past the header
    expect(isUnclean(buildPacket({ proto: 17, mf: true, payload: 3 }))).toBe(true); // non-last fragment, payload not 8n
    expect(isUnclean(buildPacket({ proto: 17, fragOff: 8190, payload: 100 }))).toBe(true); // past 65535
  });
});
