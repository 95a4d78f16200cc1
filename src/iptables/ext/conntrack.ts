/**
 * -m conntrack (libxt_conntrack.c, revision 3): state, protocol, original and
 * reply addresses and ports, status, expiry, direction. Save and print share
 * conntrack_dump's fixed order: ctstate, ctproto, ctorigsrc, ctorigdst,
 * ctreplsrc, ctrepldst, the four ports, ctstatus, ctexpire, ctdir.
 * Quirks kept: addresses are not masked and print without "/32";
 * --ctdir cannot be inverted; a port range is not checked for order.
 */
import type { AddrMask, PortRange } from '../../rules/matches.js';
import { CtState, CtStatus } from '../../rules/ctstate.js';
import { formatAddr, formatMaskSuffix, numericToAddr, prefixToMask, maskToPrefix } from '../addr.js';
import { paramProblem } from '../errors.js';
import { addrToName, hostByName } from '../names/names.js';
import { parseProtocol, parsePortRangeRC } from '../proto.js';
import type { MatchExt } from './types.js';
import { badValue, given, once, parseUintRange, seen } from './xt-options.js';
import { matchConntrack } from '../../rules/match/ct.js';

export interface ConntrackMatch {
  name: 'conntrack' | 'state';
  /** CtState bits; undefined = option absent. */
  state?: number; invState?: boolean;
  proto?: number; invProto?: boolean;
  origSrc?: AddrMask; invOrigSrc?: boolean;
  origDst?: AddrMask; invOrigDst?: boolean;
  replSrc?: AddrMask; invReplSrc?: boolean;
  replDst?: AddrMask; invReplDst?: boolean;
  origSrcPort?: PortRange; invOrigSrcPort?: boolean;
  origDstPort?: PortRange; invOrigDstPort?: boolean;
  replSrcPort?: PortRange; invReplSrcPort?: boolean;
  replDstPort?: PortRange; invReplDstPort?: boolean;
  /** CtStatus bits; 0 with the option present = NONE. */
  status?: number; invStatus?: boolean;
  /** Remaining lifetime in seconds. */
  expire?: PortRange; invExpire?: boolean;
  dir?: 'ORIGINAL' | 'REPLY';
}

declare module '../../rules/matches.js' {
  interface MatchTypes { conntrack: ConntrackMatch; }
}

export const STATE_ORDER: readonly (readonly [string, number])[] = [
  ['INVALID', CtState.INVALID], ['NEW', CtState.NEW], ['RELATED', CtState.RELATED],
  ['ESTABLISHED', CtState.ESTABLISHED], ['UNTRACKED', CtState.UNTRACKED], ['SNAT', CtState.SNAT], ['DNAT', CtState.DNAT],
];
const STATUS_ORDER: readonly (readonly [string, number])[] = [
  ['EXPECTED', CtStatus.EXPECTED], ['SEEN_REPLY', CtStatus.SEEN_REPLY], ['ASSURED', CtStatus.ASSURED], ['CONFIRMED', CtStatus.CONFIRMED],
];

/** Comma list of state names (case-insensitive); `allowed` limits the names (state: no SNAT/DNAT). */
export function parseStates(arg: string, allowed: number, error: (word: string) => Error): number {
  let mask = 0;
  for (const w of arg.split(',')) {
    const e = STATE_ORDER.find(([n, bit]) => n.toLowerCase() === w.toLowerCase() && (bit & allowed) !== 0);
    if (!e) throw error(w);
    mask |= e[1];
  }
  return mask;
}

export function formatStates(mask: number): string {
  return STATE_ORDER.filter(([, bit]) => mask & bit).map(([n]) => n).join(',');
}

function parseStatus(arg: string): number {
  let mask = 0;
  for (const w of arg.split(',')) {
    if (w.toLowerCase() === 'none') continue;
    const e = STATUS_ORDER.find(([n]) => n.toLowerCase() === w.toLowerCase());
    if (!e) throw paramProblem(`Bad ctstatus "${w}"`, 'BAD_CTSTATUS');
    mask |= e[1];
  }
  return mask;
}

/** inet_aton: 1 to 4 parts, each decimal, octal or hex; the last fills the remaining bytes. */
function inetAton(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => !/^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(p))) return undefined;
  const v = parts.map((p) => Number(p.startsWith('0x') || p.startsWith('0X') ? parseInt(p, 16) : p.startsWith('0') ? parseInt(p, 8) : p));
  const n = v.length;
  for (let i = 0; i < n - 1; i++) if (v[i]! > 255) return undefined;
  const last = v[n - 1]!;
  if (last >= 2 ** (8 * (5 - n))) return undefined;
  let a = 0;
  for (let i = 0; i < n - 1; i++) a = a * 256 + v[i]!;
  return (a * 2 ** (8 * (5 - n)) + last) >>> 0;
}

/** XTTYPE_HOSTMASK: host (inet_aton or a name) and an optional /prefix or /dotted mask. */
export function parseHostMask(ext: string, opt: string, arg: string): AddrMask {
  const slash = arg.indexOf('/');
  const host = slash >= 0 ? arg.slice(0, slash) : arg;
  const addr = inetAton(host) ?? hostByName(host);
  // What getaddrinfo says for an unknown name on a resolver-less host (the oracle machine).
  if (addr === undefined) throw paramProblem('getaddrinfo: Temporary failure in name resolution\n', 'BAD_HOST');
  let mask = 0xffffffff;
  if (slash >= 0) {
    const m = arg.slice(slash + 1);
    if (/^\d+$/.test(m)) {
      const n = Number(m);
      mask = prefixToMask(Math.min(n, 32));
    } else {
      const d = numericToAddr(m, true);
      if (d === undefined) throw badValue(ext, opt, arg);
      const p = maskToPrefix(d);
      mask = p < 0 ? 0xffffffff : prefixToMask(p);
    }
  }
  return { addr, mask };
}

