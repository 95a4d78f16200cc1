import { describe, expect, it } from 'vitest';
import { bindTarget, createBindEnv, type TargetFn } from '../../../src/rules/bind.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import type { Target } from '../../../src/rules/targets.js';
import { Verdict } from '../../../src/rules/verdict.js';
import { csumReplace16 } from '../../../src/rules/target/csum.js';
import { fakeHost, type FakeHostOptions } from '../fake-host.js';
import { buildPacket, checksum, ipChecksumOk, l4ChecksumOk, mssOpt } from '../packet-builder.js';

const bindWith = (opts: FakeHostOptions, t: Target): TargetFn => bindTarget(t, emptyRule(), createBindEnv(fakeHost(opts), new RecentTables()), 'mangle', 'FORWARD');
const bind = (t: Target): TargetFn => bindWith({}, t);
const mssOf = (ctx: ReturnType<typeof buildPacket>, at: number): number => (ctx.buf[at]! << 8) | ctx.buf[at + 1]!;

describe('incremental checksum (RFC 1624)', () => {
  it('equals a full recomputation for random edits, aligned and odd', () => {
    let seed = 7;
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    for (let k = 0; k < 500; k++) {
      const b = new Uint8Array(40);
      for (let i = 0; i < 40; i++) b[i] = rnd() & 0xff;
      b[10] = 0; b[11] = 0;
      const c = checksum(b, 0, 40);
      b[10] = c >>> 8; b[11] = c & 0xff;
      const at = 12 + (rnd() % 26);
      const oldv = (b[at]! << 8) | b[at + 1]!, newv = rnd() & 0xffff;
      b[at] = newv >>> 8; b[at + 1] = newv & 0xff;
      csumReplace16(b, 10, oldv, newv, (at & 1) !== 0);
      expect(checksum(b, 0, 40)).toBe(0);
    }
  });
});

describe('MARK', () => {
  it('(mark & ~mask) ^ value for every stored form', () => {
    const ctx = buildPacket();
    ctx.mark = 0xff00;
    expect(bind({ kind: 'MARK', value: 0x1, mask: 0xffffffff, form: 'set' })(ctx)).toBe(Verdict.CONTINUE);
    expect(ctx.mark).toBe(1);
    ctx.mark = 0xff00;
    bind({ kind: 'MARK', value: 0x5, mask: 0x0f, form: 'xset' })(ctx);
    expect(ctx.mark).toBe(0xff05);
    ctx.mark = 0xff0f;
    bind({ kind: 'MARK', value: 0, mask: ~0xf0 >>> 0, form: 'and' })(ctx); // --and-mark 0xf0
    expect(ctx.mark).toBe(0);
    ctx.mark = 0x80000000;
    bind({ kind: 'MARK', value: 0x1, mask: 0x1, form: 'or' })(ctx);
    expect(ctx.mark).toBe(0x80000001);
    bind({ kind: 'MARK', value: 0x80000000, mask: 0, form: 'xor' })(ctx);
    expect(ctx.mark).toBe(1);
  });
});

describe('TOS / DSCP / ECN / TTL rewrite bytes and keep the IP checksum valid', () => {
  it('TOS', () => {
    const ctx = buildPacket({ tos: 0x03 });
    bind({ kind: 'TOS', value: 0x10, mask: 0x3f, form: 'symbolic' })(ctx);
    expect(ctx.tos).toBe(0x10);
    expect(ctx.buf[ctx.l3Off + 1]).toBe(0x10);
    expect(ipChecksumOk(ctx)).toBe(true);
    expect(l4ChecksumOk(ctx)).toBe(true);
    bind({ kind: 'TOS', value: 0x01, mask: 0, form: 'xor' })(ctx);
    expect(ctx.tos).toBe(0x11);
    expect(ipChecksumOk(ctx)).toBe(true);
  });
  it('DSCP keeps the ECN bits', () => {
    const ctx = buildPacket({ tos: 0x02 });
    bind({ kind: 'DSCP', dscp: 46 })(ctx);
    expect(ctx.tos).toBe((46 << 2) | 2);
    expect(ctx.buf[ctx.l3Off + 1]).toBe(ctx.tos);
    expect(ipChecksumOk(ctx)).toBe(true);
  });
  it('ECN: IP ECT and TCP ECE/CWR removal (TCP checksum fixed)', () => {
    const ctx = buildPacket({ tos: 0x00, tcpFlags: 0x02 | 0x40 | 0x80, payload: 13 });
    expect(bind({ kind: 'ECN', removeEce: true, ipEct: 1 })(ctx)).toBe(Verdict.CONTINUE);
    expect(ctx.tos & 3).toBe(1);
    expect(ctx.tcpFlags).toBe(0x02);
    expect(ctx.buf[ctx.l4Off + 13]).toBe(0x02);
    expect(ipChecksumOk(ctx)).toBe(true);
    expect(l4ChecksumOk(ctx)).toBe(true);
    bind({ kind: 'ECN', removeEce: false, setCwr: 1 })(ctx);
    expect(ctx.tcpFlags).toBe(0x82);
    expect(l4ChecksumOk(ctx)).toBe(true);
  });
  it('TTL set / inc / dec, clamped', () => {
    const ctx = buildPacket({ ttl: 64 });
    bind({ kind: 'TTL', mode: 'dec', value: 10 })(ctx);
    expect(ctx.ttl).toBe(54);
    expect(ctx.buf[ctx.l3Off + 8]).toBe(54);
    expect(ipChecksumOk(ctx)).toBe(true);
    bind({ kind: 'TTL', mode: 'inc', value: 250 })(ctx);
    expect(ctx.ttl).toBe(255);
    bind({ kind: 'TTL', mode: 'dec', value: 255 })(ctx);
    expect(ctx.ttl).toBe(0);
    bind({ kind: 'TTL', mode: 'set', value: 1 })(ctx);
    expect(ctx.ttl).toBe(1);
    expect(ipChecksumOk(ctx)).toBe(true);
  });
  it('CLASSIFY sets the priority', () => {
    const ctx = buildPacket();
    bind({ kind: 'CLASSIFY', priority: 0x10002 })(ctx);
    expect(ctx.priority).toBe(0x10002);
  });
});

