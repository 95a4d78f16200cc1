import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv, type MatchFn } from '../../../src/rules/bind.js';
import { AddrType, PktType } from '../../../src/rules/ctstate.js';
import type { Match } from '../../../src/rules/matches.js';
import type { AddrtypeMatch } from '../../../src/iptables/ext/addrtype.js';
import { emptyRule } from '../../../src/rules/model.js';
import { staticAddrType } from '../../../src/rules/match/meta.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost, type FakeHostOptions } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const bindWith = (opts: FakeHostOptions, m: Match): MatchFn => bindMatch(m, emptyRule(), createBindEnv(fakeHost(opts), new RecentTables()));
const bind = (m: Match): MatchFn => bindWith({}, m);

describe('mark', () => {
  it('(mark & mask) == value, "!"', () => {
    const ctx = buildPacket();
    ctx.mark = 0x1234;
    expect(bind({ name: 'mark', mark: 0x34, mask: 0xff, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'mark', mark: 0x1234, mask: 0xffffffff, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'mark', mark: 0x1, mask: 0xffffffff, invert: true })(ctx)).toBe(true);
    ctx.mark = 0xffffffff;
    expect(bind({ name: 'mark', mark: 0xffffffff, mask: 0xffffffff, invert: false })(ctx)).toBe(true);
  });
});

describe('mac', () => {
  const src = [0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc];
  it('reads the source MAC from the frame', () => {
    const ctx = buildPacket({ eth: { src }, lead: 3 });
    expect(bind({ name: 'mac', mac: '001122aabbcc', invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'mac', mac: '001122aabbcd', invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'mac', mac: '001122aabbcd', invert: true })(ctx)).toBe(true);
  });
  it('never matches without an Ethernet header', () => {
    const ctx = buildPacket({ eth: null });
    expect(bind({ name: 'mac', mac: '001122aabbcc', invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'mac', mac: '001122aabbcc', invert: true })(ctx)).toBe(false);
  });
});

describe('pkttype', () => {
  it('compares ctx.pktType', () => {
    const ctx = buildPacket();
    ctx.pktType = PktType.BROADCAST;
    expect(bind({ name: 'pkttype', type: PktType.BROADCAST, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'pkttype', type: PktType.HOST, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'pkttype', type: PktType.HOST, invert: true })(ctx)).toBe(true);
  });
});

describe('owner', () => {
  it('local packets with a sender: uid/gid ranges', () => {
    const ctx = buildPacket();
    ctx.local = true; ctx.uid = 1000; ctx.gid = 100;
    expect(bind({ name: 'owner', uid: { lo: 1000, hi: 1000 } })(ctx)).toBe(true);
    expect(bind({ name: 'owner', uid: { lo: 0, hi: 0 } })(ctx)).toBe(false);
    expect(bind({ name: 'owner', uid: { lo: 0, hi: 0 }, invUid: true })(ctx)).toBe(true);
    expect(bind({ name: 'owner', gid: { lo: 100, hi: 200 } })(ctx)).toBe(true);
    expect(bind({ name: 'owner', uid: { lo: 1000, hi: 1000 }, gid: { lo: 0, hi: 0 } })(ctx)).toBe(false);
    expect(bind({ name: 'owner', socketExists: true })(ctx)).toBe(true);
    expect(bind({ name: 'owner', socketExists: true, invSocketExists: true })(ctx)).toBe(false);
  });
  it('forwarded packets: only all-negated tests match (xt_owner)', () => {
    const ctx = buildPacket();
    ctx.local = false;
    expect(bind({ name: 'owner', uid: { lo: 0, hi: 65535 } })(ctx)).toBe(false);
    expect(bind({ name: 'owner', uid: { lo: 0, hi: 0 }, invUid: true })(ctx)).toBe(true);
    expect(bind({ name: 'owner', uid: { lo: 0, hi: 0 }, invUid: true, gid: { lo: 0, hi: 0 } })(ctx)).toBe(false);
    expect(bind({ name: 'owner', socketExists: true })(ctx)).toBe(false);
    expect(bind({ name: 'owner', socketExists: true, invSocketExists: true })(ctx)).toBe(true);
    // Router-generated (local, but no sender uid): no socket either.
    ctx.local = true; ctx.uid = -1;
    expect(bind({ name: 'owner', uid: { lo: 0, hi: 65535 } })(ctx)).toBe(false);
  });
});

describe('addrtype', () => {
  const m = (p: Partial<AddrtypeMatch>): AddrtypeMatch => ({ name: 'addrtype', src: 0, invSrc: false, dst: 0, invDst: false, limitIfaceIn: false, limitIfaceOut: false, ...p });
  it('uses the bits the pipeline filled', () => {
    const ctx = buildPacket();
    ctx.srcAddrType = AddrType.UNICAST; ctx.dstAddrType = AddrType.LOCAL;
    expect(bind(m({ dst: AddrType.LOCAL }))(ctx)).toBe(true);
    expect(bind(m({ dst: AddrType.LOCAL, invDst: true }))(ctx)).toBe(false);
    expect(bind(m({ src: AddrType.LOCAL | AddrType.BROADCAST }))(ctx)).toBe(false);
    expect(bind(m({ src: AddrType.LOCAL, invSrc: true, dst: AddrType.LOCAL }))(ctx)).toBe(true);
  });
  it('falls back to the host, then to the address value', () => {
    const ctx = buildPacket({ daddr: ip('255.255.255.255'), saddr: ip('10.1.1.1') });
    expect(bind(m({ dst: AddrType.BROADCAST }))(ctx)).toBe(true);
    expect(bind(m({ src: AddrType.UNICAST }))(ctx)).toBe(true);
    expect(staticAddrType(ip('224.0.0.1'))).toBe(AddrType.MULTICAST);
    expect(staticAddrType(ip('0.0.0.0'))).toBe(AddrType.BROADCAST);
    const seen: Array<[number, number]> = [];
    const addrType = (a: number, i: number): number => { seen.push([a, i]); return a === ip('10.1.1.1') ? AddrType.LOCAL : AddrType.UNICAST; };
    expect(bindWith({ addrType }, m({ src: AddrType.LOCAL }))(ctx)).toBe(true);
    ctx.inIf = 2;
    expect(bindWith({ addrType }, m({ src: AddrType.LOCAL, limitIfaceIn: true }))(ctx)).toBe(true);
    expect(seen).toEqual([[ip('10.1.1.1'), -1], [ip('10.1.1.1'), 2]]);
  });
});

describe('comment', () => {
  it('always matches', () => {
    expect(bind({ name: 'comment', comment: 'x' })(buildPacket())).toBe(true);
  });
});
