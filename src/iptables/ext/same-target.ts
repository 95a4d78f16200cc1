/**
 * -j SAME (the tutorial's libipt_SAME; gone from modern iptables, kept by
 * rawgate): --to a[-b] (repeatable, up to 10 ranges), --nodst, --random.
 * Texts as libipt_SAME printed them. Kernel rules as SNAT/DNAT: nat table,
 * PREROUTING or POSTROUTING.
 */
import type { NatRange } from '../../rules/targets.js';
import { formatAddr } from '../addr.js';
import { paramProblem } from '../errors.js';
import { inetPton } from './nat-range.js';
import type { TargetExt } from './types.js';
import { needHooks, needTable } from './usage.js';
import { once } from './xt-options.js';
import { targetNat } from '../../rules/target/external.js';

/** -j SAME. */
export interface SameTarget { kind: 'SAME'; ranges: NatRange[]; nodst: boolean; random: boolean }

declare module '../../rules/targets.js' {
  interface TargetTypes { SAME: SameTarget; }
}


const range = (r: SameTarget['ranges'][number]) => (r.minIp === r.maxIp ? formatAddr(r.minIp) : `${formatAddr(r.minIp)}-${formatAddr(r.maxIp)}`);

export const sameTarget: TargetExt<SameTarget> = {
  name: 'SAME',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetNat(t, ctx, host);
  },
  options: [{ name: 'to', hasArg: true }, { name: 'nodst', hasArg: false }, { name: 'random', hasArg: false }],
  init: () => ({ kind: 'SAME', ranges: [], nodst: false, random: false }),
  parse(t, option, arg) {
    if (option === 'nodst') { once('SAME', t, option); t.nodst = true; return; }
    if (option === 'random') { once('SAME', t, option); t.random = true; return; }
    if (t.ranges.length >= 10) throw paramProblem('Too many ranges specified, maximum is 10 ranges.\n', 'TOO_MANY');
    const dash = arg!.indexOf('-');
    const a = dash >= 0 ? arg!.slice(0, dash) : arg!;
    const b = dash >= 0 ? arg!.slice(dash + 1) : a;
    const lo = inetPton(a), hi = inetPton(b);
    if (lo === undefined) throw paramProblem(`Bad IP address "${a}"\n`, 'BAD_ADDR');
    if (hi === undefined) throw paramProblem(`Bad IP address "${b}"\n`, 'BAD_ADDR');
    if (lo > hi) throw paramProblem('SAME: --to: first address is greater than the last', 'BAD_ADDR');
    t.ranges.push({ minIp: lo, maxIp: hi, minPort: 0, maxPort: 0, basePort: 0, mapIps: true });
  },
  final(t) {
    if (t.ranges.length === 0) throw paramProblem('SAME needs --to', 'MISSING_OPTION');
  },
  save: (t) => `${t.ranges.map((r) => ` --to ${range(r)}`).join('')}${t.nodst ? ' --nodst' : ''}${t.random ? ' --random' : ''}`,
  print: (t) => ` same:${t.ranges.map(range).join(' ')}${t.nodst ? ' nodst' : ''}${t.random ? ' random' : ''}`,
  check(t, rule, use) {
    needTable(use, ['nat']);
    needHooks(use, ['PREROUTING', 'POSTROUTING']);
  },
};
