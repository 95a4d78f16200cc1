/**
 * Binding: turns one match or one extension target of a rule into a function
 * of the packet, with its per-rule state (limit bucket) or shared state
 * (recent lists) captured. The interpreter and the JIT both call these, so a
 * match or target behaves — and calls the host — identically in both.
 * Invariants:
 * - bindMatch / bindTarget are called once per rule at compile time; the
 *   returned functions allocate nothing per packet.
 * - Evaluation order inside a rule is the caller's: generic part first, then
 *   matches in rule order, stopping at the first that fails (stateful matches
 *   such as limit and recent only run when every earlier test passed).
 * - Semantics per family live in match/* and target/* (one module per family,
 *   each documenting its kernel source and rawgate's documented choices).
 */
import type { PacketContext } from '../packet/context.js';
import type { RuleHost } from './host.js';
import type { Match } from './matches.js';
import type { Rule } from './model.js';
import type { Target } from './targets.js';
import { Verdict } from './verdict.js';
import { matchGeneric as genericMatch } from './match/generic.js';
import { matchIcmp, matchMultiport, matchSpi, matchTcp, matchTcpmss, matchUdp } from './match/l4.js';
import { matchDscp, matchEcn, matchIprange, matchLength, matchTos, matchTtl } from './match/ip.js';
import { macBytes, matchAddrtype, matchMacBytes, matchMark, matchOwner, matchPkttype } from './match/meta.js';
import { matchConnmark, matchConntrack, matchHelper } from './match/ct.js';
import { isUnclean } from './match/unclean.js';
import { matchRecent } from './match/recent.js';
import { bindQuota, bindStatistic } from './match/statistic.js';
import { bindTime } from './match/time.js';
import { bindString } from './match/payload.js';
import { bindHashlimit } from './match/hashlimit.js';
import { bindDccp, bindSctp } from './match/l4more.js';
import { LimitBucket } from './state/limit.js';
import { RecentTables } from './state/recent.js';
import { targetClassify, targetDscp, targetEcn, targetMark, targetTcpmss, targetTos, targetTtl } from './target/mangle.js';
import { targetChecksum } from './target/checksum.js';
import { bindInfraMatch, bindInfraTarget } from './infra-bind.js';
import { bindMiscMatch, bindMiscTarget } from './misc-bind.js';
import { targetConntrack, targetLog, targetMirror, targetNat, targetReject } from './target/external.js';

export interface BindEnv { host: RuleHost; recent: RecentTables }
export type MatchFn = (ctx: PacketContext) => boolean;
/** CONTINUE for non-terminating targets, else a final verdict (ACCEPT, DROP, STOLEN, QUEUE). */
export type TargetFn = (ctx: PacketContext) => Verdict;

/** Thrown at bind time for a match/target the evaluator cannot run (the text layer should refuse it first). */
export class BindError extends Error {
  readonly code = 'BIND_UNSUPPORTED';
  constructor(message: string) {
    super(message);
    this.name = 'BindError';
  }
}

/** Generic part of a rule (-s -d -i -o -p -f), no allocation. */
export function matchGeneric(rule: Rule, ctx: PacketContext, host: RuleHost): boolean {
  return genericMatch(rule, ctx, host);
}

const recentByHost = new WeakMap<RuleHost, RecentTables>();

/** The recent lists of a host (shared by every ruleset compiled for it; listing and tests). */
export function recentTablesOf(host: RuleHost): RecentTables {
  let r = recentByHost.get(host);
  if (r === undefined) {
    r = new RecentTables();
    recentByHost.set(host, r);
  }
  return r;
}

/**
 * A binding environment. Recent lists belong to the host, so they survive a
 * ruleset replace (kernel: a list lives while any rule uses it, and a
 * replacement's rules take it over); pass `recent` to isolate them.
 */
export function createBindEnv(host: RuleHost, recent: RecentTables = recentTablesOf(host)): BindEnv {
  return { host, recent };
}

