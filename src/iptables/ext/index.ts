/**
 * The extension registry: the one list of every -m match and -j target
 * rawgate knows, each a descriptor (types.ts) in its own module. The text
 * layer (parse, save, -L, kernel checks), binding (rules/bind.ts) and the JIT
 * (emit.ts, box.ts, describe.ts) all find an extension here by name, so adding
 * one is its module plus one line below (and its data type in the Match or
 * Target union). ACCEPT/DROP/RETURN/QUEUE are standard verdicts, handled by
 * the core, not extensions.
 */
import type { MatchExt, TargetExt } from './types.js';
import { tcpMatch } from './tcp.js';
import { udpMatch } from './udp.js';
import { icmpMatch } from './icmp.js';
import { commentMatch } from './comment.js';
import { ahMatch } from './ah.js';
import { espMatch } from './esp.js';
import { conntrackMatch } from './conntrack.js';
import { stateMatch } from './state.js';
import { dscpMatch } from './dscp.js';
import { ecnMatch } from './ecn.js';
import { helperMatch } from './helper.js';
import { iprangeMatch } from './iprange.js';
import { lengthMatch } from './length.js';
import { limitMatch } from './limit.js';
import { macMatch } from './mac.js';
import { markMatch } from './mark.js';
import { multiportMatch } from './multiport.js';
import { ownerMatch } from './owner.js';
import { pkttypeMatch } from './pkttype.js';
import { recentMatch } from './recent.js';
import { tcpmssMatch } from './tcpmss.js';
import { tosMatch } from './tos.js';
import { ttlMatch } from './ttl.js';
import { uncleanMatch } from './unclean.js';
import { addrtypeMatch } from './addrtype.js';
import { connmarkMatch } from './connmark.js';
import { statisticMatch } from './statistic.js';
import { quotaMatch } from './quota.js';
import { timeMatch } from './time.js';
import { stringMatch } from './string.js';
import { connbytesMatch } from './connbytes.js';
import { connlimitMatch } from './connlimit.js';
import { hashlimitMatch } from './hashlimit.js';
import { dccpMatch } from './dccp.js';
import { sctpMatch } from './sctp.js';
import { cgroupMatch } from './cgroup.js';
import { clusterMatch } from './cluster.js';
import { connlabelMatch } from './connlabel.js';
import { rateestMatch } from './rateest.js';
import { setMatch, setTarget } from './set.js';
import { bpfMatch } from './bpf.js';
import { ipvsMatch } from './ipvs.js';
import { u32Match } from './u32.js';
import { cpuMatch } from './cpu.js';
import { realmMatch } from './realm.js';
import { policyMatch } from './policy.js';
import { ipcompMatch } from './ipcomp.js';
import { socketMatch } from './socket.js';
import { osfMatch } from './osf.js';
import { physdevMatch } from './physdev.js';
import { rpfilterMatch } from './rpfilter.js';
import { nfacctMatch } from './nfacct.js';
import { classifyTarget } from './classify-target.js';
import { dnatTarget } from './dnat-target.js';
import { snatTarget } from './snat-target.js';
import { masqueradeTarget } from './masquerade-target.js';
import { redirectTarget } from './redirect-target.js';
import { netmapTarget } from './netmap-target.js';
import { sameTarget } from './same-target.js';
import { dscpTarget } from './dscp-target.js';
import { ecnTarget } from './ecn-target.js';
import { logTarget } from './log-target.js';
import { ulogTarget } from './ulog-target.js';
import { nflogTarget } from './nflog-target.js';
import { markTarget } from './mark-target.js';
import { mirrorTarget } from './mirror-target.js';
import { rejectTarget } from './reject-target.js';
import { tcpmssTarget } from './tcpmss-target.js';
import { tosTarget } from './tos-target.js';
import { ttlTarget } from './ttl-target.js';
import { notrackTarget } from './notrack-target.js';
import { ctTarget } from './ct-target.js';
import { connmarkTarget } from './connmark-target.js';
import { traceTarget } from './trace-target.js';
import { checksumTarget } from './checksum-target.js';
import { nfqueueTarget } from './nfqueue-target.js';
import { auditTarget } from './audit-target.js';
import { connsecmarkTarget } from './connsecmark-target.js';
import { hmarkTarget } from './hmark-target.js';
import { rateestTarget } from './rateest-target.js';
import { synproxyTarget } from './synproxy-target.js';
import { tproxyTarget } from './tproxy-target.js';
import { clusteripTarget } from './clusterip-target.js';
import { teeTarget } from './tee-target.js';
import { tcpoptstripTarget } from './tcpoptstrip-target.js';
import { ledTarget } from './led-target.js';
import { idletimerTarget } from './idletimer-target.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const MATCHES: readonly MatchExt<any>[] = [
  tcpMatch, udpMatch, icmpMatch, commentMatch, ahMatch, espMatch, conntrackMatch, stateMatch, dscpMatch,
  ecnMatch, helperMatch, iprangeMatch, lengthMatch, limitMatch, macMatch, markMatch, multiportMatch,
  ownerMatch, pkttypeMatch, recentMatch, tcpmssMatch, tosMatch, ttlMatch, uncleanMatch, addrtypeMatch,
  connmarkMatch, statisticMatch, quotaMatch, timeMatch, stringMatch, connbytesMatch, connlimitMatch,
  hashlimitMatch, dccpMatch, sctpMatch, cgroupMatch, clusterMatch, connlabelMatch, rateestMatch, setMatch,
  bpfMatch, ipvsMatch, u32Match, cpuMatch, realmMatch, policyMatch, ipcompMatch, socketMatch, osfMatch,
  physdevMatch, rpfilterMatch, nfacctMatch,
];
const TARGETS: readonly TargetExt<any>[] = [
  classifyTarget, dnatTarget, snatTarget, masqueradeTarget, redirectTarget, netmapTarget, sameTarget,
  dscpTarget, ecnTarget, logTarget, ulogTarget, nflogTarget, markTarget, mirrorTarget, rejectTarget,
  tcpmssTarget, tosTarget, ttlTarget, notrackTarget, ctTarget, connmarkTarget, traceTarget, checksumTarget,
  nfqueueTarget, auditTarget, connsecmarkTarget, hmarkTarget, rateestTarget, setTarget, synproxyTarget,
  tproxyTarget, clusteripTarget, teeTarget, tcpoptstripTarget, ledTarget, idletimerTarget,
];

const matches = new Map<string, MatchExt<any>>();
const targets = new Map<string, TargetExt<any>>();
for (const m of MATCHES) {
  matches.set(m.name, m);
  for (const a of m.aliases ?? []) matches.set(a, m);
}
for (const t of TARGETS) targets.set(t.name, t);

export function findMatch(name: string): MatchExt<any> | undefined {
  return matches.get(name);
}
export function findTarget(name: string): TargetExt<any> | undefined {
  return targets.get(name);
}
/** Every registered match, in registry order. */
export function allMatches(): readonly MatchExt<any>[] {
  return MATCHES;
}
/** Every registered target, in registry order. */
export function allTargets(): readonly TargetExt<any>[] {
  return TARGETS;
}
