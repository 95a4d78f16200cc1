/** -m mark (libxt_mark.c, revision 1): --mark value[/mask], mandatory, "!"-able. */
import type { MatchExt } from './types.js';
import { fcheck, hex, once, parseMarkMask } from './xt-options.js';
import { matchMark } from '../../rules/match/meta.js';
import { hexLit, i32, neg } from '../../rules/jit/ext-hooks.js';

export interface MarkMatch { name: 'mark'; mark: number; mask: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { mark: MarkMatch; }
}

/** print_mark: " 0x%x" or " 0x%x/0x%x" when the mask is not all ones. */
export const formatMarkMask = (mark: number, mask: number): string =>
  (mask >>> 0) === 0xffffffff ? hex(mark) : `${hex(mark)}/${hex(mask)}`;

export const markMatch: MatchExt<MarkMatch> = {
  name: 'mark',
  bind: (m) => (ctx) => matchMark(m, ctx),
  quiet: true,
  jit: {
    inline: (m) => `(ctx.mark & ${hexLit(m.mask)}) ${m.invert ? '!==' : '==='} ${i32(m.mark & m.mask)}`,
    describe: (m) => `-m mark ${neg(m.invert)}--mark 0x${m.mark.toString(16)}/0x${m.mask.toString(16)}`,
  },
  options: [{ name: 'mark', hasArg: true, invertible: true }],
  init: () => ({ name: 'mark', mark: 0, mask: 0xffffffff, invert: false }),
  parse(m, option, arg, invert) {
    once('mark', m, 'mark');
    const v = parseMarkMask('mark', 'mark', arg!);
    m.mark = v.value;
    m.mask = v.mask;
    m.invert = invert;
  },
  final: (m) => fcheck('mark', m, [{ name: 'mark', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --mark ${formatMarkMask(m.mark, m.mask)}`,
  print: (m) => ` mark match${m.invert ? ' !' : ''} ${formatMarkMask(m.mark, m.mask)}`,
};
