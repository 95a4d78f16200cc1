/**
 * The limit match's token bucket, as the kernel's xt_limit keeps it.
 * Invariants:
 * - Time is in jiffies with HZ = 1000, i.e. whole milliseconds of host.nowMs().
 * - CREDITS_PER_JIFFY = 32 (POW2_BELOW32(0xFFFFFFFF / (HZ*60*60*24)) for HZ 1000);
 *   cost = user2credits(avg), cap = user2credits(avg * burst), both integers.
 *   Kernels built with HZ 250 (Debian) have HZ * CREDITS_PER_JIFFY = 32000 too,
 *   so cost and cap are identical; only the refill step differs (4 ms jiffies).
 * - The bucket starts full (the kernel fills it at rule load; filling it at the
 *   first packet is the same thing, since credit is capped at full anyway).
 * - One LimitBucket per bound rule match: state is per rule, as in the kernel.
 * Differences: avg * burst is computed without 32-bit wrap-around (the kernel
 * refuses rules where it would wrap, so valid rules behave identically).
 */

export const XT_LIMIT_SCALE = 10000;
export const LIMIT_HZ = 1000;
export const CREDITS_PER_JIFFY = 32;

/** xt_limit's user2credits: 1/10000 s units to credits (integer arithmetic). */
export function user2credits(user: number): number {
  if (user > Math.floor(0xffffffff / (LIMIT_HZ * CREDITS_PER_JIFFY))) {
    return Math.floor(user / XT_LIMIT_SCALE) * LIMIT_HZ * CREDITS_PER_JIFFY;
  }
  return Math.floor((user * LIMIT_HZ * CREDITS_PER_JIFFY) / XT_LIMIT_SCALE);
}

export class LimitBucket {
  readonly cost: number;
  readonly cap: number;
  credit: number;
  /** Jiffy of the last packet; NaN before the first one. */
  prev = Number.NaN;

  constructor(avg: number, burst: number) {
    this.cost = user2credits(avg);
    this.cap = user2credits(avg * burst);
    this.credit = this.cap;
  }

  /** limit_mt: refill by elapsed jiffies, then take one packet's cost if there is enough. */
  take(nowMs: number): boolean {
    const now = Math.floor(nowMs);
    if (this.prev === this.prev) {
      // Monotonic clock assumed; a step backwards refills nothing.
      const elapsed = now - this.prev;
      if (elapsed > 0) this.credit += elapsed * CREDITS_PER_JIFFY;
    }
    this.prev = now;
    if (this.credit > this.cap) this.credit = this.cap;
    if (this.credit >= this.cost) {
      this.credit -= this.cost;
      return true;
    }
    return false;
  }
}
