/**
 * -m policy (libxt_policy.c, IPv4): --dir in|out, --pol none|ipsec, --strict,
 * and per element [!] --reqid, --spi, --proto (ah/esp/ipcomp), --mode
 * (transport/tunnel), --tunnel-src, --tunnel-dst; --next (needs --strict)
 * starts the next element (at most 4). policy_check's messages and element
 * rules; with --pol none the elements are dropped (len 0). Kernel: --dir out
 * is refused from PREROUTING/INPUT, --dir in from POSTROUTING/OUTPUT.
 */
import { formatAddr, formatMaskSuffix } from '../addr.js';
import { kernelReject, paramProblem } from '../errors.js';
import { protoName } from '../names/names.js';
import { parseProtocol } from '../proto.js';
import { parseHostMask } from './conntrack.js';
import type { MatchExt } from './types.js';
import { hex, once, parseUintOpt } from './xt-options.js';

/** One element of a policy (xt_policy_elem); undefined fields are not tested. */
export interface PolicyElem {
  reqid?: number; invReqid?: boolean;
  spi?: number; invSpi?: boolean;
  proto?: number; invProto?: boolean;
  /** 0 transport, 1 tunnel. */
  mode?: number; invMode?: boolean;
  saddr?: { addr: number; mask: number }; invSaddr?: boolean;
  daddr?: { addr: number; mask: number }; invDaddr?: boolean;
}

export interface PolicyMatch {
  name: 'policy';
  dir: 'in' | 'out';
  /** --pol none (true) or ipsec (false). */
  none: boolean;
  strict: boolean;
  elems: PolicyElem[];
}
declare module '../../rules/matches.js' {
  interface MatchTypes { policy: PolicyMatch; }
}

const MAX_ELEM = 4;
const TUNNEL = 1, TRANSPORT = 0;

interface Work { elems: PolicyElem[]; len: number; dirGiven: boolean }
const work = new WeakMap<PolicyMatch, Work>();
const w = (m: PolicyMatch): Work => {
  let x = work.get(m);
  if (!x) work.set(m, (x = { elems: [{}], len: 0, dirGiven: false }));
  return x;
};
const pe = (msg: string) => paramProblem(`policy match: ${msg}`, 'BAD_VALUE');

function entry(prefix: string, e: PolicyElem, numeric: boolean): string {
  const inv = (b?: boolean) => (b ? ' !' : '');
  let s = '';
  if (e.reqid !== undefined) s += `${inv(e.invReqid)} ${prefix}reqid ${e.reqid}`;
  if (e.spi !== undefined) s += `${inv(e.invSpi)} ${prefix}spi ${hex(e.spi)}`;
  if (e.proto !== undefined) {
    s += `${inv(e.invProto)} ${prefix}proto ${(numeric ? undefined : protoName(e.proto)) ?? e.proto}`;
  }
  if (e.mode !== undefined) {
    s += `${inv(e.invMode)} ${prefix}mode ${e.mode === TRANSPORT ? 'transport' : e.mode === TUNNEL ? 'tunnel' : '???'}`;
  }
  if (e.daddr) s += `${inv(e.invDaddr)} ${prefix}tunnel-dst ${formatAddr(e.daddr.addr)}${formatMaskSuffix(e.daddr.mask)}`;
  if (e.saddr) s += `${inv(e.invSaddr)} ${prefix}tunnel-src ${formatAddr(e.saddr.addr)}${formatMaskSuffix(e.saddr.mask)}`;
  return s;
}

const flags = (prefix: string, m: PolicyMatch) =>
  ` ${prefix}dir ${m.dir} ${prefix}pol ${m.none ? 'none' : 'ipsec'}${m.strict ? ` ${prefix}strict` : ''}`;

const OPTS = ['dir', 'pol', 'strict', 'reqid', 'spi', 'tunnel-src', 'tunnel-dst', 'proto', 'mode', 'next'];

/**
 * rawgate has no IPsec (no xfrm policies or states): no packet has a secpath
 * or an xfrm route, so "--pol none" always matches and "--pol ipsec" never
 * does, as in the kernel without IPsec.
 */
export function matchPolicy(m: PolicyMatch): boolean {
  return m.none;
}

