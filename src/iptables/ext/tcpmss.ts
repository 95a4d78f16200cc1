/** -m tcpmss (libxt_tcpmss.c): --mss a[:b], mandatory, "!"-able; the kernel wants -p tcp. */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { needProto } from './usage.js';
import { fcheck, once, parseUintRange } from './xt-options.js';
import { matchTcpmss } from '../../rules/match/l4.js';

export interface TcpmssMatch { name: 'tcpmss'; lo: number; hi: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { tcpmss: TcpmssMatch; }
}

const range = (m: TcpmssMatch) => (m.lo === m.hi ? `${m.lo}` : `${m.lo}:${m.hi}`);

export const tcpmssMatch: MatchExt<TcpmssMatch> = {
  name: 'tcpmss',
  bind: (m) => (ctx) => matchTcpmss(m, ctx),
  options: [{ name: 'mss', hasArg: true, invertible: true }],
  init: () => ({ name: 'tcpmss', lo: 0, hi: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('tcpmss', m, 'mss');
    const v = parseUintRange('tcpmss', 'mss', arg!, 0xffff);
    m.lo = v[0]!;
    m.hi = v.length === 1 ? v[0]! : v[1]!;
    if (m.lo > m.hi) throw paramProblem('tcpmss: invalid range given', 'BAD_RANGE');
    m.invert = invert;
  },
  final: (m) => fcheck('tcpmss', m, [{ name: 'mss', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --mss ${range(m)}`,
  print: (m) => ` tcpmss match ${m.invert ? '!' : ''}${range(m)}`,
  check: (m, rule) => needProto(rule, 6),
};
