/**
 * -j LOG (libipt_LOG.c): --log-level (0..7 or a syslog name, case-sensitive),
 * --log-prefix (cut to 29 bytes), --log-tcp-sequence/-tcp-options/-ip-options/
 * -uid/-macdecode. Save order: prefix, level (when not 4), flags.
 */
import { paramProblem } from '../errors.js';
import { putString, saveString } from '../string-value.js';
import type { TargetExt } from './types.js';
import { once, parseUlong } from './xt-options.js';
import { targetLog } from '../../rules/target/external.js';

/** -j LOG. */
export interface LogTarget {
  kind: 'LOG';
  level: number;
  prefix: string;
  /** bit 0 tcp-sequence, 1 tcp-options, 2 ip-options, 3 uid */ flags: number;
}

declare module '../../rules/targets.js' {
  interface TargetTypes { LOG: LogTarget; }
}


const PARSE_NAMES: Readonly<Record<string, number>> = {
  alert: 1, crit: 2, debug: 7, emerg: 0, error: 3, info: 6, notice: 5, panic: 0, warning: 4,
};
const PRINT_NAMES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
/** Flag options and bits (IPT_LOG_*): 0x20 is --log-macdecode. */
const FLAGS: readonly (readonly [string, number, string])[] = [
  ['log-tcp-sequence', 0x01, 'tcp-sequence'], ['log-tcp-options', 0x02, 'tcp-options'],
  ['log-ip-options', 0x04, 'ip-options'], ['log-uid', 0x08, 'uid'], ['log-macdecode', 0x20, 'macdecode'],
];

export const logTarget: TargetExt<LogTarget> = {
  name: 'LOG',
  bind: (t, _rule, env, table, chain) => {
    const host = env.host;
    return (ctx) => targetLog(t, ctx, host, table, chain);
  },
  options: [
    { name: 'log-level', hasArg: true }, { name: 'log-prefix', hasArg: true },
    ...FLAGS.map(([name]) => ({ name, hasArg: false })),
  ],
  init: () => ({ kind: 'LOG', level: 4, prefix: '', flags: 0 }),
  parse(t, option, arg) {
    once('LOG', t, option);
    if (option === 'log-level') {
      const n = parseUlong(arg!, 0, 7) ?? PARSE_NAMES[arg!];
      if (n === undefined) throw paramProblem(`log level "${arg}" unknown\n`, 'BAD_LOG_LEVEL');
      t.level = n;
    } else if (option === 'log-prefix') {
      t.prefix = putString(arg!, 30, { min: 1 });
      if (arg!.includes('\n')) throw paramProblem('Newlines not allowed in --log-prefix', 'BAD_PREFIX');
    } else {
      t.flags |= FLAGS.find(([n]) => n === option)![1];
    }
  },
  save(t) {
    let s = t.prefix !== '' ? ` --log-prefix${saveString(t.prefix)}` : '';
    if (t.level !== 4) s += ` --log-level ${t.level}`;
    for (const [name, bit] of FLAGS) if (t.flags & bit) s += ` --${name}`;
    return s;
  },
  print(t, numeric) {
    let s = ' LOG';
    if (numeric) s += ` flags ${t.flags} level ${t.level}`;
    else {
      s += t.level <= 7 ? ` level ${PRINT_NAMES[t.level]}` : ` UNKNOWN level ${t.level}`;
      for (const [, bit, text] of FLAGS) if (t.flags & bit) s += ` ${text}`;
    }
    if (t.prefix !== '') s += ` prefix "${t.prefix}"`;
    return s;
  },
};