describe('TCPMSS', () => {
  it('--set-mss lowers the MSS option of a SYN, never raises it', () => {
    const ctx = buildPacket({ tcpFlags: 0x02, tcpOptions: mssOpt(1460) });
    const at = ctx.l4Off + 22;
    bind({ kind: 'TCPMSS', mss: 1400, clamp: false })(ctx);
    expect(mssOf(ctx, at)).toBe(1400);
    expect(l4ChecksumOk(ctx)).toBe(true);
    bind({ kind: 'TCPMSS', mss: 1450, clamp: false })(ctx);
    expect(mssOf(ctx, at)).toBe(1400);
  });
  it('odd-aligned option keeps the checksum right', () => {
    const ctx = buildPacket({ tcpFlags: 0x12, tcpOptions: [1, ...mssOpt(1460), 1, 1, 1], payload: 0 });
    const at = ctx.l4Off + 23;
    bind({ kind: 'TCPMSS', mss: 536, clamp: false })(ctx);
    expect(mssOf(ctx, at)).toBe(536);
    expect(l4ChecksumOk(ctx)).toBe(true);
  });
  it('--clamp-mss-to-pmtu uses host.pathMtu (default 1500) minus 40; MTU <= 40 drops', () => {
    const ctx = buildPacket({ tcpFlags: 0x02, tcpOptions: mssOpt(1460) });
    bindWith({ pathMtu: () => 1400 }, { kind: 'TCPMSS', mss: 0, clamp: true })(ctx);
    expect(mssOf(ctx, ctx.l4Off + 22)).toBe(1360);
    expect(l4ChecksumOk(ctx)).toBe(true);
    const big = buildPacket({ tcpFlags: 0x02, tcpOptions: mssOpt(8960) });
    bind({ kind: 'TCPMSS', mss: 0, clamp: true })(big);
    expect(mssOf(big, big.l4Off + 22)).toBe(1460);
    expect(bindWith({ pathMtu: () => 40 }, { kind: 'TCPMSS', mss: 0, clamp: true })(big)).toBe(Verdict.DROP);
  });
  it('leaves non-SYN segments, segments without the option and fragments alone', () => {
    const ack = buildPacket({ tcpFlags: 0x10, tcpOptions: mssOpt(1460) });
    const before = ack.buf.slice();
    expect(bind({ kind: 'TCPMSS', mss: 500, clamp: false })(ack)).toBe(Verdict.CONTINUE);
    expect(ack.buf).toEqual(before);
    const noOpt = buildPacket({ tcpFlags: 0x02, tcpOptions: [4, 2] });
    const b2 = noOpt.buf.slice();
    expect(bind({ kind: 'TCPMSS', mss: 500, clamp: false })(noOpt)).toBe(Verdict.CONTINUE);
    expect(noOpt.buf).toEqual(b2);
    expect(bind({ kind: 'TCPMSS', mss: 500, clamp: false })(buildPacket({ fragOff: 4 }))).toBe(Verdict.CONTINUE);
  });
});

describe('TCPOPTSTRIP', () => {
  const opts = [...mssOpt(1460), 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1];
  it('overwrites the listed options with NOPs and keeps the checksum valid', () => {
    const ctx = buildPacket({ proto: 6, tcpOptions: opts, payload: 5 });
    const th = ctx.l4Off;
    expect(l4ChecksumOk(ctx)).toBe(true);
    expect(bind({ kind: 'TCPOPTSTRIP', options: [3, 8] })(ctx)).toBe(Verdict.CONTINUE);
    expect([...ctx.buf.subarray(th + 20, th + 20 + opts.length)]).toEqual([
      ...mssOpt(1460), 1, 1, 1, 1, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(l4ChecksumOk(ctx)).toBe(true);
    bind({ kind: 'TCPOPTSTRIP', options: [2, 4] })(ctx);
    expect([...ctx.buf.subarray(th + 20, th + 20 + opts.length)].every((b) => b === 1)).toBe(true);
    expect(l4ChecksumOk(ctx)).toBe(true);
  });
  it('leaves packets without the options unchanged', () => {
    const ctx = buildPacket({ proto: 6, tcpOptions: mssOpt(1400) });
    const before = [...ctx.buf];
    bind({ kind: 'TCPOPTSTRIP', options: [5, 19] })(ctx);
    expect([...ctx.buf]).toEqual(before);
  });
  it('continues on fragments, drops a bad header length', () => {
    expect(bind({ kind: 'TCPOPTSTRIP', options: [2] })(buildPacket({ fragOff: 3, payload: 16 }))).toBe(Verdict.CONTINUE);
    const ctx = buildPacket({ proto: 6 });
    ctx.tcpHdrLen = 16;
    expect(bind({ kind: 'TCPOPTSTRIP', options: [2] })(ctx)).toBe(Verdict.DROP);
  });
});
