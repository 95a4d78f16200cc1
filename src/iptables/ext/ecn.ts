/**
 * -m ecn (libxt_ecn.c): --ecn-tcp-cwr, --ecn-tcp-ece, --ecn-ip-ect 0..3, each
 * "!"-able. The kernel wants -p tcp when a TCP bit is tested.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { needProto } from './usage.js';
import { once, parseUintOpt, seen } from './xt-options.js';
import { matchEcn } from '../../rules/match/ip.js';

export interface EcnMatch {
  name: 'ecn';
  ece?: boolean; invEce?: boolean;
  cwr?: boolean; invCwr?: boolean;
  /** --ecn-ip-ect 0..3. */
  ect?: number; invEct?: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { ecn: EcnMatch; }
}

export const ecnMatch: MatchExt<EcnMatch> = {
  name: 'ecn',
  bind: (m) => (ctx) => matchEcn(m, ctx),
  options: [
    { name: 'ecn-tcp-cwr', hasArg: false, invertible: true },
    { name: 'ecn-tcp-ece', hasArg: false, invertible: true },
    { name: 'ecn-ip-ect', hasArg: true, invertible: true },
  ],
  init: () => ({ name: 'ecn' }),
  parse(m, option, arg, invert) {
    once('ecn', m, option);
    if (option === 'ecn-tcp-cwr') { m.cwr = true; m.invCwr = invert; }
    else if (option === 'ecn-tcp-ece') { m.ece = true; m.invEce = invert; }
    else { m.ect = parseUintOpt('ecn', 'ecn-ip-ect', arg!, 0, 3); m.invEct = invert; }
  },
  final(m) {
    if (seen(m).size === 0) throw paramProblem('ECN match: some option required', 'MISSING_OPTION');
  },
  save(m) {
    let s = '';
    if (m.ece) s += `${m.invEce ? ' !' : ''} --ecn-tcp-ece`;
    if (m.cwr) s += `${m.invCwr ? ' !' : ''} --ecn-tcp-cwr`;
    if (m.ect !== undefined) s += `${m.invEct ? ' !' : ''} --ecn-ip-ect ${m.ect}`;
    return s;
  },
  print(m) {
    let s = ' ECN match';
    if (m.ece) s += ` ${m.invEce ? '!' : ''}ECE`;
    if (m.cwr) s += ` ${m.invCwr ? '!' : ''}CWR`;
    if (m.ect !== undefined) s += ` ${m.invEct ? '!' : ''}ECT=${m.ect}`;
    return s;
  },
  check(m, rule) {
    if (m.ece || m.cwr) needProto(rule, 6);
  },
};
