/**
 * -j SNAT and -j DNAT (iptables 1.8.9 libxt_NAT): --to-source /
 * --to-destination (once, mandatory), --random, --random-fully, --persistent.
 * Kernel: nat table; SNAT from POSTROUTING and INPUT, DNAT from PREROUTING
 * and OUTPUT.
 */
import type { NatRange } from '../../rules/targets.js';
import type { HookName } from '../../rules/model.js';
import { formatNatRange, parseNatTo, portsAllowed, rangeShown } from './nat-range.js';
import type { TargetExt } from './types.js';
import { targetNat } from '../../rules/target/external.js';
import { needHooks, needTable } from './usage.js';
import { fcheck, once } from './xt-options.js';

/** -j SNAT / -j DNAT. */
export interface NatTarget {
  kind: 'SNAT' | 'DNAT';
  range: NatRange | null;
  random: boolean;
  randomFully: boolean;
  persistent: boolean;
}

declare module '../../rules/targets.js' {
  interface TargetTypes { SNAT: NatTarget; DNAT: NatTarget; }
}


function natTarget(kind: 'SNAT' | 'DNAT', to: string, hooks: readonly HookName[]): TargetExt<NatTarget> {
  return {
    name: kind,
    bind: (t, _rule, env) => {
      const host = env.host;
      return (ctx) => targetNat(t, ctx, host);
    },
    options: [
      { name: to, hasArg: true }, { name: 'random', hasArg: false },
      { name: 'random-fully', hasArg: false }, { name: 'persistent', hasArg: false },
    ],
    init: () => ({ kind, range: null, random: false, randomFully: false, persistent: false }),
    parse(t, option, arg, invert, ctx) {
      once(kind, t, option);
      if (option === to) t.range = parseNatTo(arg!, portsAllowed(ctx.rule));
      else if (option === 'random') t.random = true;
      else if (option === 'random-fully') t.randomFully = true;
      else t.persistent = true;
    },
    final: (t) => fcheck(kind, t, [{ name: to, mand: true }]),
    save(t) {
      let s = rangeShown(t.range) ? ` --${to} ${formatNatRange(t.range)}` : '';
      if (t.random) s += ' --random';
      if (t.randomFully) s += ' --random-fully';
      if (t.persistent) s += ' --persistent';
      return s;
    },
    print(t) {
      let s = rangeShown(t.range) ? ` to:${formatNatRange(t.range)}` : '';
      if (t.random) s += ' random';
      if (t.randomFully) s += ' random-fully';
      if (t.persistent) s += ' persistent';
      return s;
    },
    check(t, rule, use) {
      needTable(use, ['nat']);
      needHooks(use, hooks);
    },
  };
}

export const snatTarget = natTarget('SNAT', 'to-source', ['POSTROUTING', 'INPUT']);
export const dnatTarget = natTarget('DNAT', 'to-destination', ['PREROUTING', 'OUTPUT']);
