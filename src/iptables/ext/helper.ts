/** -m helper (libxt_helper.c): --helper NAME, mandatory, "!"-able; printed quoted. */
import type { HelperMatch } from '../../rules/matches.js';
import { paramProblem } from '../errors.js';
import { saveString } from './save-string.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';

export const helperMatch: MatchExt<HelperMatch> = {
  name: 'helper',
  options: [{ name: 'helper', hasArg: true, invertible: true }],
  init: () => ({ name: 'helper', helper: '', invert: false }),
  parse(m, option, arg, invert) {
    once('helper', m, 'helper');
    if (Buffer.byteLength(arg!) > 29) {
      throw paramProblem('helper: option "--helper" must be no more than 29 characters\n', 'TOO_LONG');
    }
    m.helper = arg!;
    m.invert = invert;
  },
  final: (m) => fcheck('helper', m, [{ name: 'helper', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --helper${saveString(m.helper)}`,
  print: (m) => ` helper match ${m.invert ? '! ' : ''}"${m.helper}"`,
};
