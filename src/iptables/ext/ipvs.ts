/**
 * -m ipvs (libxt_ipvs.c): [!] --ipvs, [!] --vproto PROTO, [!] --vaddr
 * ADDR[/MASK], [!] --vport PORT, --vdir ORIGINAL|REPLY, [!] --vmethod
 * GATE|IPIP|MASQ, [!] --vportctl PORT. Every option but --ipvs implies
 * --ipvs (which then is not printed); "! --ipvs" cannot be combined with
 * them. Save and -L share ipvs_mt_dump: protocol and ports as numbers, the
 * address unmasked with its /prefix (none for /32), -L without -n shows a
 * name for it and "anywhere" for 0.0.0.0.
 * Evaluation needs IPVS connections (rawgate has none): BindError.
 */
import { formatAddr, formatMaskSuffix } from '../addr.js';
import { paramProblem } from '../errors.js';
import { addrToName } from '../names/names.js';
import { getPortByName, parseProtocol } from '../proto.js';
import { parseHostMask } from './conntrack.js';
import type { MatchExt } from './types.js';
import { badValue, once, seen } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -m ipvs. */
export interface IpvsMatch {
  name: 'ipvs';
  /** XT_IPVS_* bits given (bitmask) and inverted (invert). */
  bitmask: number; invert: number;
  vaddr: number; vmask: number;
  l4proto: number;
  vport: number; vportctl: number;
  fwdMethod: number;
}
declare module '../../rules/matches.js' {
  interface MatchTypes { ipvs: IpvsMatch; }
}

// XT_IPVS_* bits, in option order.
export const IPVS_PROPERTY = 1 << 0, IPVS_PROTO = 1 << 1, IPVS_VADDR = 1 << 2, IPVS_VPORT = 1 << 3;
export const IPVS_DIR = 1 << 4, IPVS_METHOD = 1 << 5, IPVS_VPORTCTL = 1 << 6;
const ONCE_MASK = ((1 << 7) - 1) & ~IPVS_PROPERTY;
const OPTS = ['ipvs', 'vproto', 'vaddr', 'vport', 'vdir', 'vmethod', 'vportctl'];

// IP_VS_CONN_F_* forwarding methods.
export const IP_VS_CONN_F_MASQ = 0, IP_VS_CONN_F_TUNNEL = 2, IP_VS_CONN_F_DROUTE = 3;
const METHODS: readonly (readonly [string, number])[] = [['GATE', IP_VS_CONN_F_DROUTE], ['IPIP', IP_VS_CONN_F_TUNNEL], ['MASQ', IP_VS_CONN_F_MASQ]];

function port(arg: string): number {
  const p = getPortByName(arg);
  if (p === undefined) throw paramProblem(`Port "${arg}" does not resolve to anything.\n`, 'BAD_PORT');
  return p;
}

function dump(m: IpvsMatch, numeric: boolean, prefix: string): string {
  const inv = (bit: number) => (m.invert & bit ? ' !' : '');
  let s = '';
  if (m.bitmask === IPVS_PROPERTY) s += `${inv(IPVS_PROPERTY)} ${prefix}ipvs`;
  if (m.bitmask & IPVS_PROTO) s += `${inv(IPVS_PROTO)} ${prefix}vproto ${m.l4proto}`;
  if (m.bitmask & IPVS_VADDR) {
    s += `${inv(IPVS_VADDR)} ${prefix}vaddr`;
    if (!numeric && m.vaddr === 0) s += ' anywhere';
    else s += ` ${numeric ? formatAddr(m.vaddr) : (addrToName(m.vaddr) ?? formatAddr(m.vaddr))}${formatMaskSuffix(m.vmask)}`;
  }
  if (m.bitmask & IPVS_VPORT) s += `${inv(IPVS_VPORT)} ${prefix}vport ${m.vport}`;
  if (m.bitmask & IPVS_DIR) s += ` ${prefix}vdir ${m.invert & IPVS_DIR ? 'REPLY' : 'ORIGINAL'}`;
  if (m.bitmask & IPVS_METHOD) {
    s += `${inv(IPVS_METHOD)} ${prefix}vmethod ${METHODS.find(([, v]) => v === m.fwdMethod)?.[0] ?? 'UNKNOWN'}`;
  }
  if (m.bitmask & IPVS_VPORTCTL) s += `${inv(IPVS_VPORTCTL)} ${prefix}vportctl ${m.vportctl}`;
  return s;
}

export const ipvsMatch: MatchExt<IpvsMatch> = {
  name: 'ipvs',
  bind: (m) => {
    throw new BindError(`match '${m.name}' cannot be evaluated: it needs IPVS (the kernel\'s virtual server), which rawgate does not have`);
  },
  options: [
    { name: 'ipvs', hasArg: false, invertible: true },
    { name: 'vproto', hasArg: true, invertible: true },
    { name: 'vaddr', hasArg: true, invertible: true },
    { name: 'vport', hasArg: true, invertible: true },
    { name: 'vdir', hasArg: true },
    { name: 'vmethod', hasArg: true, invertible: true },
    { name: 'vportctl', hasArg: true, invertible: true },
  ],
  init: () => ({ name: 'ipvs', bitmask: 0, invert: 0, vaddr: 0, vmask: 0, l4proto: 0, vport: 0, vportctl: 0, fwdMethod: 0 }),
  parse(m, option, arg, invert) {
    once('ipvs', m, option);
    const a = arg ?? '';
    switch (option) {
      case 'vproto': m.l4proto = parseProtocol(a.toLowerCase()); break;
      case 'vaddr': {
        const am = parseHostMask('ipvs', option, a);
        m.vaddr = am.addr;
        m.vmask = am.mask;
        break;
      }
      case 'vport': m.vport = port(a); break;
      case 'vportctl': m.vportctl = port(a); break;
      case 'vdir':
        if (a.toUpperCase() === 'ORIGINAL') m.invert &= ~IPVS_DIR;
        else if (a.toUpperCase() === 'REPLY') m.invert |= IPVS_DIR;
        else throw badValue('ipvs', 'vdir', a);
        break;
      case 'vmethod': {
        const e = METHODS.find(([n]) => n === a.toUpperCase());
        if (!e) throw badValue('ipvs', 'vmethod', a);
        m.fwdMethod = e[1];
        break;
      }
    }
    const bit = 1 << OPTS.indexOf(option);
    m.bitmask |= bit;
    if (invert) m.invert |= bit;
  },
  final(m) {
    if (seen(m).size === 0) throw paramProblem('IPVS: At least one option is required', 'MISSING_OPTION');
    if (m.bitmask & ONCE_MASK) {
      if (m.invert & IPVS_PROPERTY) throw paramProblem('! --ipvs cannot be together with other options', 'OPTION_CONFLICT');
      m.bitmask |= IPVS_PROPERTY;
    }
  },
  save: (m) => dump(m, true, '--'),
  print: (m, numeric) => dump(m, numeric, ''),
};
