/**
 * -m state (1.8.9: served by libxt_conntrack's state alias): --state with
 * INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED only. Saves as
 * `-m state [!] --state LIST`, lists as `[! ]state LIST`.
 */
import type { ConntrackMatch } from './conntrack.js';
import { CtState } from '../../rules/ctstate.js';
import { paramProblem } from '../errors.js';
import { formatStates, parseStates } from './conntrack.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { matchConntrack } from '../../rules/match/ct.js';

declare module '../../rules/matches.js' {
  interface MatchTypes { state: ConntrackMatch; }
}

const ALLOWED = CtState.INVALID | CtState.NEW | CtState.RELATED | CtState.ESTABLISHED | CtState.UNTRACKED;

export const stateMatch: MatchExt<ConntrackMatch> = {
  name: 'state',
  bind: (m, _rule, env) => {
    const host = env.host;
    return (ctx) => matchConntrack(m, ctx, host.ctInfo);
  },
  options: [{ name: 'state', hasArg: true, invertible: true }],
  init: () => ({ name: 'state' }),
  parse(m, option, arg, invert) {
    once('state', m, 'state');
    m.state = parseStates(arg!, ALLOWED, (w) => (w === ''
      ? paramProblem('"--state" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED', 'BAD_STATE')
      : paramProblem(`Bad state "${w}"`, 'BAD_STATE')));
    m.invState = invert;
  },
  final: (m) => fcheck('state', m, [{ name: 'state', mand: true }]),
  save: (m) => `${m.invState ? ' !' : ''} --state ${formatStates(m.state ?? 0)}`,
  print: (m) => `${m.invState ? ' !' : ''} state ${formatStates(m.state ?? 0)}`,
};
