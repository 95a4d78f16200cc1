/**
 * -m statistic (libxt_statistic.c): --mode random|nth (mandatory);
 * random: [!] --probability 0..1 (stored as round(p * 2^31)); nth:
 * [!] --every n (stored as n-1, as the kernel keeps it) and --packet p
 * (0 <= p <= n-1), each requiring the other. Save always names --packet in
 * nth mode; -L only when it is non-zero. "!" prints after the mode.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, fixedRatio, given, once, parseDoubleOpt, parseUintOpt } from './xt-options.js';
import { bindStatistic } from '../../rules/match/statistic.js';

export interface StatisticMatch {
  name: 'statistic';
  mode: 'random' | 'nth';
  invert: boolean;
  /** random: matches when a random 31-bit number is below this (round(p * 2^31)). */
  probability: number;
  /** nth: n - 1 (the kernel's form), and the initial counter p (0 <= p <= every). */
  every: number;
  packet: number;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { statistic: StatisticMatch; }
}

function dump(m: StatisticMatch, pfx: string): string {
  const inv = m.invert ? ' !' : '';
  if (m.mode === 'random') {
    return ` ${pfx}mode random${inv} ${pfx}probability ${fixedRatio(BigInt(m.probability), 0x80000000n, 11)}`;
  }
  let s = ` ${pfx}mode nth${inv} ${pfx}every ${m.every + 1}`;
  if (m.packet || pfx !== '') s += ` ${pfx}packet ${m.packet}`;
  return s;
}

export const statisticMatch: MatchExt<StatisticMatch> = {
  name: 'statistic',
  bind: (m, _rule, env) => bindStatistic(m, env.host),
  options: [
    { name: 'mode', hasArg: true },
    { name: 'probability', hasArg: true, invertible: true },
    { name: 'every', hasArg: true, invertible: true },
    { name: 'packet', hasArg: true },
  ],
  init: () => ({ name: 'statistic', mode: 'random', invert: false, probability: 0, every: 0, packet: 0 }),
  parse(m, option, arg, invert) {
    if (invert) m.invert = true;
    once('statistic', m, option);
    switch (option) {
      case 'mode':
        if (arg === 'random') m.mode = 'random';
        else if (arg === 'nth') m.mode = 'nth';
        else throw paramProblem(`Bad mode "${arg}"`, 'BAD_VALUE');
        break;
      case 'probability':
        m.probability = Math.round(0x80000000 * parseDoubleOpt('statistic', option, arg!, 0, 1));
        break;
      case 'every':
        m.every = (parseUintOpt('statistic', option, arg!, 1, 0xffffffff) - 1) >>> 0;
        break;
      case 'packet':
        m.packet = parseUintOpt('statistic', option, arg!, 0, 0xffffffff);
        break;
    }
  },
  final(m) {
    if (m.mode === 'random' && !given(m, 'probability')) {
      throw paramProblem('--probability must be specified when using random mode', 'MISSING_OPTION');
    }
    if (m.mode === 'nth' && !given(m, 'every') && !given(m, 'packet')) {
      throw paramProblem('--every and --packet must be specified when using nth mode', 'MISSING_OPTION');
    }
    if (m.packet > m.every) throw paramProblem('the --packet p must be 0 <= p <= n-1', 'BAD_VALUE');
    fcheck('statistic', m, [
      { name: 'mode', mand: true },
      { name: 'probability', excl: ['every', 'packet'] },
      { name: 'every', excl: ['probability'], also: ['packet'] },
      { name: 'packet', excl: ['probability'], also: ['every'] },
    ]);
  },
  save: (m) => dump(m, '--'),
  print: (m) => ` statistic${dump(m, '')}`,
};
