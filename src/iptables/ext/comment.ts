/** -m comment --comment TEXT (libxt_comment.c): mandatory, once, not invertible, at most 255 bytes. */
import type { CommentMatch } from '../../rules/matches.js';
import { paramProblem } from '../errors.js';
import { saveString } from './save-string.js';
import type { MatchExt } from './types.js';

const given = new WeakSet<CommentMatch>();

export const commentMatch: MatchExt<CommentMatch> = {
  name: 'comment',
  options: [{ name: 'comment', hasArg: true }],
  init: () => ({ name: 'comment', comment: '' }),
  parse(m, option, arg) {
    if (given.has(m)) throw paramProblem('comment: option "--comment" can only be used once.\n', 'DUP_OPTION');
    if (Buffer.byteLength(arg!) > 255) {
      throw paramProblem('comment: option "--comment" must be no more than 255 characters\n', 'TOO_LONG');
    }
    given.add(m);
    m.comment = arg!;
  },
  final(m) {
    if (!given.has(m)) throw paramProblem('comment: option "--comment" must be specified\n', 'MISSING_OPTION');
  },
  save: (m) => ` --comment${saveString(m.comment)}`,
  print: (m) => ` /* ${m.comment} */`,
};
