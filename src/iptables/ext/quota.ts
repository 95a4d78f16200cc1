/**
 * -m quota (libxt_quota.c): [!] --quota BYTES (XTTYPE_UINT64, mandatory).
 * Save puts "!" before the option; -L shows no "!" at all (iptables' own
 * quirk). The quota is kept as its decimal text (it may exceed 2^53).
 */
import type { MatchExt } from './types.js';
import { fcheck, once, parseU64Opt } from './xt-options.js';
import { bindQuota } from '../../rules/match/statistic.js';

/** Bytes (IP total length) allowed through before the match stops; decimal text of a u64. */
export interface QuotaMatch { name: 'quota'; quota: string; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { quota: QuotaMatch; }
}

export const quotaMatch: MatchExt<QuotaMatch> = {
  name: 'quota',
  bind: (m) => bindQuota(m.quota, m.invert),
  options: [{ name: 'quota', hasArg: true, invertible: true }],
  init: () => ({ name: 'quota', quota: '0', invert: false }),
  parse(m, option, arg, invert) {
    once('quota', m, option);
    m.quota = parseU64Opt('quota', option, arg!).toString();
    if (invert) m.invert = true;
  },
  final: (m) => fcheck('quota', m, [{ name: 'quota', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --quota ${m.quota}`,
  print: (m) => ` quota: ${m.quota} bytes`,
};
