/**
 * -m dscp (libxt_dscp.c): --dscp 0..63 or --dscp-class NAME (one of them,
 * "!"-able). Saves as `--dscp 0x%02x`; lists as `DSCP match [!]0x%02x`.
 * DSCP_CLASSES is shared with the DSCP target.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, given, hex2, once, parseUintOpt } from './xt-options.js';
import { matchDscp } from '../../rules/match/ip.js';

export interface DscpMatch { name: 'dscp'; dscp: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { dscp: DscpMatch; }
}

export const DSCP_CLASSES: readonly (readonly [string, number])[] = [
  ['CS0', 0x00], ['CS1', 0x08], ['CS2', 0x10], ['CS3', 0x18], ['CS4', 0x20], ['CS5', 0x28], ['CS6', 0x30], ['CS7', 0x38],
  ['BE', 0x00], ['AF11', 0x0a], ['AF12', 0x0c], ['AF13', 0x0e], ['AF21', 0x12], ['AF22', 0x14], ['AF23', 0x16],
  ['AF31', 0x1a], ['AF32', 0x1c], ['AF33', 0x1e], ['AF41', 0x22], ['AF42', 0x24], ['AF43', 0x26], ['EF', 0x2e],
];

/** class_to_dscp: case-insensitive class name. */
export function classToDscp(name: string): number {
  const e = DSCP_CLASSES.find(([n]) => n.toLowerCase() === name.toLowerCase());
  if (!e) throw paramProblem(`Invalid DSCP value \`${name}'`, 'BAD_DSCP');
  return e[1];
}

export const dscpMatch: MatchExt<DscpMatch> = {
  name: 'dscp',
  bind: (m) => (ctx) => matchDscp(m, ctx),
  quiet: true,
  options: [
    { name: 'dscp', hasArg: true, invertible: true },
    { name: 'dscp-class', hasArg: true, invertible: true },
  ],
  init: () => ({ name: 'dscp', dscp: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('dscp', m, option);
    m.dscp = option === 'dscp' ? parseUintOpt('dscp', 'dscp', arg!, 0, 63) : classToDscp(arg!);
    m.invert = invert;
  },
  final(m) {
    if (!given(m, 'dscp') && !given(m, 'dscp-class')) throw paramProblem('DSCP match: Parameter --dscp is required', 'MISSING_OPTION');
    fcheck('dscp', m, [{ name: 'dscp', excl: ['dscp-class'] }, { name: 'dscp-class', excl: ['dscp'] }]);
  },
  save: (m) => `${m.invert ? ' !' : ''} --dscp ${hex2(m.dscp)}`,
  print: (m) => ` DSCP match ${m.invert ? '!' : ''}${hex2(m.dscp)}`,
};
