import { describe, expect, it } from 'vitest';
import { BindError, bindMatch, bindTarget, createBindEnv, type MatchFn } from '../../../src/rules/bind.js';
import type { Match } from '../../../src/rules/matches.js';
import type { Target } from '../../../src/rules/targets.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { Verdict } from '../../../src/rules/verdict.js';
import { parseU32 } from '../../../src/iptables/ext/u32.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip, l4ChecksumOk, mssOpt } from '../packet-builder.js';

const env = createBindEnv(fakeHost(), new RecentTables());
const bind = (m: Match): MatchFn => bindMatch(m, emptyRule(), env);
const bindT = (t: Target) => bindTarget(t, emptyRule(), env, 'mangle', 'FORWARD');
const u32 = (text: string, invert = false): MatchFn => bind({ name: 'u32', tests: parseU32(text), invert });

describe('u32', () => {
  it('reads big-endian words of the IP packet', () => {
    const ctx = buildPacket({ proto: 6, saddr: ip('192.168.1.7'), ttl: 64 });
    expect(u32('0>>28=4')(ctx)).toBe(true);
    expect(u32('0>>28=6')(ctx)).toBe(false);
    expect(u32('0>>28=6', true)(ctx)).toBe(true);
    expect(u32('12=0xc0a80107')(ctx)).toBe(true);
    expect(u32('6&0xFF=1,6,17')(ctx)).toBe(true);
    expect(u32('8>>24=60:70')(ctx)).toBe(true);
    expect(u32('8>>24=0x40&&9&0xff=7')(ctx)).toBe(false);
  });
  it('@ moves to the transport header (the man page example)', () => {
    const ctx = buildPacket({ proto: 6, dport: 443, sport: 1234 });
    // TCP destination port via the header length.
    expect(u32('6&0xFF=6 && 0>>22&0x3C@0&0xFFFF=443')(ctx)).toBe(true);
    expect(u32('0>>22&0x3C@0>>16=1234')(ctx)).toBe(true);
    expect(u32('0>>22&0x3C@0&0xFFFF=80')(ctx)).toBe(false);
  });
  it('a location past the end does not match (inverted: matches)', () => {
    const ctx = buildPacket({ proto: 6 });
    expect(u32(`${ctx.ipTotLen - 4}=0:0xffffffff`)(ctx)).toBe(true);
    expect(u32(`${ctx.ipTotLen - 3}=0:0xffffffff`)(ctx)).toBe(false);
    expect(u32(`${ctx.ipTotLen - 3}=0:0xffffffff`, true)(ctx)).toBe(true);
    expect(u32('0>>22&0x3C@1000=0:0xffffffff')(ctx)).toBe(false);
  });
  it('shifts use the count mod 32', () => {
    const ctx = buildPacket();
    expect(u32('0>>32=0x45000000:0x45ffffff')(ctx)).toBe(true);
  });
});

describe('cpu, realm, policy, physdev', () => {
  const ctx = buildPacket();
  it('cpu: rawgate is CPU 0', () => {
    expect(bind({ name: 'cpu', cpu: 0, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'cpu', cpu: 1, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'cpu', cpu: 1, invert: true })(ctx)).toBe(true);
  });
  it('realm: every route realm is 0', () => {
    expect(bind({ name: 'realm', id: 0, mask: 0xffffffff, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'realm', id: 1, mask: 0x2a, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'realm', id: 0x2a, mask: 0xffffffff, invert: true })(ctx)).toBe(true);
  });
  it('policy: no IPsec, so only --pol none matches', () => {
    expect(bind({ name: 'policy', dir: 'in', none: true, strict: false, elems: [] })(ctx)).toBe(true);
    expect(bind({ name: 'policy', dir: 'in', none: false, strict: false, elems: [{}] })(ctx)).toBe(false);
    expect(bind({ name: 'policy', dir: 'out', none: false, strict: true, elems: [{ reqid: 1, invReqid: true }] })(ctx)).toBe(false);
  });
  it('physdev: not bridged, so only fully inverted tests match', () => {
    expect(bind({ name: 'physdev', bitmask: 1, invert: 0, physIn: 'lo', physOut: '' })(ctx)).toBe(false);
    expect(bind({ name: 'physdev', bitmask: 1 | 8, invert: 1, physIn: 'lo', physOut: '' })(ctx)).toBe(false);
    expect(bind({ name: 'physdev', bitmask: 1 | 8, invert: 1 | 8, physIn: 'lo', physOut: '' })(ctx)).toBe(true);
    expect(bind({ name: 'physdev', bitmask: 4, invert: 4, physIn: '', physOut: '' })(ctx)).toBe(true);
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

describe('TCPOPTSTRIP', () => {
  const opts = [...mssOpt(1460), 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1];
  it('overwrites the listed options with NOPs and keeps the checksum valid', () => {
    const ctx = buildPacket({ proto: 6, tcpOptions: opts, payload: 5 });
    const th = ctx.l4Off;
    expect(l4ChecksumOk(ctx)).toBe(true);
    expect(bindT({ kind: 'TCPOPTSTRIP', options: [3, 8] })(ctx)).toBe(Verdict.CONTINUE);
    expect([...ctx.buf.subarray(th + 20, th + 20 + opts.length)]).toEqual([
      ...mssOpt(1460), 1, 1, 1, 1, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(l4ChecksumOk(ctx)).toBe(true);
    bindT({ kind: 'TCPOPTSTRIP', options: [2, 4] })(ctx);
    expect([...ctx.buf.subarray(th + 20, th + 20 + opts.length)].every((b) => b === 1)).toBe(true);
    expect(l4ChecksumOk(ctx)).toBe(true);
  });
  it('leaves packets without the options unchanged', () => {
    const ctx = buildPacket({ proto: 6, tcpOptions: mssOpt(1400) });
    const before = [...ctx.buf];
    bindT({ kind: 'TCPOPTSTRIP', options: [5, 19] })(ctx);
    expect([...ctx.buf]).toEqual(before);
  });
  it('continues on fragments, drops a bad header length', () => {
    expect(bindT({ kind: 'TCPOPTSTRIP', options: [2] })(buildPacket({ fragOff: 3, payload: 16 }))).toBe(Verdict.CONTINUE);
    const ctx = buildPacket({ proto: 6 });
    ctx.tcpHdrLen = 16;
    expect(bindT({ kind: 'TCPOPTSTRIP', options: [2] })(ctx)).toBe(Verdict.DROP);
  });
});

describe('LED and refused extensions', () => {
  it('LED only continues', () => {
    expect(bindT({ kind: 'LED', id: 'foo', delay: 0, alwaysBlink: false })(buildPacket())).toBe(Verdict.CONTINUE);
  });
  it('TEE, rpfilter, socket, osf, nfacct, IDLETIMER refuse to bind', () => {
    const ms: Match[] = [
      { name: 'rpfilter', flags: 0 },
      { name: 'socket', transparent: false, nowildcard: false, restoreSkmark: false },
      { name: 'osf', genre: 'linux', invert: false },
      { name: 'nfacct', acctName: 'x' },
    ];
    for (const m of ms) expect(() => bind(m)).toThrow(new RegExp(`^match '${m.name}': ${m.name} cannot be evaluated`));
    expect(() => bindT({ kind: 'TEE', gateway: 1, oif: '' })).toThrow(BindError);
    expect(() => bindT({ kind: 'IDLETIMER', timeout: 1, label: 'a', alarm: false })).toThrow(/IDLETIMER cannot be evaluated/);
  });
});
