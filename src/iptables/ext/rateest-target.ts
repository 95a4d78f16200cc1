/**
 * -j RATEEST (libxt_RATEEST.c): --rateest-name NAME (IFNAMSIZ - 1 bytes kept;
 * saved bare, so not empty and no whitespace or '"': string-value.ts),
 * --rateest-interval TIME, --rateest-ewmalog TIME (all mandatory; TIME is a
 * strtod number with an optional s/sec/secs, ms/msec/msecs, us/usec/usecs
 * suffix, default microseconds). The kernel form is interval = log2(interval /
 * 250ms), -2..3, and ewma_log; both are printed back as times (%.1fs, %.1fms
 * or %uus).
 */
import { paramProblem } from '../errors.js';
import { checkBare, putString } from '../string-value.js';
import type { TargetExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { strtodPrefix } from './strtod.js';
import { BindError } from '../../rules/binding.js';

/** -j RATEEST. */
export interface RateestTarget { kind: 'RATEEST'; name: string; interval: number; ewmaLog: number }
declare module '../../rules/targets.js' {
  interface TargetTypes { RATEEST: RateestTarget; }
}

const US = 1000000;

/** RATEEST_get_time: microseconds (truncated to an unsigned int), or undefined. */
function getTime(s: string): number | undefined {
  const r = strtodPrefix(s);
  if (r === undefined) return undefined;
  let [t] = r;
  const suffix = s.slice(r[1]).toLowerCase();
  if (suffix !== '') {
    if (['s', 'sec', 'secs'].includes(suffix)) t *= US;
    else if (['ms', 'msec', 'msecs'].includes(suffix)) t *= US / 1000;
    else if (!['us', 'usec', 'usecs'].includes(suffix)) return undefined;
  }
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(Number.isFinite(t) ? t : 0))));
}

/** RATEEST_print_time. */
function printTime(us: number): string {
  if (us >= US) return ` ${(us / US).toFixed(1)}s`;
  if (us >= US / 1000) return ` ${(us / (US / 1000)).toFixed(1)}ms`;
  return ` ${us >>> 0}us`;
}

/** The times given, before the final check turns them into the kernel's form. */
const udata = new WeakMap<RateestTarget, { interval: number; ewma: number }>();

function text(t: RateestTarget, prefix: string): string {
  const interval = Math.trunc((US * 2 ** (t.interval + 2)) / 4) >>> 0;
  const ewma = Math.imul(interval, 1 << t.ewmaLog) >>> 0;
  return ` ${prefix}name ${t.name} ${prefix}interval${printTime(interval)} ${prefix}ewmalog${printTime(ewma)}`;
}

export const rateestTarget: TargetExt<RateestTarget> = {
  name: 'RATEEST',
  bind: (t) => {
    throw new BindError(`target '${t.kind}' cannot be evaluated: it needs rate estimators, which rawgate does not run`);
  },
  options: [
    { name: 'rateest-name', hasArg: true },
    { name: 'rateest-interval', hasArg: true },
    { name: 'rateest-ewmalog', hasArg: true },
  ],
  init: () => ({ kind: 'RATEEST', name: '', interval: 0, ewmaLog: 0 }),
  parse(t, option, arg) {
    once('RATEEST', t, option);
    const u = udata.get(t) ?? { interval: 0, ewma: 0 };
    udata.set(t, u);
    if (option === 'rateest-name') {
      t.name = putString(arg!, 16);
      checkBare('RATEEST', option, t.name);
      return;
    }
    const v = getTime(arg!);
    const what = option === 'rateest-interval' ? 'interval' : 'ewmalog';
    if (v === undefined) throw paramProblem(`RATEEST: bad ${what} value "${arg}"`, 'BAD_VALUE');
    if (option === 'rateest-interval') u.interval = v;
    else u.ewma = v;
  },
  final(t) {
    const u = udata.get(t) ?? { interval: 0, ewma: 0 };
    let i = 0;
    for (; i <= 5; i++) if (u.interval <= (1 << i) * (US / 4)) break;
    if (i > 5) throw paramProblem('RATEEST: interval value is too large', 'BAD_VALUE');
    t.interval = i - 2;
    let e = 1;
    for (; e < 32; e++) {
      const w = 1.0 - 1.0 / 2 ** e;
      if (u.interval / -Math.log(w) > u.ewma) break;
    }
    e--;
    if (e === 0 || e >= 31) throw paramProblem('RATEEST: ewmalog value is out of range', 'BAD_VALUE');
    t.ewmaLog = e;
    fcheck('RATEEST', t, [
      { name: 'rateest-name', mand: true }, { name: 'rateest-interval', mand: true }, { name: 'rateest-ewmalog', mand: true },
    ]);
  },
  save: (t) => text(t, '--rateest-'),
  print: (t) => text(t, ''),
};
