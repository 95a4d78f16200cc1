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
import type { TimeMatch } from '../../iptables/ext/time.js';

const DAY = 86400;
const ALL_MONTHDAYS = 0xfffffffe;

/** Day of the month (1-31) of a day counted from 1970-01-01, without a Date (civil_from_days, H. Hinnant). */
function dayOfMonth(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return doy - Math.floor((153 * mp + 2) / 5) + 1;
}

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
    const md = dayOfMonth(days);
    if ((m.monthdays & (1 << md)) === 0) return false;
  }
  return true;
}

export function bindTime(m: TimeMatch, host: RuleHost): () => boolean {
  const clock = host.wallClockMs !== undefined ? host.wallClockMs.bind(host) : Date.now;
  return () => timeMatches(m, Math.floor(clock() / 1000));
}
