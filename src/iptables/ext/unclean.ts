/**
 * -m unclean: the tutorial's match for malformed packets. Modern iptables
 * has no such module; rawgate keeps it (no options): saves as `-m unclean`,
 * lists as `unclean`.
 */
import type { MatchExt } from './types.js';
import { isUnclean } from '../../rules/match/unclean.js';

/** The tutorial's unclean match: packets with malformed or odd headers (rawgate's own checks). */
export interface UncleanMatch { name: 'unclean' }

declare module '../../rules/matches.js' {
  interface MatchTypes { unclean: UncleanMatch; }
}

export const uncleanMatch: MatchExt<UncleanMatch> = {
  name: 'unclean',
  bind: () => (ctx) => isUnclean(ctx),
  options: [],
  init: () => ({ name: 'unclean' }),
  parse() {},
  save: () => '',
  print: () => ' unclean',
};
