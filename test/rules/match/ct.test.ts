import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv, type MatchFn } from '../../../src/rules/bind.js';
import { CtState, CtStatus } from '../../../src/rules/ctstate.js';
import type { CtView } from '../../../src/rules/host.js';
import type { Match } from '../../../src/rules/matches.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const withCt = (ct: Partial<CtView>, m: Match): MatchFn => bindMatch(m, emptyRule(), createBindEnv(fakeHost({ ct }), new RecentTables()));
const entry: Partial<CtView> = {
  has: () => true, proto: () => 6, origSrc: () => ip('10.0.0.1'), origDst: () => ip('10.0.1.2'),
  replSrc: () => ip('10.0.1.2'), replDst: () => ip('192.0.2.1'), origSrcPort: () => 40000, origDstPort: () => 80,
  replSrcPort: () => 80, replDstPort: () => 1024, status: () => CtStatus.ASSURED | CtStatus.SEEN_REPLY, expires: () => 300,
  helper: () => 'ftp', mark: () => 0x42,
};

describe('state / conntrack', () => {
  it('ctState 0 (not looked up) never matches, inverted or not', () => {
    const ctx = buildPacket();
    expect(ctx.ctState).toBe(0);
    expect(withCt(entry, { name: 'state', state: CtState.NEW })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'state', state: CtState.NEW, invState: true })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'conntrack', proto: 6 })(ctx)).toBe(false);
  });

  it('state bits with "!"', () => {
    const ctx = buildPacket();
    ctx.ctState = CtState.ESTABLISHED;
    expect(withCt(entry, { name: 'state', state: CtState.ESTABLISHED | CtState.RELATED })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'state', state: CtState.NEW })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'state', state: CtState.NEW, invState: true })(ctx)).toBe(true);
  });

  it('INVALID without an entry: --ctstate INVALID matches, other tests do not', () => {
    const ctx = buildPacket();
    ctx.ctState = CtState.INVALID;
    expect(withCt({}, { name: 'conntrack', state: CtState.INVALID })(ctx)).toBe(true);
    expect(withCt({}, { name: 'conntrack', state: CtState.NEW, invState: true })(ctx)).toBe(true);
    expect(withCt({}, { name: 'conntrack', proto: 6, invProto: true })(ctx)).toBe(false);
  });

  it('SNAT/DNAT state bits, tuple, status, expire, direction', () => {
    const ctx = buildPacket();
    ctx.ctState = CtState.ESTABLISHED | CtState.DNAT;
    ctx.ctDir = 1;
    expect(withCt(entry, { name: 'conntrack', state: CtState.DNAT })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'conntrack', state: CtState.SNAT })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'conntrack', origSrc: { addr: ip('10.0.0.0'), mask: ip('255.255.255.0') } })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'conntrack', origSrc: { addr: ip('10.0.0.0'), mask: ip('255.255.255.0') }, invOrigSrc: true })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'conntrack', replDst: { addr: ip('192.0.2.1'), mask: 0xffffffff } })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'conntrack', origDstPort: { lo: 80, hi: 80 } })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'conntrack', replDstPort: { lo: 80, hi: 80 } })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'conntrack', status: CtStatus.ASSURED })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'conntrack', status: CtStatus.EXPECTED })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'conntrack', expire: { lo: 100, hi: 400 } })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'conntrack', expire: { lo: 100, hi: 400 }, invExpire: true })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'conntrack', dir: 'REPLY' })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'conntrack', dir: 'ORIGINAL' })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'conntrack', proto: 17 })(ctx)).toBe(false);
  });
});

describe('helper / connmark', () => {
  it('helper of the master connection, prefix compare, "" = any', () => {
    const ctx = buildPacket();
    expect(withCt(entry, { name: 'helper', helper: 'ftp', invert: false })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'helper', helper: 'ftp-2121', invert: false })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'helper', helper: 'irc', invert: false })(ctx)).toBe(false);
    expect(withCt(entry, { name: 'helper', helper: '', invert: false })(ctx)).toBe(true);
    expect(withCt({}, { name: 'helper', helper: 'ftp', invert: false })(ctx)).toBe(false);
    expect(withCt({}, { name: 'helper', helper: 'ftp', invert: true })(ctx)).toBe(true);
  });
  it('connmark: ct mark & mask, no entry never matches', () => {
    const ctx = buildPacket();
    expect(withCt(entry, { name: 'connmark', mark: 0x2, mask: 0xf, invert: false })(ctx)).toBe(true);
    expect(withCt(entry, { name: 'connmark', mark: 0x42, mask: 0xff, invert: true })(ctx)).toBe(false);
    expect(withCt({}, { name: 'connmark', mark: 0, mask: 0, invert: true })(ctx)).toBe(false);
  });
});
