import { describe, expect, it } from 'vitest';
import { bindTarget, createBindEnv } from '../../../src/rules/bind.js';
import type { CtView } from '../../../src/rules/host.js';
import type { HmarkTarget } from '../../../src/iptables/ext/hmark-target.js';
import { reciprocalScale } from '../../../src/rules/jhash.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { HmarkBit as B } from '../../../src/rules/target/hmark.js';
import { Verdict } from '../../../src/rules/verdict.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const F = (b: number) => 1 << b;
/** --hmark-tuple src,dst,sport,dport,proto --hmark-rnd 0x1234 --hmark-mod 100 --hmark-offset 5 */
const full: HmarkTarget = {
  kind: 'HMARK', flags: F(B.SADDR_MASK) | F(B.DADDR_MASK) | F(B.SPORT_MASK) | F(B.DPORT_MASK) | F(B.PROTO_MASK) | F(B.RND) | F(B.MODULUS) | F(B.OFFSET),
  srcMask: 0xffffffff, dstMask: 0xffffffff, portMask: 0xffffffff, portSet: 0, protoMask: 0xffff, hashrnd: 0x1234, modulus: 100, offset: 5,
};

function run(t: HmarkTarget, ctx: ReturnType<typeof buildPacket>, ct: Partial<CtView> = {}): number {
  const fn = bindTarget(t, emptyRule(), createBindEnv(fakeHost({ ct }), new RecentTables()), 'mangle', 'PREROUTING');
  ctx.mark = 0xdead;
  expect(fn(ctx)).toBe(Verdict.CONTINUE);
  return ctx.mark;
}

describe('HMARK', () => {
  it('hashes the 5-tuple as the kernel does: smaller address first, ports ordered, proto xor, scaled + offset', () => {
    const ctx = buildPacket({ proto: 6, saddr: ip('10.0.0.2'), daddr: ip('10.0.0.1'), sport: 40000, dport: 80 });
    // The kernel's value: jhash_3words(10.0.0.1, 10.0.0.2, 40000 << 16 | 80, 0x1234) ^ 6, scaled to 100, + 5,
    // computed with include/linux/jhash.h compiled as C (scripts/jhash/jhash-ref.c).
    expect(run(full, ctx)).toBe(65);
  });
  it('gives both directions of a flow the same mark, within [offset, offset + mod)', () => {
    for (let i = 0; i < 50; i++) {
      const a = ip(`192.168.${i}.7`), b = ip(`10.1.${i}.9`);
      const fwd = run(full, buildPacket({ proto: 17, saddr: a, daddr: b, sport: 1000 + i, dport: 53 }));
      const rev = run(full, buildPacket({ proto: 17, saddr: b, daddr: a, sport: 53, dport: 1000 + i }));
      expect(fwd).toBe(rev);
      expect(fwd).toBeGreaterThanOrEqual(5);
      expect(fwd).toBeLessThan(105);
    }
  });
  it('prefix masks and missing port masks leave fields out of the hash', () => {
    const t: HmarkTarget = { ...full, flags: F(B.SADDR_MASK) | F(B.RND) | F(B.MODULUS), srcMask: 0xffffff00, dstMask: 0, portMask: 0, protoMask: 0, offset: 0 };
    const m1 = run(t, buildPacket({ proto: 6, saddr: ip('10.0.0.1'), daddr: ip('1.1.1.1'), sport: 1, dport: 2 }));
    const m2 = run(t, buildPacket({ proto: 17, saddr: ip('10.0.0.200'), daddr: ip('2.2.2.2'), sport: 7, dport: 9 }));
    expect(m1).toBe(m2);
    expect(m1).toBe(16); // reciprocal_scale(jhash_3words(0, 10.0.0.0, 0, 0x1234), 100), from the kernel's C
  });
  it('fragments hash without ports', () => {
    const whole = run(full, buildPacket({ proto: 17, saddr: 1, daddr: 2, sport: 0, dport: 0 }));
    const frag = run(full, buildPacket({ proto: 17, saddr: 1, daddr: 2, sport: 5, dport: 6, mf: true }));
    expect(frag).toBe(whole);
  });
  it('ct mode hashes the connection (original source, reply source); no connection leaves the mark', () => {
    const t: HmarkTarget = { ...full, flags: full.flags | F(B.CT) };
    const ctx = buildPacket({ proto: 6, saddr: 9, daddr: 8, sport: 1, dport: 2 });
    expect(run(t, ctx)).toBe(0xdead);
    const ct: Partial<CtView> = { has: () => true, proto: () => 6, origSrc: () => ip('10.0.0.2'), replSrc: () => ip('10.0.0.1'), origSrcPort: () => 40000, replSrcPort: () => 80 };
    expect(run(t, ctx, ct)).toBe(65); // the same tuple as the first case, from the connection
  });
});

describe('reciprocalScale', () => {
  it('is (val * n) >> 32 over 64 bits', () => {
    for (const [v, n] of [[0xffffffff, 0xffffffff], [0x80000000, 3], [12345678, 100], [0, 7], [0xfffffffe, 1]] as const) {
      expect(reciprocalScale(v, n)).toBe(Number((BigInt(v) * BigInt(n)) >> 32n));
    }
  });
});
