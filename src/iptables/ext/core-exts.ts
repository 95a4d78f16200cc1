/** Core extensions (owned by the iptables core): tcp, udp, icmp, comment. */
import type { MatchExt, TargetExt } from './types.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
export const CORE_MATCHES: MatchExt<any>[] = [];
export const CORE_TARGETS: TargetExt<any>[] = [];
