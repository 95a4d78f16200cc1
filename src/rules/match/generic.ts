/**
 * The generic part of a rule (ip_tables.c ip_packet_match): -s -d -i -o -p -f.
 * Invariants: allocation-free; an absent interface (locally generated packet
 * in -i, not yet routed in -o) is compared as the empty name, as the kernel
 * compares its all-zero nulldevname, so `-i eth0` never matches it and
 * `! -i eth0` always does.
 */
import type { PacketContext } from '../../packet/context.js';
import type { RuleHost } from '../host.js';
import { Frag, type Rule } from '../model.js';

/** iptables interface pattern: exact name, or a prefix when it ends in '+'. */
export function ifaceMatches(pattern: string, name: string): boolean {
  const n = pattern.length;
  if (n > 0 && pattern.charCodeAt(n - 1) === 43 /* + */) {
    const p = n - 1;
    if (name.length < p) return false;
    for (let i = 0; i < p; i++) if (pattern.charCodeAt(i) !== name.charCodeAt(i)) return false;
    return true;
  }
  return pattern === name;
}

export function matchGeneric(rule: Rule, ctx: PacketContext, host: RuleHost): boolean {
  if ((((ctx.saddr & rule.srcMask) >>> 0) === (rule.src >>> 0)) === rule.invSrc) return false;
  if ((((ctx.daddr & rule.dstMask) >>> 0) === (rule.dst >>> 0)) === rule.invDst) return false;
  // `! -i +` is stored as '' inverted: iptables-nft compares with "INVAL/D", so it matches nothing.
  if (rule.inIface !== '') {
    const name = ctx.inIf >= 0 ? host.ifName(ctx.inIf) : '';
    if (ifaceMatches(rule.inIface, name) === rule.invIn) return false;
  } else if (rule.invIn) return false;
  if (rule.outIface !== '') {
    const name = ctx.outIf >= 0 ? host.ifName(ctx.outIf) : '';
    if (ifaceMatches(rule.outIface, name) === rule.invOut) return false;
  } else if (rule.invOut) return false;
  if (rule.proto !== 0 && (ctx.proto === rule.proto) === rule.invProto) return false;
  if (rule.frag === Frag.NON_FIRST && ctx.fragOff === 0) return false;
  if (rule.frag === Frag.FIRST_OR_UNFRAGMENTED && ctx.fragOff !== 0) return false;
  return true;
}
