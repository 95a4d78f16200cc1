/**
 * -m helper (libxt_helper.c): --helper NAME, mandatory, "!"-able, cut to 29
 * bytes (char[30]); saved quoted, so a newline is refused (string-value.ts).
 */
import { checkQuoted, putString, saveString } from '../string-value.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { matchHelper } from '../../rules/match/ct.js';

export interface HelperMatch { name: 'helper'; helper: string; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { helper: HelperMatch; }
}

export const helperMatch: MatchExt<HelperMatch> = {
  name: 'helper',
  bind: (m, _rule, env) => {
    const host = env.host;
    return (ctx) => matchHelper(m, ctx, host.ctInfo);
  },
  options: [{ name: 'helper', hasArg: true, invertible: true }],
  init: () => ({ name: 'helper', helper: '', invert: false }),
  parse(m, option, arg, invert) {
    once('helper', m, 'helper');
    m.helper = putString(arg!, 30);
    checkQuoted(option, m.helper);
    m.invert = invert;
  },
  final: (m) => fcheck('helper', m, [{ name: 'helper', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --helper${saveString(m.helper)}`,
  print: (m) => ` helper match ${m.invert ? '! ' : ''}"${m.helper}"`,
};
