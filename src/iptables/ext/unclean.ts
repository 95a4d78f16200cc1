/**
 * -m unclean: the tutorial's match for malformed packets. Modern iptables
 * has no such module; rawgate keeps it (no options): saves as `-m unclean`,
 * lists as `unclean`.
 */
import type { UncleanMatch } from '../../rules/matches.js';
import type { MatchExt } from './types.js';
import { isUnclean } from '../../rules/match/unclean.js';

export const uncleanMatch: MatchExt<UncleanMatch> = {
  name: 'unclean',
  bind: () => (ctx) => isUnclean(ctx),
  options: [],
  init: () => ({ name: 'unclean' }),
  parse() {},
  save: () => '',
  print: () => ' unclean',
};
