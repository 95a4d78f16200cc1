/**
 * -m addrtype (libxt_addrtype.c, revision 1): --src-type / --dst-type with a
 * comma list of RTN type names (case-insensitive prefixes, "!"-able),
 * --limit-iface-in / --limit-iface-out (not both; the kernel refuses -in in
 * OUTPUT/POSTROUTING and -out in PREROUTING/INPUT).
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { needHooks } from './usage.js';
import { fcheck, given, once } from './xt-options.js';
import { matchAddrtype } from '../../rules/match/meta.js';

export interface AddrtypeMatch {
  name: 'addrtype';
  /** AddrType bit sets; 0 = not tested. */
  src: number; invSrc: boolean;
  dst: number; invDst: boolean;
  limitIfaceIn: boolean; limitIfaceOut: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { addrtype: AddrtypeMatch; }
}

/** RTN_* in kernel order: bit i = 1 << i (matches ctstate.ts AddrType). */
const RTN_NAMES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE',
  'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'] as const;

function parseTypes(arg: string): number {
  let mask = 0;
  let rest = arg;
  for (;;) {
    const comma = rest.indexOf(',');
    const word = comma >= 0 ? rest.slice(0, comma) : rest;
    const i = word === '' ? -1 : RTN_NAMES.findIndex((n) => n.toLowerCase().startsWith(word.toLowerCase()));
    if (i < 0) throw paramProblem(`addrtype: bad type "${rest}"`, 'BAD_ADDRTYPE');
    mask |= 1 << i;
    if (comma < 0) return mask;
    rest = rest.slice(comma + 1);
  }
}

const types = (mask: number) => RTN_NAMES.filter((_, i) => mask & (1 << i)).join(',');

export const addrtypeMatch: MatchExt<AddrtypeMatch> = {
  name: 'addrtype',
  bind: (m, _rule, env) => {
    const host = env.host;
    return (ctx) => matchAddrtype(m, ctx, host);
  },
  options: [
    { name: 'src-type', hasArg: true, invertible: true },
    { name: 'dst-type', hasArg: true, invertible: true },
    { name: 'limit-iface-in', hasArg: false },
    { name: 'limit-iface-out', hasArg: false },
  ],
  init: () => ({ name: 'addrtype', src: 0, invSrc: false, dst: 0, invDst: false, limitIfaceIn: false, limitIfaceOut: false }),
  parse(m, option, arg, invert) {
    once('addrtype', m, option);
    switch (option) {
      case 'src-type': m.src = parseTypes(arg!); m.invSrc = invert; break;
      case 'dst-type': m.dst = parseTypes(arg!); m.invDst = invert; break;
      case 'limit-iface-in': m.limitIfaceIn = true; break;
      case 'limit-iface-out': m.limitIfaceOut = true; break;
    }
  },
  final(m) {
    if (!given(m, 'src-type') && !given(m, 'dst-type')) {
      throw paramProblem('addrtype: you must specify --src-type or --dst-type', 'MISSING_OPTION');
    }
    fcheck('addrtype', m, [{ name: 'limit-iface-in', excl: ['limit-iface-out'] }, { name: 'limit-iface-out', excl: ['limit-iface-in'] }]);
  },
  save(m) {
    let s = '';
    if (m.src) s += `${m.invSrc ? ' !' : ''} --src-type ${types(m.src)}`;
    if (m.dst) s += `${m.invDst ? ' !' : ''} --dst-type ${types(m.dst)}`;
    if (m.limitIfaceIn) s += ' --limit-iface-in';
    if (m.limitIfaceOut) s += ' --limit-iface-out';
    return s;
  },
  print(m) {
    let s = ' ADDRTYPE match';
    if (m.src) s += ` src-type ${m.invSrc ? '!' : ''}${types(m.src)}`;
    if (m.dst) s += ` dst-type ${m.invDst ? '!' : ''}${types(m.dst)}`;
    if (m.limitIfaceIn) s += ' limit-in';
    if (m.limitIfaceOut) s += ' limit-out';
    return s;
  },
  check(m, rule, use) {
    if (m.limitIfaceIn) needHooks(use, ['PREROUTING', 'INPUT', 'FORWARD']);
    if (m.limitIfaceOut) needHooks(use, ['OUTPUT', 'POSTROUTING', 'FORWARD']);
  },
};
