/**
 * -m time (xt_time): the wall clock (host.wallClockMs, else Date.now), in
 * UTC; --kerneltz uses the kernel's timezone, which rawgate takes as UTC
 * (documented choice: sys_tz is UTC on a host whose clock runs in UTC).
 * Date range first (inclusive), then the daytime window — a window whose start
 * is after its stop wraps over midnight, and with --contiguous the part after
 * midnight counts as the previous day for the weekday/monthday tests — then
 * the weekday bit (1 Mon .. 7 Sun) and the day-of-month bit.
 * Allocation-free unless a monthday set is given (one Date per packet then).
 */
import type { RuleHost } from '../host.js';
import type { TimeMatch } from '../matches.js';

const DAY = 86400;
const ALL_MONTHDAYS = 0xfffffffe;

/** The test at UTC second `stamp`. */
export function timeMatches(m: TimeMatch, stamp: number): boolean {
  if (stamp < m.dateStart || stamp > m.dateStop) return false;
  const t = ((stamp % DAY) + DAY) % DAY;
  if (m.daytimeStart < m.daytimeStop) {
    if (t < m.daytimeStart || t > m.daytimeStop) return false;
  } else {
    if (t < m.daytimeStart && t > m.daytimeStop) return false;
    if (m.contiguous && t <= m.daytimeStop) stamp -= DAY;
  }
  const days = Math.floor(stamp / DAY);
  const weekday = ((((4 + days - 1) % 7) + 7) % 7) + 1;
  if ((m.weekdays & (1 << weekday)) === 0) return false;
  if ((m.monthdays >>> 0) !== ALL_MONTHDAYS) {
    const md = new Date(stamp * 1000).getUTCDate();
    if ((m.monthdays & (1 << md)) === 0) return false;
  }
  return true;
}

export function bindTime(m: TimeMatch, host: RuleHost): () => boolean {
  const clock = host.wallClockMs !== undefined ? host.wallClockMs.bind(host) : Date.now;
  return () => timeMatches(m, Math.floor(clock() / 1000));
}
