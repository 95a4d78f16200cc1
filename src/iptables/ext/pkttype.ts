/** -m pkttype (libxt_pkttype.c): --pkt-type unicast|broadcast|multicast (aliases host, bcast, mcast), "!"-able. */
import { PktType } from '../../rules/ctstate.js';
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { matchPkttype } from '../../rules/match/meta.js';

export interface PkttypeMatch { name: 'pkttype'; /** PktType value. */ type: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { pkttype: PkttypeMatch; }
}

const TYPES: readonly (readonly [string, number])[] = [
  ['unicast', PktType.HOST], ['broadcast', PktType.BROADCAST], ['multicast', PktType.MULTICAST],
  ['otherhost', PktType.OTHERHOST],
  ['bcast', PktType.BROADCAST], ['mcast', PktType.MULTICAST], ['host', PktType.HOST],
];

const typeName = (t: number) => TYPES.find(([, v]) => v === t)?.[0] ?? String(t);

export const pkttypeMatch: MatchExt<PkttypeMatch> = {
  name: 'pkttype',
  bind: (m) => (ctx) => matchPkttype(m, ctx),
  quiet: true,
  options: [{ name: 'pkt-type', hasArg: true, invertible: true }],
  init: () => ({ name: 'pkttype', type: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('pkttype', m, 'pkt-type');
    const e = TYPES.find(([n]) => n === arg!.toLowerCase());
    if (!e) throw paramProblem(`Bad packet type '${arg}'`, 'BAD_PKTTYPE');
    m.type = e[1];
    m.invert = invert;
  },
  final: (m) => fcheck('pkttype', m, [{ name: 'pkt-type', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --pkt-type ${typeName(m.type)}`,
  print: (m) => ` PKTTYPE ${m.invert ? '!' : ''}= ${typeName(m.type)}`,
};