type AddrKey = 'origSrc' | 'origDst' | 'replSrc' | 'replDst';
type PortKey = 'origSrcPort' | 'origDstPort' | 'replSrcPort' | 'replDstPort';
type InvKey = `inv${Capitalize<AddrKey | PortKey>}`;

const ADDRS: readonly (readonly [string, AddrKey, InvKey])[] = [
  ['ctorigsrc', 'origSrc', 'invOrigSrc'], ['ctorigdst', 'origDst', 'invOrigDst'],
  ['ctreplsrc', 'replSrc', 'invReplSrc'], ['ctrepldst', 'replDst', 'invReplDst'],
];
const PORTS: readonly (readonly [string, PortKey, InvKey])[] = [
  ['ctorigsrcport', 'origSrcPort', 'invOrigSrcPort'], ['ctorigdstport', 'origDstPort', 'invOrigDstPort'],
  ['ctreplsrcport', 'replSrcPort', 'invReplSrcPort'], ['ctrepldstport', 'replDstPort', 'invReplDstPort'],
];

function dumpAddr(a: AddrMask, numeric: boolean): string {
  if (!numeric && a.addr === 0) return ' anywhere';
  const host = numeric ? formatAddr(a.addr) : (addrToName(a.addr) ?? formatAddr(a.addr));
  return ` ${host}${formatMaskSuffix(a.mask)}`;
}

const dumpPorts = (r: PortRange): string => (r.hi === 0 || r.lo === r.hi ? `${r.lo}` : `${r.lo}:${r.hi}`);

/** conntrack_dump: `prefix` is '' for -L and '--' for save. */
export function conntrackDump(m: ConntrackMatch, prefix: string, numeric: boolean): string {
  const inv = (b: boolean | undefined) => (b ? ' !' : '');
  let s = '';
  if (m.state !== undefined) s += `${inv(m.invState)} ${prefix}ctstate ${formatStates(m.state)}`;
  if (m.proto !== undefined) s += `${inv(m.invProto)} ${prefix}ctproto ${m.proto}`;
  for (const [opt, key, ik] of ADDRS) {
    const a = m[key];
    if (a !== undefined) s += `${inv(m[ik])} ${prefix}${opt}${dumpAddr(a, numeric)}`;
  }
  for (const [opt, key, ik] of PORTS) {
    const r = m[key];
    if (r !== undefined) s += `${inv(m[ik])} ${prefix}${opt} ${dumpPorts(r)}`;
  }
  if (m.status !== undefined) {
    const names = STATUS_ORDER.filter(([, bit]) => m.status! & bit).map(([n]) => n);
    s += `${inv(m.invStatus)} ${prefix}ctstatus ${names.length ? names.join(',') : 'NONE'}`;
  }
  if (m.expire !== undefined) {
    const e = m.expire;
    s += `${inv(m.invExpire)} ${prefix}ctexpire ${e.lo === e.hi ? e.lo : `${e.lo}:${e.hi}`}`;
  }
  if (m.dir !== undefined) s += ` ${prefix}ctdir ${m.dir}`;
  return s;
}

export const conntrackMatch: MatchExt<ConntrackMatch> = {
  name: 'conntrack',
  bind: (m, _rule, env) => {
    const host = env.host;
    return (ctx) => matchConntrack(m, ctx, host.ctInfo);
  },
  options: [
    { name: 'ctstate', hasArg: true, invertible: true },
    { name: 'ctproto', hasArg: true, invertible: true },
    ...ADDRS.map(([n]) => ({ name: n, hasArg: true, invertible: true })),
    ...PORTS.map(([n]) => ({ name: n, hasArg: true, invertible: true })),
    { name: 'ctstatus', hasArg: true, invertible: true },
    { name: 'ctexpire', hasArg: true, invertible: true },
    { name: 'ctdir', hasArg: true },
  ],
  init: () => ({ name: 'conntrack' }),
  parse(m, option, arg, invert) {
    once('conntrack', m, option);
    const a = arg!;
    switch (option) {
      case 'ctstate':
        m.state = parseStates(a, ~0, (w) => paramProblem(`Bad ctstate "${w}"`, 'BAD_CTSTATE'));
        m.invState = invert;
        return;
      case 'ctproto': {
        const p = parseProtocol(a.toLowerCase());
        m.proto = p;
        m.invProto = invert;
        return;
      }
      case 'ctstatus': m.status = parseStatus(a); m.invStatus = invert; return;
      case 'ctexpire': {
        const v = parseUintRange('conntrack', 'ctexpire', a, 0xffffffff);
        m.expire = { lo: v[0]!, hi: v.length === 1 ? v[0]! : v[1]! };
        m.invExpire = invert;
        return;
      }
      case 'ctdir':
        if (a.toUpperCase() === 'ORIGINAL' && a.length === 8) m.dir = 'ORIGINAL';
        else if (a.toUpperCase() === 'REPLY' && a.length === 5) m.dir = 'REPLY';
        else throw badValue('conntrack', 'ctdir', a);
        return;
    }
    const ad = ADDRS.find(([n]) => n === option);
    if (ad) {
      m[ad[1]] = parseHostMask('conntrack', option, a);
      m[ad[2]] = invert;
      return;
    }
    const pd = PORTS.find(([n]) => n === option)!;
    m[pd[1]] = parsePortRangeRC(a);
    m[pd[2]] = invert;
  },
  final(m) {
    if (seen(m).size === 0) throw paramProblem('conntrack: At least one option is required', 'MISSING_OPTION');
    void given;
  },
  save: (m) => conntrackDump(m, '--', true),
  print: (m, numeric) => conntrackDump(m, '', numeric),
};