/** One match with its own state (limit bucket etc.) bound in: call once per rule at compile time. */
export function bindMatch(m: Match, _rule: Rule, env: BindEnv): MatchFn {
  const host = env.host;
  switch (m.name) {
    case 'tcp': return (ctx) => matchTcp(m, ctx);
    case 'udp': return (ctx) => matchUdp(m, ctx);
    case 'icmp': return (ctx) => matchIcmp(m, ctx);
    case 'ah':
    case 'esp': return (ctx) => matchSpi(m, ctx);
    case 'multiport': return (ctx) => matchMultiport(m, ctx);
    case 'tcpmss': return (ctx) => matchTcpmss(m, ctx);
    case 'dscp': return (ctx) => matchDscp(m, ctx);
    case 'tos': return (ctx) => matchTos(m, ctx);
    case 'ttl': return (ctx) => matchTtl(m, ctx);
    case 'length': return (ctx) => matchLength(m, ctx);
    case 'iprange': return (ctx) => matchIprange(m, ctx);
    case 'ecn': return (ctx) => matchEcn(m, ctx);
    case 'mark': return (ctx) => matchMark(m, ctx);
    case 'mac': {
      const mac = macBytes(m.mac), inv = m.invert;
      return (ctx) => matchMacBytes(mac, inv, ctx);
    }
    case 'pkttype': return (ctx) => matchPkttype(m, ctx);
    case 'owner': return (ctx) => matchOwner(m, ctx);
    case 'addrtype': return (ctx) => matchAddrtype(m, ctx, host);
    case 'comment': return () => true;
    case 'unclean': return (ctx) => isUnclean(ctx);
    case 'state':
    case 'conntrack': return (ctx) => matchConntrack(m, ctx, host.ctInfo);
    case 'helper': return (ctx) => matchHelper(m, ctx, host.ctInfo);
    case 'connmark': return (ctx) => matchConnmark(m, ctx, host.ctInfo);
    case 'limit': {
      const bucket = new LimitBucket(m.avg, m.burst);
      return () => bucket.take(host.nowMs());
    }
    case 'recent': {
      const table = env.recent.get(m.listName, m.hitcount);
      return (ctx) => matchRecent(m, table, ctx, host);
    }
    case 'statistic': return bindStatistic(m, host);
    case 'quota': return bindQuota(m.quota, m.invert);
    case 'time': return bindTime(m, host);
    case 'string': return bindString(m);
    case 'hashlimit': return bindHashlimit(m, host);
    case 'dccp': return bindDccp(m);
    case 'sctp': return bindSctp(m);
    case 'connbytes':
      throw new BindError('match \'connbytes\' cannot be evaluated: it needs per-connection packet/byte accounting, which rawgate\'s connection tracking does not keep');
    case 'connlimit':
      throw new BindError('match \'connlimit\' cannot be evaluated: it needs a count of tracked connections per address group, which rawgate\'s connection tracking does not provide');
    case 'cgroup': case 'cluster': case 'connlabel': case 'rateest': case 'set': case 'bpf': case 'ipvs': return bindInfraMatch(m, env);
    case 'u32': case 'cpu': case 'realm': case 'policy': case 'ipcomp': case 'socket': case 'osf': case 'physdev': case 'rpfilter': case 'nfacct': return bindMiscMatch(m);
    default: {
      const never: never = m;
      throw new BindError(`match '${(never as Match).name}' cannot be evaluated`);
    }
  }
}

/** One extension target (not none/verdict/jump/goto) bound for (table, chain) names used in logs. */
export function bindTarget(t: Target, _rule: Rule, env: BindEnv, table: string, chain: string): TargetFn {
  const host = env.host;
  switch (t.kind) {
    case 'MARK': return (ctx) => targetMark(t, ctx);
    case 'TOS': return (ctx) => targetTos(t, ctx);
    case 'DSCP': return (ctx) => targetDscp(t, ctx);
    case 'ECN': return (ctx) => targetEcn(t, ctx);
    case 'TTL': return (ctx) => targetTtl(t, ctx);
    case 'TCPMSS': return (ctx) => targetTcpmss(t, ctx, host);
    case 'CLASSIFY': return (ctx) => targetClassify(t, ctx);
    case 'LOG':
    case 'NFLOG':
    case 'ULOG': return (ctx) => targetLog(t, ctx, host, table, chain);
    case 'REJECT': return (ctx) => targetReject(t, ctx, host);
    case 'MIRROR': return (ctx) => targetMirror(ctx, host);
    case 'SNAT':
    case 'DNAT':
    case 'MASQUERADE':
    case 'REDIRECT':
    case 'NETMAP':
    case 'SAME': return (ctx) => targetNat(t, ctx, host);
    case 'CT':
    case 'NOTRACK':
    case 'CONNMARK': return (ctx) => targetConntrack(t, ctx, host);
    case 'TRACE': return () => Verdict.CONTINUE;
    case 'CHECKSUM': return (ctx) => targetChecksum(t, ctx);
    case 'NFQUEUE': {
      // rawgate has no user-space queue listener: with --queue-bypass the kernel
      // then accepts the packet; without it the verdict is QUEUE, which the
      // dataplane drops as QUEUE_NO_LISTENER (as for -j QUEUE).
      const v = t.bypass ? Verdict.ACCEPT : Verdict.QUEUE;
      return () => v;
    }
    case 'AUDIT': case 'SECMARK': case 'CONNSECMARK': case 'HMARK': case 'RATEEST': case 'SET': case 'SYNPROXY': case 'TPROXY': case 'CLUSTERIP': return bindInfraTarget(t, env);
    case 'TEE': case 'TCPOPTSTRIP': case 'LED': case 'IDLETIMER': return bindMiscTarget(t);
    case 'none':
    case 'verdict':
    case 'jump':
    case 'goto':
      throw new BindError(`target '${t.kind}' is the evaluator's, not an extension`);
    default: {
      const never: never = t;
      throw new BindError(`target '${(never as Target).kind}' cannot be evaluated`);
    }
  }
}
