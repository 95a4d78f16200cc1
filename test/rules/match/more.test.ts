import { describe, expect, it } from 'vitest';
import { BindError, bindMatch, createBindEnv, type MatchFn } from '../../../src/rules/bind.js';
import type { Match } from '../../../src/rules/matches.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost, type FakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

function bindOn(host: FakeHost, m: Match, proto = 0): MatchFn {
  const rule = emptyRule();
  rule.proto = proto;
  return bindMatch(m, rule, createBindEnv(host, new RecentTables()));
}
const bind = (m: Match, proto = 0): MatchFn => bindOn(fakeHost(), m, proto);
const run = (f: MatchFn, n: number, ctx = buildPacket()): boolean[] => Array.from({ length: n }, () => f(ctx));

describe('statistic', () => {
  it('nth: every n-th packet, first at n - packet, "!" inverts', () => {
    const m = { name: 'statistic', mode: 'nth', invert: false, probability: 0, every: 2, packet: 0 } as const;
    expect(run(bind(m), 7)).toEqual([true, false, false, true, false, false, true]);
    expect(run(bind({ ...m, packet: 2 }), 4)).toEqual([false, false, true, false]);
    expect(run(bind({ ...m, invert: true }), 4)).toEqual([false, true, true, false]);
  });
  it('random: (random32 & 0x7fffffff) < probability', () => {
    const host = fakeHost();
    const seq = [0, 0x3fffffff, 0x40000000, 0xc0000000, 0xffffffff];
    let i = 0;
    host.random32 = () => seq[i++ % seq.length]!;
    const half = { name: 'statistic', mode: 'random', invert: false, probability: 0x40000000, every: 0, packet: 0 } as const;
    expect(run(bindOn(host, half), 5)).toEqual([true, true, false, false, false]);
    expect(run(bind({ ...half, probability: 0 }), 50).some(Boolean)).toBe(false);
    expect(run(bind({ ...half, probability: 0x80000000 }), 50).every(Boolean)).toBe(true);
    expect(run(bind({ ...half, probability: 0x80000000, invert: true }), 50).some(Boolean)).toBe(false);
  });
});

describe('quota', () => {
  it('lets packets through while they fit, then stops for good; "!" inverts', () => {
    const m = { name: 'quota', quota: '250', invert: false } as const;
    const f = bind(m);
    const small = buildPacket({ payload: 40 }); // 80 bytes
    const big = buildPacket({ payload: 100 }); // 140 bytes
    expect([f(small), f(small), f(big), f(small)]).toEqual([true, true, false, false]);
    const g = bind({ ...m, invert: true });
    expect([g(small), g(small), g(small), g(small)]).toEqual([false, false, false, true]);
    expect(bind({ ...m, quota: '0' })(small)).toBe(false);
    expect(bind({ ...m, quota: '18446744073709551615' })(big)).toBe(true);
  });
});

describe('time', () => {
  const base = {
    name: 'time', dateStart: 0, dateStop: 0x7fffffff, daytimeStart: 0, daytimeStop: 86399,
    monthdays: 0xfffffffe, weekdays: 0xfe, kernelTz: false, contiguous: false,
  } as const;
  const at = (iso: string) => { const h = fakeHost(); h.wallClockMs = () => Date.parse(iso); return h; };
  const test = (m: Match, iso: string) => bindOn(at(iso), m)(buildPacket());
  it('daytime window, weekdays (1 = Mon), monthdays and dates', () => {
    const work = { ...base, daytimeStart: 9 * 3600, daytimeStop: 17 * 3600, weekdays: 0b111110 };
    expect(test(work, '2024-03-06T10:00:00Z')).toBe(true); // Wednesday
    expect(test(work, '2024-03-06T18:00:00Z')).toBe(false);
    expect(test(work, '2024-03-09T10:00:00Z')).toBe(false); // Saturday
    expect(test({ ...base, weekdays: 1 << 7 }, '2024-03-10T00:00:00Z')).toBe(true); // Sunday
    expect(test({ ...base, monthdays: 1 << 6 }, '2024-03-06T23:59:59Z')).toBe(true);
    expect(test({ ...base, monthdays: 1 << 6 }, '2024-03-07T00:00:00Z')).toBe(false);
    const d = Date.parse('2024-03-06T00:00:00Z') / 1000;
    expect(test({ ...base, dateStart: d, dateStop: d + 60 }, '2024-03-06T00:01:00Z')).toBe(true);
    expect(test({ ...base, dateStart: d, dateStop: d + 60 }, '2024-03-06T00:01:01Z')).toBe(false);
  });
  it('a window over midnight; --contiguous counts the early part as the previous day', () => {
    const night = { ...base, daytimeStart: 22 * 3600, daytimeStop: 2 * 3600, weekdays: 1 << 5 }; // Friday
    expect(test(night, '2024-03-08T23:00:00Z')).toBe(true);
    expect(test(night, '2024-03-09T01:00:00Z')).toBe(false); // Saturday 01:00
    expect(test({ ...night, contiguous: true }, '2024-03-09T01:00:00Z')).toBe(true);
    expect(test(night, '2024-03-08T12:00:00Z')).toBe(false);
  });
});

