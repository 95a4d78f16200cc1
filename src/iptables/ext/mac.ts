/**
 * -m mac (libxt_mac.c): --mac-source XX:XX:XX:XX:XX:XX, mandatory, "!"-able.
 * Only in PREROUTING, INPUT and FORWARD (the kernel's hook mask).
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { needHooks } from './usage.js';
import { fcheck, once } from './xt-options.js';
import { macBytes, matchMacBytes } from '../../rules/match/meta.js';

export interface MacMatch { name: 'mac'; /** 12 lower-case hex digits, no colons. */ mac: string; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { mac: MacMatch; }
}

/** xtables_parse_mac: six ':'-separated hex bytes (1 or 2 digits). */
export function parseMac(arg: string): string {
  const parts = arg.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw paramProblem('Invalid MAC address specified.', 'BAD_MAC');
  }
  return parts.map((p) => p.toLowerCase().padStart(2, '0')).join('');
}

export const formatMac = (mac: string): string => mac.match(/../g)!.join(':');

export const macMatch: MatchExt<MacMatch> = {
  name: 'mac',
  bind: (m) => {
    const mac = macBytes(m.mac), inv = m.invert;
    return (ctx) => matchMacBytes(mac, inv, ctx);
  },
  options: [{ name: 'mac-source', hasArg: true, invertible: true }],
  init: () => ({ name: 'mac', mac: '000000000000', invert: false }),
  parse(m, option, arg, invert) {
    once('mac', m, 'mac-source');
    m.mac = parseMac(arg!);
    m.invert = invert;
  },
  final: (m) => fcheck('mac', m, [{ name: 'mac-source', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --mac-source ${formatMac(m.mac)}`,
  print: (m) => ` MAC${m.invert ? ' !' : ''} ${formatMac(m.mac)}`,
  check: (m, rule, use) => needHooks(use, ['PREROUTING', 'INPUT', 'FORWARD']),
};
