/**
 * The recent match (xt_recent's recent_mt), on the shared RecentTables.
 * Invariants and documented choices:
 * - Time is host.nowMs() as jiffies (HZ 1000); --seconds windows are inclusive
 *   of a stamp exactly `seconds` old, as time_after() makes them.
 * - The TTL recorded and compared (--rttl) is the packet's TTL before
 *   forwarding: ctx.ttl + 1 (mod 256) in FORWARD and POSTROUTING for packets
 *   that are not locally generated (rawgate decrements TTL before FORWARD,
 *   as the kernel does); ctx.ttl elsewhere.
 * - The result is computed as the kernel does, invert folded in before the
 *   --update decision: --update refreshes the entry when the final result
 *   (after "!") is true.
 */
import type { PacketContext } from '../../packet/context.js';
import type { RuleHost } from '../host.js';
import type { RecentMatch } from '../../iptables/ext/recent.js';
import { Hook } from '../model.js';
import type { RecentTable } from '../state/recent.js';

/** The TTL xt_recent sees: pre-forwarding. */
export function recentTtl(ctx: PacketContext): number {
  const fwd = (ctx.hook === Hook.FORWARD || ctx.hook === Hook.POSTROUTING) && !ctx.local;
  return fwd ? (ctx.ttl + 1) & 0xff : ctx.ttl;
}

export function matchRecent(m: RecentMatch, t: RecentTable, ctx: PacketContext, host: RuleHost): boolean {
  const addr = ((m.side === 'dest' ? ctx.daddr : ctx.saddr) & m.mask) >>> 0;
  const ttl = recentTtl(ctx);
  let ret = m.invert;
  const now = host.nowMs();
  const e = t.lookup(addr, m.rttl ? ttl : 0);
  if (e < 0) {
    if (m.mode !== 'set') return ret;
    t.insert(addr, ttl, now);
    return !ret;
  }
  if (m.mode === 'set') {
    ret = !ret;
  } else if (m.mode === 'remove') {
    t.remove(e);
    return !ret;
  } else {
    const since = now - m.seconds * 1000;
    if (t.hits(e, since, m.seconds !== 0, m.hitcount)) ret = !ret;
    if (m.reap) t.reap(since, e);
  }
  if (m.mode === 'set' || (m.mode === 'update' && ret)) t.update(e, now, ttl);
  return ret;
}
