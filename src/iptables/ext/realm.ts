/**
 * -m realm (libxt_realm.c, IPv4): [!] --realm value[/mask] or a name from
 * /etc/iproute2/rt_realms, mandatory. value and mask are plain strtoul (base
 * 0, truncated to 32 bits); a name is looked up in rt_realms. Save and print
 * both name realms when the mask is all ones (save passes numeric = 0), else
 * print 0x%lx/0x%lx. rawgate's rt_realms is Debian's stock file: only
 * "0 cosmos". The kernel allows the match after routing only (not PREROUTING).
 */
import type { RealmMatch } from '../../rules/misc-exts.js';
import { paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';
import type { MatchExt } from './types.js';
import { needHooks } from './usage.js';
import { fcheck, hex, once } from './xt-options.js';

/** /etc/iproute2/rt_realms (Debian 12 iproute2): id → name. */
const REALMS: readonly (readonly [number, string])[] = [[0, 'cosmos']];

/** strtoul(s, &end, 0) as unsigned long, then (u32): value and characters used. */
function strtoul32(s: string): [number, number] {
  const [v, used] = strtoulPrefix(s, 0);
  const u64 = (1n << 64n) - 1n;
  const w = v > u64 ? u64 : v < -u64 ? u64 : v < 0n ? (v + (1n << 64n)) & u64 : v;
  return [Number(w & 0xffffffffn), used];
}

function formatRealm(id: number, mask: number, numeric: boolean): string {
  if (mask >>> 0 !== 0xffffffff) return ` ${hex(id)}/${hex(mask)}`;
  const name = numeric ? undefined : REALMS.find(([n]) => n === id)?.[1];
  return ` ${name ?? hex(id)}`;
}

export const realmMatch: MatchExt<RealmMatch> = {
  name: 'realm',
  options: [{ name: 'realm', hasArg: true, invertible: true }],
  init: () => ({ name: 'realm', id: 0, mask: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('realm', m, 'realm');
    const s = arg!;
    const [id, used] = strtoul32(s);
    const next = s[used];
    if (used !== 0 && (next === '/' || next === undefined)) {
      m.id = id;
      let end = used;
      if (next === '/') {
        const [mask, mused] = strtoul32(s.slice(used + 1));
        m.mask = mask;
        end = used + 1 + mused;
      } else {
        m.mask = 0xffffffff;
      }
      if (end !== s.length) throw paramProblem(`Bad realm value "${s}"`, 'BAD_VALUE');
    } else {
      const e = REALMS.find(([, n]) => n === s);
      if (!e) throw paramProblem(`Realm "${s}" not found`, 'BAD_VALUE');
      m.id = e[0];
      m.mask = 0xffffffff;
    }
    if (invert) m.invert = true;
  },
  final: (m) => fcheck('realm', m, [{ name: 'realm', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --realm${formatRealm(m.id, m.mask, false)}`,
  print: (m, numeric) => `${m.invert ? ' !' : ''} realm${formatRealm(m.id, m.mask, numeric)}`,
  check: (m, rule, use) => needHooks(use, ['INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']),
};
