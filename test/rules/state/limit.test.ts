import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv } from '../../../src/rules/bind.js';
import { emptyRule } from '../../../src/rules/model.js';
import { LimitBucket, user2credits } from '../../../src/rules/state/limit.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket } from '../packet-builder.js';

const PER_SEC = 10000; // 1/s in 1/10000 s units
const PER_MIN = 60 * 10000;

describe('limit token bucket (xt_limit)', () => {
  it('starts full: the first `burst` packets pass, then one per period', () => {
    const b = new LimitBucket(PER_SEC, 3);
    const t0 = 5000;
    expect([b.take(t0), b.take(t0), b.take(t0), b.take(t0)]).toEqual([true, true, true, false]);
    expect(b.take(t0 + 999)).toBe(false);
    expect(b.take(t0 + 1000)).toBe(true);
    expect(b.take(t0 + 1000)).toBe(false);
    // A long idle time refills to burst, not beyond.
    const later = t0 + 60_000;
    expect([b.take(later), b.take(later), b.take(later), b.take(later)]).toEqual([true, true, true, false]);
  });

  it('the observed kernel case: 1/min burst 3, six packets 0.2 s apart → 3 pass', () => {
    const b = new LimitBucket(PER_MIN, 3);
    const got = [0, 200, 400, 600, 800, 1000].map((t) => b.take(10_000 + t));
    expect(got).toEqual([true, true, true, false, false, false]);
  });

  it('credit arithmetic is the kernel\'s (HZ 1000, 32 credits per jiffy)', () => {
    expect(user2credits(PER_SEC)).toBe(32000);
    expect(user2credits(3 * 3600 * 10000 / 3)).toBe(Math.floor(3600 * 10000 / 10000) * 32000);
    const b = new LimitBucket(PER_SEC, 5);
    expect(b.cost).toBe(32000);
    expect(b.cap).toBe(160000);
  });

  it('matches a simple reference model (fast-check)', () => {
    // Reference: a plain token bucket in credits (32 per ms), cost and cap from user2credits.
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5000 }), // period in ms
      fc.integer({ min: 1, max: 10 }),
      fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
      (periodMs, burst, gaps) => {
        const b = new LimitBucket(periodMs * 10, burst);
        const cost = user2credits(periodMs * 10), cap = user2credits(periodMs * 10 * burst);
        let credit = cap, now = 1_000_000;
        for (const g of gaps) {
          now += g;
          credit = Math.min(cap, credit + 32 * g);
          const want = credit >= cost;
          if (want) credit -= cost;
          expect(b.take(now)).toBe(want);
        }
      },
    ), { numRuns: 300, seed: 42 });
  });

  it('keeps the kernel\'s precision loss when avg*burst is large (cap rounded down to whole seconds)', () => {
    // 4.474 s per packet, burst 3: avg*burst = 134220 > 0xffffffff/32000, so cap = 13 s of credit.
    const b = new LimitBucket(44740, 3);
    expect(b.cap).toBe(13 * 32000);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false]);
  });

  it('each bound rule has its own bucket and reads host time', () => {
    const host = fakeHost({ recordNow: false });
    const env = createBindEnv(host, new RecentTables());
    const m = { name: 'limit' as const, avg: PER_SEC, burst: 1 };
    const a = bindMatch(m, emptyRule(), env), b = bindMatch(m, emptyRule(), env);
    const ctx = buildPacket();
    expect([a(ctx), a(ctx), b(ctx), b(ctx)]).toEqual([true, false, true, false]);
    host.now += 1000;
    expect([a(ctx), b(ctx)]).toEqual([true, true]);
  });
});
