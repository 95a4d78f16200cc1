/**
 * -m iprange (libxt_iprange.c, revision 1): --src-range / --dst-range
 * "a[-b]" (b defaults to a), each "!"-able; printed as given (numeric).
 */
import { formatAddr, numericToAddr } from '../addr.js';
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { badValue, given, once } from './xt-options.js';
import { matchIprange } from '../../rules/match/ip.js';

export interface IprangeMatch {
  name: 'iprange';
  src?: { lo: number; hi: number }; invSrc?: boolean;
  dst?: { lo: number; hi: number }; invDst?: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { iprange: IprangeMatch; }
}

function parseRange(option: string, arg: string): { lo: number; hi: number } {
  const dash = arg.indexOf('-');
  const a = dash >= 0 ? arg.slice(0, dash) : arg;
  const lo = numericToAddr(a);
  if (lo === undefined) throw badValue('iprange', option, a);
  if (dash < 0) return { lo, hi: lo };
  const b = arg.slice(dash + 1);
  const hi = numericToAddr(b);
  if (hi === undefined) throw badValue('iprange', option, b);
  return { lo, hi };
}

const range = (r: { lo: number; hi: number }) => `${formatAddr(r.lo)}-${formatAddr(r.hi)}`;

export const iprangeMatch: MatchExt<IprangeMatch> = {
  name: 'iprange',
  bind: (m) => (ctx) => matchIprange(m, ctx),
  quiet: true,
  options: [
    { name: 'src-range', hasArg: true, invertible: true },
    { name: 'dst-range', hasArg: true, invertible: true },
  ],
  init: () => ({ name: 'iprange' }),
  parse(m, option, arg, invert, ctx) {
    once('iprange', m, option);
    const r = parseRange(option, arg!);
    // libxt_iprange warns (and still loads the rule) when the range is reversed.
    if (r.lo >>> 0 > r.hi >>> 0) ctx.warn(`xt_iprange: range ${range(r)} is reversed and will never match\n`);
    if (option === 'src-range') { m.src = r; m.invSrc = invert; }
    else { m.dst = r; m.invDst = invert; }
  },
  final(m) {
    if (!given(m, 'src-range') && !given(m, 'dst-range')) {
      throw paramProblem("iprange match: You must specify `--src-range' or `--dst-range'", 'MISSING_OPTION');
    }
  },
  save(m) {
    let s = '';
    if (m.src) s += `${m.invSrc ? ' !' : ''} --src-range ${range(m.src)}`;
    if (m.dst) s += `${m.invDst ? ' !' : ''} --dst-range ${range(m.dst)}`;
    return s;
  },
  print(m) {
    let s = '';
    if (m.src) s += ` source IP range${m.invSrc ? ' !' : ''} ${range(m.src)}`;
    if (m.dst) s += ` destination IP range${m.invDst ? ' !' : ''} ${range(m.dst)}`;
    return s;
  },
};