describe('string', () => {
  const m: Extract<Match, { name: 'string' }> = { name: 'string', algo: 'bm', pattern: [...Buffer.from('GET')], from: 0, to: 0xffff, invert: false, icase: false };
  const pkt = (text: string) => {
    const ctx = buildPacket({ proto: 17, payload: text.length });
    ctx.buf.set(Buffer.from(text), ctx.l4Off + 8);
    return ctx;
  };
  it('finds the pattern anywhere in [from, to) of the IP packet', () => {
    expect(bind(m)(pkt('xx GET /'))).toBe(true);
    expect(bind(m)(pkt('xx get /'))).toBe(false);
    expect(bind({ ...m, icase: true })(pkt('xx get /'))).toBe(true);
    expect(bind({ ...m, invert: true })(pkt('xx GET /'))).toBe(false);
    // IP 20 + UDP 8: "GET" sits at offsets 31..33.
    expect(bind({ ...m, to: 34 })(pkt('xx GET /'))).toBe(true);
    expect(bind({ ...m, to: 33 })(pkt('xx GET /'))).toBe(false);
    expect(bind({ ...m, from: 31 })(pkt('xx GET /'))).toBe(true);
    expect(bind({ ...m, from: 32 })(pkt('xx GET /'))).toBe(false);
    expect(bind({ ...m, pattern: [0x0d, 0x0a] })(pkt('a\r\nb'))).toBe(true);
  });
});

describe('connbytes reads the connection\'s accounting', () => {
  const ctHost = (pk: [number, number], by: [number, number]) => fakeHost({ ct: { has: () => true, packets: (_c, d) => pk[d]!, bytes: (_c, d) => by[d]! } });
  const m = { name: 'connbytes', from: '10', to: '20', dir: 'both', mode: 'packets' } as const;
  it('packets, bytes and average packet size per direction, inclusive bounds; from > to is the inverted range', () => {
    expect(bindOn(ctHost([6, 4], [600, 400]), m)(buildPacket())).toBe(true);
    expect(bindOn(ctHost([6, 4], [600, 400]), { ...m, dir: 'original' })(buildPacket())).toBe(false);
    expect(bindOn(ctHost([6, 15], [600, 400]), { ...m, dir: 'reply' })(buildPacket())).toBe(true);
    expect(bindOn(ctHost([6, 4], [600, 400]), { ...m, mode: 'avgpkt', from: '100', to: '100' })(buildPacket())).toBe(true);
    expect(bindOn(ctHost([6, 4], [600, 400]), { ...m, mode: 'bytes', from: '1001', to: '18446744073709551615' })(buildPacket())).toBe(false);
    expect(bindOn(ctHost([6, 4], [600, 400]), { ...m, from: '20', to: '10' })(buildPacket())).toBe(false);
    expect(bindOn(ctHost([30, 4], [600, 400]), { ...m, from: '20', to: '10' })(buildPacket())).toBe(true);
  });
  it('no connection: no match', () => {
    expect(bind(m)(buildPacket())).toBe(false);
  });
});

describe('hashlimit', () => {
  const base = {
    name: 'hashlimit', hashName: 'h', mode: 4 /* srcip */, avg: 1_000_000 /* 1/sec */, burst: 2,
    size: 0, max: 0, gcInterval: 1000, expire: 10_000, srcmask: 32, dstmask: 32, interval: 0,
  } as const;
  const from = (a: string) => buildPacket({ saddr: ip(a) });
  it('a token bucket per source: burst, then one per period; "above" inverts', () => {
    const host = fakeHost({ recordNow: false });
    const f = bindOn(host, base);
    const a = from('10.0.0.1'), b = from('10.0.0.2');
    expect([f(a), f(a), f(a), f(b)]).toEqual([true, true, false, true]);
    host.now += 999;
    expect(f(a)).toBe(false);
    host.now += 1;
    expect([f(a), f(a)]).toEqual([true, false]);
    const g = bindOn(fakeHost({ recordNow: false }), { ...base, hashName: 'g', mode: 4 | 0x10 });
    expect([g(a), g(a), g(a)]).toEqual([false, false, true]);
  });
  it('rules naming the same table share it; masks group addresses', () => {
    const host = fakeHost({ recordNow: false });
    const m = { ...base, burst: 1, srcmask: 24 };
    const f1 = bindOn(host, m), f2 = bindOn(host, m);
    expect([f1(from('10.0.0.1')), f2(from('10.0.0.200')), f1(from('10.0.1.1'))]).toEqual([true, false, true]);
  });
  it('bytes mode spends the IP length; idle entries expire', () => {
    const host = fakeHost({ recordNow: false });
    // 1024 bytes/s (cost 66076419 = bytesToCost(1024)), burst 1: 1024 bytes.
    const f = bindOn(host, { ...base, hashName: 'b', mode: 4 | 0x20, avg: 66076419, burst: 1, expire: 500 });
    const p = buildPacket({ payload: 460 }); // 500 bytes
    expect([f(p), f(p), f(p)]).toEqual([true, true, false]);
    host.now += 600; // expired: a fresh full bucket
    expect(f(p)).toBe(true);
  });
  it('rate-match: true while the count in the interval stays within the rate', () => {
    const host = fakeHost({ recordNow: false });
    // 2 packets per 1 s interval.
    const f = bindOn(host, { ...base, hashName: 'r', mode: 4 | 0x40, avg: 500_000, interval: 1 });
    const a = from('10.0.0.1');
    expect([f(a), f(a), f(a)]).toEqual([true, true, false]);
    host.now += 1000; // previous interval was over the rate
    expect(f(a)).toBe(false);
    host.now += 1000;
    expect(f(a)).toBe(true);
  });
});