export const policyMatch: MatchExt<PolicyMatch> = {
  name: 'policy',
  bind: (m) => {
    const r = matchPolicy(m);
    return () => r;
  },
  options: OPTS.map((name) => ({
    name, hasArg: name !== 'strict' && name !== 'next',
    invertible: !['dir', 'pol', 'strict', 'next'].includes(name),
  })),
  init: () => ({ name: 'policy', dir: 'in', none: false, strict: false, elems: [] }),
  parse(m, option, arg, invert) {
    const x = w(m);
    if (['dir', 'pol', 'strict'].includes(option)) once('policy', m, option);
    const e = x.elems[x.len]!;
    const a = arg!;
    const dbl = () => pe(`double --${option} option`);
    switch (option) {
      case 'dir':
        if (a === 'in' || a === 'out') m.dir = a;
        else throw paramProblem(`policy_match: invalid dir "${a}"`, 'BAD_VALUE');
        x.dirGiven = true;
        break;
      case 'pol':
        if (a === 'none') m.none = true;
        else if (a !== 'ipsec') throw pe(`invalid policy "${a}"`);
        break;
      case 'strict': m.strict = true; break;
      case 'reqid':
        if (e.reqid !== undefined) throw dbl();
        e.reqid = parseUintOpt('policy', option, a, 0, 0xffffffff); e.invReqid = invert;
        break;
      case 'spi':
        if (e.spi !== undefined) throw dbl();
        e.spi = parseUintOpt('policy', option, a, 0, 0xffffffff); e.invSpi = invert;
        break;
      case 'tunnel-src':
        if (e.saddr) throw dbl();
        e.saddr = parseHostMask('policy', option, a); e.invSaddr = invert;
        break;
      case 'tunnel-dst':
        if (e.daddr) throw dbl();
        e.daddr = parseHostMask('policy', option, a); e.invDaddr = invert;
        break;
      case 'proto': {
        if (e.proto !== undefined) throw dbl();
        const p = parseProtocol(a);
        if (p !== 51 && p !== 50 && p !== 108) throw pe('protocol must be ah/esp/ipcomp');
        e.proto = p; e.invProto = invert;
        break;
      }
      case 'mode':
        if (e.mode !== undefined) throw dbl();
        e.invMode = invert;
        if (a === 'transport') e.mode = TRANSPORT;
        else if (a === 'tunnel') e.mode = TUNNEL;
        else throw pe(`invalid mode "${a}"`);
        break;
      case 'next':
        if (++x.len === MAX_ELEM) throw pe('maximum policy depth reached');
        x.elems.push({});
        break;
    }
  },
  final(m) {
    const x = w(m);
    if (!x.dirGiven) throw pe('neither --dir in nor --dir out specified');
    let len = x.len;
    if (m.none) {
      if (m.strict) throw pe('policy none but --strict given');
      if (len !== 0) throw pe('policy none but policy given');
    } else {
      len++;
    }
    for (let i = 0; i < len; i++) {
      const e = x.elems[i]!;
      const any = e.reqid !== undefined || e.spi !== undefined || e.saddr || e.daddr || e.proto !== undefined || e.mode !== undefined;
      if (m.strict && !any) {
        throw pe(`empty policy element ${i}. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.`);
      }
      const mode = e.mode ?? TRANSPORT;
      if ((e.saddr || e.daddr) && ((mode === TUNNEL && e.invMode) || (mode === TRANSPORT && !e.invMode))) {
        throw pe('--tunnel-src/--tunnel-dst is only valid in tunnel mode');
      }
    }
    m.elems = x.elems.slice(0, len);
    if (x.len > 0 && !m.strict) throw paramProblem('policy: option "--next" also requires "--strict".\n', 'OPTION_REQUIRES');
  },
  save: (m) => flags('--', m) + m.elems.map((e, i) => entry('--', e, false) + (i + 1 < m.elems.length ? ' --next' : '')).join(''),
  print: (m, numeric) =>
    ` policy match${flags('', m)}${m.elems.map((e, i) => (m.elems.length > 1 ? ` [${i}]` : '') + entry('', e, numeric)).join('')}`,
  check(m, rule, use) {
    const h = use.hooks;
    if (m.dir === 'out' && (h.includes('PREROUTING') || h.includes('INPUT'))) throw kernelReject();
    if (m.dir === 'in' && (h.includes('POSTROUTING') || h.includes('OUTPUT'))) throw kernelReject();
  },
};
