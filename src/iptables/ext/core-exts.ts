/** Core extensions (owned by the iptables core): tcp, udp, icmp, comment. */
import type { MatchExt, TargetExt } from './types.js';
import { tcpMatch } from './tcp.js';
import { udpMatch } from './udp.js';
import { icmpMatch } from './icmp.js';
import { commentMatch } from './comment.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
export const CORE_MATCHES: MatchExt<any>[] = [tcpMatch, udpMatch, icmpMatch, commentMatch];
export const CORE_TARGETS: TargetExt<any>[] = [];
