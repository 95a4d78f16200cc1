/**
 * -j ULOG (the tutorial's libipt_ULOG; gone from modern iptables, kept by
 * rawgate): --ulog-nlgroup 1..32, --ulog-prefix (at least 1 byte, cut to 31), --ulog-cprange,
 * --ulog-qthreshold 1..50. Texts as libipt_ULOG printed them.
 */
import { paramProblem } from '../errors.js';
import { putString, saveString } from '../string-value.js';
import type { TargetExt } from './types.js';
import { once, parseUlong } from './xt-options.js';
import { targetLog } from '../../rules/target/external.js';

/** -j ULOG. */
export interface UlogTarget { kind: 'ULOG'; group: number; prefix: string; cprange: number; qthreshold: number }

declare module '../../rules/targets.js' {
  interface TargetTypes { ULOG: UlogTarget; }
}


export const ulogTarget: TargetExt<UlogTarget> = {
  name: 'ULOG',
  bind: (t, _rule, env, table, chain) => {
    const host = env.host;
    return (ctx) => targetLog(t, ctx, host, table, chain);
  },
  options: ['ulog-nlgroup', 'ulog-prefix', 'ulog-cprange', 'ulog-qthreshold'].map((name) => ({ name, hasArg: true })),
  init: () => ({ kind: 'ULOG', group: 1, prefix: '', cprange: 0, qthreshold: 1 }),
  parse(t, option, arg) {
    once('ULOG', t, option);
    const a = arg!;
    switch (option) {
      case 'ulog-nlgroup': {
        const g = parseUlong(a, 1, 32);
        if (g === undefined) throw paramProblem('--ulog-nlgroup has to be between 1 and 32', 'BAD_VALUE');
        t.group = g;
        break;
      }
      case 'ulog-prefix':
        t.prefix = putString(a, 32, { min: 1 });
        if (a.includes('\n')) throw paramProblem('Newlines not allowed in --ulog-prefix', 'BAD_PREFIX');
        break;
      case 'ulog-cprange': {
        const v = parseUlong(a, 0, 0xffffffff);
        if (v === undefined) throw paramProblem(`Invalid --ulog-cprange \`${a}'`, 'BAD_VALUE');
        t.cprange = v;
        break;
      }
      case 'ulog-qthreshold': {
        const v = parseUlong(a, 1, 50);
        if (v === undefined) throw paramProblem('--ulog-qthreshold has to be between 1 and 50', 'BAD_VALUE');
        t.qthreshold = v;
        break;
      }
    }
  },
  save(t) {
    let s = t.prefix !== '' ? ` --ulog-prefix${saveString(t.prefix)}` : '';
    if (t.group !== 1) s += ` --ulog-nlgroup ${t.group}`;
    if (t.cprange) s += ` --ulog-cprange ${t.cprange}`;
    if (t.qthreshold !== 1) s += ` --ulog-qthreshold ${t.qthreshold}`;
    return s;
  },
  print(t) {
    let s = ` ULOG copy_range ${t.cprange} nlgroup ${t.group}`;
    if (t.prefix !== '') s += ` prefix "${t.prefix}"`;
    return `${s} queue_threshold ${t.qthreshold}`;
  },
};
