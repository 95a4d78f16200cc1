/**
 * Counting matches: statistic and quota.
 * -m statistic (xt_statistic): random mode matches when
 * (random32 & 0x7fffffff) < probability; nth mode keeps one counter per rule,
 * starting at every - packet, advanced for every packet the match sees
 * (wrapping from `every` to 0) and matching when it wraps to 0. Both XOR the
 * "!" flag. The counter lives in the bound closure (a new binding, e.g. a
 * ruleset replace, starts it afresh, as the kernel's checkentry does).
 */
import type { PacketContext } from '../../packet/context.js';
import type { RuleHost } from '../host.js';
import type { StatisticMatch } from '../../iptables/ext/statistic.js';

export type StatisticFn = (ctx: PacketContext) => boolean;

const mathRandom32 = (): number => Math.floor(Math.random() * 0x100000000);

export function bindStatistic(m: StatisticMatch, host: RuleHost): StatisticFn {
  const inv = m.invert;
  if (m.mode === 'random') {
    const p = m.probability;
    const rnd = host.random32 !== undefined ? host.random32.bind(host) : mathRandom32;
    return () => ((rnd() & 0x7fffffff) < p) !== inv;
  }
  const every = m.every;
  let count = (m.every - m.packet) >>> 0;
  return () => {
    count = count === every ? 0 : count + 1;
    return (count === 0) !== inv;
  };
}

/**
 * -m quota (xt_quota): a per-rule byte budget. A packet of L bytes (the IP
 * total length, the kernel's skb->len at the IP hooks) that fits takes L from
 * it and matches; one that does not fit empties it and does not match (nor
 * does anything after). "!" inverts the result. Budgets above 2^53 bytes are
 * held as a double (exact far beyond any real traffic).
 */
export function bindQuota(quota: string, invert: boolean): StatisticFn {
  let left = Number(quota);
  return (ctx) => {
    const len = ctx.ipTotLen;
    if (left >= len) {
      left -= len;
      return !invert;
    }
    left = 0;
    return invert;
  };
}
