/** -m length (libxt_length.c): --length a[:b] (XTTYPE_UINT16RC), mandatory, "!"-able. */
import type { MatchExt } from './types.js';
import { fcheck, once, parseUintRange } from './xt-options.js';
import { matchLength } from '../../rules/match/ip.js';

export interface LengthMatch { name: 'length'; lo: number; hi: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { length: LengthMatch; }
}

const range = (m: LengthMatch) => (m.lo === m.hi ? `${m.lo}` : `${m.lo}:${m.hi}`);

export const lengthMatch: MatchExt<LengthMatch> = {
  name: 'length',
  bind: (m) => (ctx) => matchLength(m, ctx),
  quiet: true,
  options: [{ name: 'length', hasArg: true, invertible: true }],
  init: () => ({ name: 'length', lo: 0, hi: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('length', m, 'length');
    const v = parseUintRange('length', 'length', arg!, 0xffff);
    m.lo = v[0]!;
    m.hi = v.length === 1 ? v[0]! : v[1]!;
    m.invert = invert;
  },
  final: (m) => fcheck('length', m, [{ name: 'length', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --length ${range(m)}`,
  print: (m) => ` length ${m.invert ? '!' : ''}${range(m)}`,
};
