/**
 * -m realm (libxt_realm.c, IPv4): [!] --realm value[/mask] or a name from
 * /etc/iproute2/rt_realms, mandatory, parsed by xtables_parse_val_mask (u32
 * value and mask, base 0; messages observed on 1.8.9). Save and print
 * both name realms when the mask is all ones (save passes numeric = 0), else
 * print 0x%lx/0x%lx. rawgate's rt_realms is Debian's stock file: only
 * "0 cosmos". The kernel allows the match after routing only (not PREROUTING).
 */
import { paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';
import type { MatchExt } from './types.js';
import { needHooks } from './usage.js';
import { fcheck, hex, once } from './xt-options.js';

export interface RealmMatch { name: 'realm'; id: number; mask: number; invert: boolean }
declare module '../../rules/matches.js' {
  interface MatchTypes { realm: RealmMatch; }
}

/** /etc/iproute2/rt_realms (Debian 12 iproute2): id → name. */
const REALMS: readonly (readonly [number, string])[] = [[0, 'cosmos']];

/** xtables_strtoui with an end pointer: the u32 (undefined for no number, a '-', or out of range) and where it stopped. */
function strtouiEnd(s: string): { value: number | undefined; end: number } {
  const [v, used] = strtoulPrefix(s, 0);
  if (used === 0 || /^[ \t\n\v\f\r]*-/.test(s)) return { value: undefined, end: 0 };
  return { value: v > 0xffffffffn ? undefined : Number(v), end: used };
}

/**
 * xtables_parse_val_mask with rt_realms as the name map: VALUE, VALUE/MASK,
 * or a realm name (anything that does not start as a number or has something
 * other than "/MASK" after it is looked up as a whole).
 */
function parseValMask(arg: string): { id: number; mask: number } {
  const byName = () => {
    const e = REALMS.find(([, n]) => n === arg);
    if (!e) throw paramProblem(`realm: could not map name ${arg} to an integer value for option "--realm".\n`, 'BAD_VALUE');
    return { id: e[0], mask: 0xffffffff };
  };
  const v = strtouiEnd(arg);
  if (v.value === undefined) return byName();
  if (v.end === arg.length) return { id: v.value, mask: 0xffffffff };
  if (arg[v.end] !== '/') return byName();
  const rest = arg.slice(v.end + 1);
  const mask = strtouiEnd(rest);
  if (mask.value === undefined) throw paramProblem('realm: bad integer value for option "--realm", or out of range.\n', 'BAD_VALUE');
  if (mask.end !== rest.length) throw paramProblem('realm: trailing garbage after value for option "--realm".\n', 'BAD_VALUE');
  return { id: v.value, mask: mask.value };
}

function formatRealm(id: number, mask: number, numeric: boolean): string {
  if (mask >>> 0 !== 0xffffffff) return ` ${hex(id)}/${hex(mask)}`;
  const name = numeric ? undefined : REALMS.find(([n]) => n === id)?.[1];
  return ` ${name ?? hex(id)}`;
}

/** rawgate's routes carry no realm, so every packet's route realm (dst->tclassid) is 0, as for kernel routes without "realm". */
export function matchRealm(m: RealmMatch): boolean {
  return (m.id >>> 0 === ((0 & m.mask) >>> 0)) !== m.invert;
}

export const realmMatch: MatchExt<RealmMatch> = {
  name: 'realm',
  bind: (m) => {
    const r = matchRealm(m);
    return () => r;
  },
  options: [{ name: 'realm', hasArg: true, invertible: true }],
  init: () => ({ name: 'realm', id: 0, mask: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('realm', m, 'realm');
    const { id, mask } = parseValMask(arg!);
    m.id = id;
    m.mask = mask;
    if (invert) m.invert = true;
  },
  final: (m) => fcheck('realm', m, [{ name: 'realm', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --realm${formatRealm(m.id, m.mask, false)}`,
  print: (m, numeric) => `${m.invert ? ' !' : ''} realm${formatRealm(m.id, m.mask, numeric)}`,
  check: (m, rule, use) => needHooks(use, ['INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']),
};
