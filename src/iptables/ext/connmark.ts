/** -m connmark (libxt_connmark.c, revision 1): --mark value[/mask], mandatory, "!"-able. */
import { formatMarkMask } from './mark.js';
import type { MatchExt } from './types.js';
import { fcheck, once, parseMarkMask } from './xt-options.js';
import { matchConnmark } from '../../rules/match/ct.js';

export interface ConnmarkMatch { name: 'connmark'; mark: number; mask: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { connmark: ConnmarkMatch; }
}

export const connmarkMatch: MatchExt<ConnmarkMatch> = {
  name: 'connmark',
  bind: (m, _rule, env) => {
    const host = env.host;
    return (ctx) => matchConnmark(m, ctx, host.ctInfo);
  },
  options: [{ name: 'mark', hasArg: true, invertible: true }],
  init: () => ({ name: 'connmark', mark: 0, mask: 0xffffffff, invert: false }),
  parse(m, option, arg, invert) {
    once('connmark', m, 'mark');
    const v = parseMarkMask('connmark', 'mark', arg!);
    m.mark = v.value;
    m.mask = v.mask;
    m.invert = invert;
  },
  final: (m) => fcheck('connmark', m, [{ name: 'mark', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --mark ${formatMarkMask(m.mark, m.mask)}`,
  print: (m) => ` connmark match ${m.invert ? '!' : ''} ${formatMarkMask(m.mark, m.mask)}`,
};
