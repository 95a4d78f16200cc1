/**
 * -m rpfilter (libxt_rpfilter.c): --loose, --validmark, --accept-local,
 * --invert (each once). Kernel: raw or mangle table, PREROUTING only.
 */
import type { MatchExt } from './types.js';
import { needHooks, needTable } from './usage.js';
import { once } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** XT_RPFILTER_* bits: LOOSE 1, VALID_MARK 2, ACCEPT_LOCAL 4, INVERT 8. */
export interface RpfilterMatch { name: 'rpfilter'; flags: number }
declare module '../../rules/matches.js' {
  interface MatchTypes { rpfilter: RpfilterMatch; }
}

const OPTS = ['loose', 'validmark', 'accept-local', 'invert'] as const;
const text = (m: RpfilterMatch, prefix: string) => OPTS.filter((_, i) => m.flags & (1 << i)).map((o) => ` ${prefix}${o}`).join('');

export const rpfilterMatch: MatchExt<RpfilterMatch> = {
  name: 'rpfilter',
  bind: (m) => {
    throw new BindError(`match '${m.name}': rpfilter cannot be evaluated: the reverse-path route lookup is not available through RuleHost`);
  },
  options: OPTS.map((name) => ({ name, hasArg: false })),
  init: () => ({ name: 'rpfilter', flags: 0 }),
  parse(m, option) {
    once('rpfilter', m, option);
    m.flags |= 1 << OPTS.indexOf(option as (typeof OPTS)[number]);
  },
  save: (m) => text(m, '--'),
  print: (m) => ` rpfilter${text(m, '')}`,
  check(m, rule, use) {
    needTable(use, ['raw', 'mangle']);
    needHooks(use, ['PREROUTING']);
  },
};
