/** -j TTL (libipt_TTL.c): one of --ttl-set 0..255, --ttl-dec 1..255, --ttl-inc 1..255; mangle only. */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { fcheck, once, parseUintOpt, seen } from './xt-options.js';
import { targetTtl } from '../../rules/target/mangle.js';

/** -j TTL. */
export interface TtlTarget { kind: 'TTL'; mode: 'set' | 'inc' | 'dec'; value: number }

declare module '../../rules/targets.js' {
  interface TargetTypes { TTL: TtlTarget; }
}


const OPTS = ['ttl-set', 'ttl-dec', 'ttl-inc'] as const;
const TEXT = { set: 'set to', dec: 'decrement by', inc: 'increment by' } as const;

export const ttlTarget: TargetExt<TtlTarget> = {
  name: 'TTL',
  bind: (t) => (ctx) => targetTtl(t, ctx),
  options: OPTS.map((name) => ({ name, hasArg: true })),
  init: () => ({ kind: 'TTL', mode: 'set', value: 0 }),
  parse(t, option, arg) {
    once('TTL', t, option);
    t.value = parseUintOpt('TTL', option, arg!, option === 'ttl-set' ? 0 : 1, 255);
    t.mode = option.slice(4) as 'set' | 'dec' | 'inc';
  },
  final(t) {
    if (seen(t).size === 0) throw paramProblem('TTL: You must specify an action', 'MISSING_OPTION');
    fcheck('TTL', t, OPTS.map((name) => ({ name, excl: OPTS })));
  },
  save: (t) => ` --ttl-${t.mode} ${t.value}`,
  print: (t) => ` TTL ${TEXT[t.mode]} ${t.value}`,
  check: (t, rule, use) => needTable(use, ['mangle']),
};
