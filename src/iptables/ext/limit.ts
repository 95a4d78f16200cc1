/**
 * -m limit (libxt_limit.c): --limit N[/second|minute|hour|day] (unit a
 * case-insensitive prefix) and --limit-burst 0..10000. The rate is stored as
 * the kernel stores it, a period in 1/10000 s; it prints back in the largest
 * unit that divides it exactly enough (print_rate). Default 3/hour burst 5.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { once, parseUintOpt } from './xt-options.js';
import { LimitBucket } from '../../rules/state/limit.js';

export interface LimitMatch {
  name: 'limit';
  /** Period per packet in 1/10000 s (XT_LIMIT_SCALE), as the kernel stores it. */
  avg: number;
  burst: number;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { limit: LimitMatch; }
}

export const XT_LIMIT_SCALE = 10000;
const BURST_DEFAULT = 5;

const RATES: readonly (readonly [string, number])[] = [
  ['day', XT_LIMIT_SCALE * 24 * 60 * 60], ['hour', XT_LIMIT_SCALE * 60 * 60], ['min', XT_LIMIT_SCALE * 60], ['sec', XT_LIMIT_SCALE],
];

/** parse_rate: the period, or undefined when the text is not a rate. */
export function parseRate(rate: string): number | undefined {
  let mult = 1;
  const slash = rate.indexOf('/');
  if (slash >= 0) {
    const unit = rate.slice(slash + 1).toLowerCase();
    if (unit.length === 0) return undefined;
    if ('second'.startsWith(unit)) mult = 1;
    else if ('minute'.startsWith(unit)) mult = 60;
    else if ('hour'.startsWith(unit)) mult = 3600;
    else if ('day'.startsWith(unit)) mult = 86400;
    else return undefined;
  }
  const r = atoi(rate);
  if (!r) return undefined;
  const period = Math.floor(((XT_LIMIT_SCALE * mult) >>> 0) / (r >>> 0));
  if (period === 0) throw paramProblem(`Rate too fast "${rate}"`, 'RATE_TOO_FAST');
  return period;
}

/** C atoi: leading blanks, sign, digits; the rest ignored; int wrap-around. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  return Number(BigInt.asIntN(32, BigInt(m[1]!)));
}

/** print_rate (with its leading space). */
export function formatRate(period: number): string {
  if (period === 0) return ' inf';
  let i = 1;
  for (; i < RATES.length; i++) {
    const mult = RATES[i]![1];
    if (period > mult || Math.floor(mult / period) < mult % period) break;
  }
  const [name, mult] = RATES[i - 1]!;
  return ` ${Math.floor(mult / period)}/${name}`;
}

export const limitMatch: MatchExt<LimitMatch> = {
  name: 'limit',
  bind: (m, _rule, env) => {
    const host = env.host;
    const bucket = new LimitBucket(m.avg, m.burst);
    return () => bucket.take(host.nowMs());
  },
  options: [
    { name: 'limit', hasArg: true },
    { name: 'limit-burst', hasArg: true },
  ],
  init: () => ({ name: 'limit', avg: (XT_LIMIT_SCALE * 3600) / 3, burst: BURST_DEFAULT }),
  parse(m, option, arg) {
    once('limit', m, option);
    if (option === 'limit') {
      const p = parseRate(arg!);
      if (p === undefined) throw paramProblem(`bad rate "${arg}"'`, 'BAD_RATE');
      m.avg = p;
    } else {
      m.burst = parseUintOpt('limit', 'limit-burst', arg!, 0, 10000);
    }
  },
  final(m) {
    // A burst of 0 means the default (the nf_tables backend stores 5).
    if (m.burst === 0) m.burst = BURST_DEFAULT;
  },
  save: (m) => ` --limit${formatRate(m.avg)}${m.burst !== BURST_DEFAULT ? ` --limit-burst ${m.burst}` : ''}`,
  print: (m) => ` limit: avg${formatRate(m.avg)} burst ${m.burst}`,
};
