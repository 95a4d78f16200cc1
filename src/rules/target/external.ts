/**
 * Targets whose effect belongs to the rest of the router, through the RuleHost:
 * LOG/NFLOG/ULOG (log, then go on), REJECT and MIRROR (reply, then the packet
 * is STOLEN), NAT targets (the host's verdict), CT/NOTRACK/CONNMARK (the host
 * updates conntrack and, for CONNMARK --restore-mark, ctx.mark; then go on),
 * TRACE (rawgate has no nf_trace facility: go on, a no-op).
 */
import type { PacketContext } from '../../packet/context.js';
import type { RuleHost } from '../host.js';
import type { Target } from '../targets.js';
import { Verdict } from '../verdict.js';

type T<K extends Target['kind']> = Extract<Target, { kind: K }>;

export function targetLog(t: T<'LOG' | 'NFLOG' | 'ULOG'>, ctx: PacketContext, host: RuleHost, table: string, chain: string): Verdict {
  host.log(ctx, t, table, chain);
  return Verdict.CONTINUE;
}

export function targetReject(t: T<'REJECT'>, ctx: PacketContext, host: RuleHost): Verdict {
  host.reject(ctx, t);
  return Verdict.STOLEN;
}

export function targetMirror(ctx: PacketContext, host: RuleHost): Verdict {
  host.mirror(ctx);
  return Verdict.STOLEN;
}

export function targetNat(t: T<'SNAT' | 'DNAT' | 'MASQUERADE' | 'REDIRECT' | 'NETMAP' | 'SAME'>, ctx: PacketContext, host: RuleHost): Verdict {
  return host.nat(ctx, t);
}

export function targetConntrack(t: T<'CT' | 'NOTRACK' | 'CONNMARK'>, ctx: PacketContext, host: RuleHost): Verdict {
  host.conntrack(ctx, t);
  return Verdict.CONTINUE;
}
