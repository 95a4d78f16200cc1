/**
 * Every extension beyond the core protocol matches: the -m matches and -j
 * targets rawgate supports (one module each under src/iptables/ext/).
 * ACCEPT/DROP/RETURN/QUEUE are standard verdicts, handled by the core.
 */
import type { MatchExt, TargetExt } from './types.js';
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
import { INFRA_MATCHES, INFRA_TARGETS } from './infra-exts.js';
import { MISC_MATCHES, MISC_TARGETS } from './misc-exts.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const MORE_MATCHES: MatchExt<any>[] = [
  ahMatch, espMatch, conntrackMatch, stateMatch, dscpMatch, ecnMatch, helperMatch, iprangeMatch, lengthMatch,
  limitMatch, macMatch, markMatch, multiportMatch, ownerMatch, pkttypeMatch, recentMatch, tcpmssMatch, tosMatch,
  ttlMatch, uncleanMatch, addrtypeMatch, connmarkMatch, statisticMatch,
  quotaMatch, timeMatch, stringMatch, connbytesMatch, connlimitMatch,
  hashlimitMatch, dccpMatch, sctpMatch,
  ...INFRA_MATCHES,
  ...MISC_MATCHES,
];
export const MORE_TARGETS: TargetExt<any>[] = [
  classifyTarget, dnatTarget, snatTarget, masqueradeTarget, redirectTarget, netmapTarget, sameTarget, dscpTarget,
  ecnTarget, logTarget, ulogTarget, nflogTarget, markTarget, mirrorTarget, rejectTarget, tcpmssTarget, tosTarget,
  ttlTarget, notrackTarget, ctTarget, connmarkTarget, traceTarget, checksumTarget, nfqueueTarget,
  ...INFRA_TARGETS,
  ...MISC_TARGETS,
];
