import { describe, expect, it } from 'vitest';
import type { IcmpConfig } from '../../src/config/types.js';
import { DEFAULTS } from '../../src/config/types.js';
import { IcmpLimiter } from '../../src/net/index.js';

const cfg = (over: Partial<IcmpConfig> = {}): IcmpConfig => ({ ...DEFAULTS.icmp, ...over });
const A = 0x0a000001;
const B = 0x0a000002;

function burst(l: IcmpLimiter, n: number, type: number, code: number, dst: number | ((i: number) => number), t: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (l.allow(type, code, typeof dst === 'number' ? dst : dst(i), t)) ok++;
  return ok;
}

describe('IcmpLimiter', () => {
  it('allows a burst of 6 per destination, then one per ratelimit', () => {
    const l = new IcmpLimiter(cfg());
    expect(burst(l, 10, 3, 1, A, 0)).toBe(6);
    expect(burst(l, 10, 11, 0, B, 0)).toBe(6); // another destination has its own bucket
    expect(l.allow(3, 1, A, 999)).toBe(false);
    expect(l.allow(3, 1, A, 1000)).toBe(true);
    expect(l.allow(3, 1, A, 1000)).toBe(false);
    expect(burst(l, 10, 3, 1, A, 4500)).toBe(3); // 3.5 s of tokens
    expect(burst(l, 10, 3, 1, A, 100_000)).toBe(6); // capped at 6
    expect(l.counts.host).toBeGreaterThan(0);
  });

  it('never limits fragmentation needed (type 3 code 4)', () => {
    const l = new IcmpLimiter(cfg({ msgsBurst: 1 }));
    expect(burst(l, 1000, 3, 4, A, 0)).toBe(1000);
    expect(l.allow(3, 3, A, 0)).toBe(true); // the global credit was not touched by frag-needed
    expect(l.allow(3, 3, B, 0)).toBe(false);
  });

  it('limits only types in ratemask', () => {
    const l = new IcmpLimiter(cfg());
    expect(burst(l, 100, 0, 0, A, 0)).toBe(100); // echo reply: bit 0 not in 6168
    expect(burst(l, 100, 5, 0, A, 0)).toBe(100); // redirect
    expect(burst(l, 100, 40, 0, A, 0)).toBe(100); // above NR_ICMP_TYPES
    expect(burst(l, 100, 12, 0, A, 0)).toBe(6); // parameter problem
    const all = new IcmpLimiter(cfg({ ratemask: 1 }));
    expect(burst(all, 100, 0, 0, A, 0)).toBe(6);
    expect(burst(all, 100, 3, 1, A, 0)).toBe(100);
    expect(all.maskAllow(0, 0)).toBe(false);
  });

  it('enforces the global bucket across destinations', () => {
    const l = new IcmpLimiter(cfg({ msgsPerSec: 1000, msgsBurst: 50 }));
    expect(burst(l, 200, 3, 1, (i) => i + 1, 0)).toBe(50);
    expect(l.counts.global).toBe(150);
    expect(l.allow(3, 1, 0x7f000001, 19)).toBe(false); // < 20 ms: no refill yet
    expect(burst(l, 100, 3, 1, (i) => 1000 + i, 30)).toBe(30); // 1000/s × 30 ms
    expect(burst(l, 100, 3, 1, (i) => 2000 + i, 10_000)).toBe(50); // capped at burst
  });

  it('starts the global refill clock at the first limited message', () => {
    const l = new IcmpLimiter(cfg({ msgsPerSec: 1000, msgsBurst: 10 }));
    expect(burst(l, 20, 3, 1, (i) => i + 1, 5000)).toBe(10);
    expect(l.allow(3, 1, 99, 5010)).toBe(false);
    expect(burst(l, 40, 3, 1, (i) => 100 + i, 5020)).toBe(10); // 20 credits, capped at 10
  });

  it('does not spend global credit on messages the destination bucket refuses', () => {
    const l = new IcmpLimiter(cfg({ msgsBurst: 7 }));
    expect(burst(l, 20, 3, 1, A, 0)).toBe(6);
    expect(l.allow(3, 1, B, 0)).toBe(true);
    expect(l.allow(3, 1, 0x0a000003, 0)).toBe(false);
  });

  it('a ratelimit of 0 disables the per-destination bucket', () => {
    const l = new IcmpLimiter(cfg({ ratelimitMs: 0 }));
    expect(burst(l, 40, 3, 1, A, 0)).toBe(40);
  });
});
