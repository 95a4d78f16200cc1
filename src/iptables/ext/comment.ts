/**
 * -m comment --comment TEXT (libxt_comment.c): mandatory, once, not invertible;
 * a longer text is cut to 255 bytes (XTTYPE_STRING into char[256]). Saved
 * quoted; a newline, which no save could carry, is refused (string-value.ts).
 */
import { paramProblem } from '../errors.js';
import { checkQuoted, putString, saveString } from '../string-value.js';
import type { MatchExt } from './types.js';

export interface CommentMatch { name: 'comment'; comment: string }

declare module '../../rules/matches.js' {
  interface MatchTypes { comment: CommentMatch; }
}

const given = new WeakSet<CommentMatch>();

export const commentMatch: MatchExt<CommentMatch> = {
  name: 'comment',
  bind: () => () => true,
  quiet: true,
  jit: {
    inline: () => '',
    box: () => true,
    describe: (m) => `-m comment --comment ${JSON.stringify(m.comment)}`,
  },
  options: [{ name: 'comment', hasArg: true }],
  init: () => ({ name: 'comment', comment: '' }),
  parse(m, option, arg) {
    if (given.has(m)) throw paramProblem('comment: option "--comment" can only be used once.\n', 'DUP_OPTION');
    given.add(m);
    m.comment = putString(arg!, 256);
    checkQuoted(option, m.comment);
  },
  final(m) {
    if (!given.has(m)) throw paramProblem('comment: option "--comment" must be specified\n', 'MISSING_OPTION');
  },
  save: (m) => ` --comment${saveString(m.comment)}`,
  print: (m) => ` /* ${m.comment} */`,
};
