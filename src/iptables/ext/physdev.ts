/**
 * -m physdev (libxt_physdev.c): [!] --physdev-in/--physdev-out NAME[+],
 * [!] --physdev-is-in/-is-out/-is-bridged (each once; at least one). Names
 * are parsed as -i's (string-value.ts parseInterface: an empty name, which
 * iptables saves as nothing, is refused like -i ''). Kernel (physdev_mt_check,
 * observed on 6.x): --physdev-out/--physdev-is-out without a plain
 * --physdev-is-bridged are refused from OUTPUT (LOCAL_OUT) only.
 */
import { kernelReject, paramProblem } from '../errors.js';
import { parseInterface } from '../string-value.js';
import type { MatchExt } from './types.js';
import { once, seen } from './xt-options.js';

/** XT_PHYSDEV_OP_* bits: IN 1, OUT 2, BRIDGED 4, ISIN 8, ISOUT 16. */
export interface PhysdevMatch {
  name: 'physdev';
  bitmask: number; invert: number;
  physIn: string; physOut: string;
}
declare module '../../rules/matches.js' {
  interface MatchTypes { physdev: PhysdevMatch; }
}

/**
 * physdev_mt without bridge info: rawgate is not a bridge, so no packet has
 * any, and the kernel's rule for that case applies (matches only when every
 * option given is inverted).
 */
export function matchPhysdev(m: PhysdevMatch): boolean {
  for (const bit of [4, 8, 16, 1, 2]) if (m.bitmask & bit && !(m.invert & bit)) return false;
  return true;
}

export const PHYSDEV_IN = 1, PHYSDEV_OUT = 2, PHYSDEV_BRIDGED = 4, PHYSDEV_ISIN = 8, PHYSDEV_ISOUT = 16;
const BIT: Record<string, number> = {
  'physdev-in': PHYSDEV_IN, 'physdev-out': PHYSDEV_OUT, 'physdev-is-in': PHYSDEV_ISIN,
  'physdev-is-out': PHYSDEV_ISOUT, 'physdev-is-bridged': PHYSDEV_BRIDGED,
};

function text(m: PhysdevMatch): string {
  const inv = (b: number) => (m.invert & b ? ' !' : '');
  let s = '';
  if (m.bitmask & PHYSDEV_ISIN) s += `${inv(PHYSDEV_ISIN)} --physdev-is-in`;
  if (m.bitmask & PHYSDEV_IN) s += `${inv(PHYSDEV_IN)} --physdev-in ${m.physIn}`;
  if (m.bitmask & PHYSDEV_ISOUT) s += `${inv(PHYSDEV_ISOUT)} --physdev-is-out`;
  if (m.bitmask & PHYSDEV_OUT) s += `${inv(PHYSDEV_OUT)} --physdev-out ${m.physOut}`;
  if (m.bitmask & PHYSDEV_BRIDGED) s += `${inv(PHYSDEV_BRIDGED)} --physdev-is-bridged`;
  return s;
}

export const physdevMatch: MatchExt<PhysdevMatch> = {
  name: 'physdev',
  bind: (m) => {
    const r = matchPhysdev(m);
    return () => r;
  },
  options: Object.keys(BIT).map((name) => ({ name, hasArg: name === 'physdev-in' || name === 'physdev-out', invertible: true })),
  init: () => ({ name: 'physdev', bitmask: 0, invert: 0, physIn: '', physOut: '' }),
  parse(m, option, arg, invert, ctx) {
    once('physdev', m, option);
    const bit = BIT[option]!;
    if (bit === PHYSDEV_IN || bit === PHYSDEV_OUT) {
      const a = parseInterface(arg!, ctx.warn);
      if (bit === PHYSDEV_IN) m.physIn = a;
      else m.physOut = a;
    }
    m.bitmask |= bit;
    if (invert) m.invert |= bit;
  },
  final(m) {
    if (seen(m).size === 0) throw paramProblem('PHYSDEV: no physdev option specified', 'MISSING_OPTION');
  },
  save: text,
  print: (m) => ` PHYSDEV match${text(m)}`,
  check(m, rule, use) {
    if (m.bitmask & (PHYSDEV_OUT | PHYSDEV_ISOUT) &&
      (!(m.bitmask & PHYSDEV_BRIDGED) || m.invert & PHYSDEV_BRIDGED) &&
      use.hooks.includes('OUTPUT')) {
      throw kernelReject();
    }
  },
};
