/**
 * Target data, discriminated by `kind`. 'none' is a rule without -j (it only
 * counts); 'verdict' the built-in verdicts; 'jump'/'goto' user chains; every
 * other kind is an extension target named as iptables names it (-j NAME).
 * Fields hold canonical values plus the input form where -L prints it
 * differently from save (MARK, TOS). Targets added since the core set declare
 * their data in their own module (src/iptables/ext/<name>-target.ts) and
 * join the union below; each target's descriptor is in the registry
 * (src/iptables/ext/index.ts).
 */

import type { AuditTarget } from '../iptables/ext/audit-target.js';
import type { ClusteripTarget } from '../iptables/ext/clusterip-target.js';
import type { ConnsecmarkTarget } from '../iptables/ext/connsecmark-target.js';
import type { HmarkTarget } from '../iptables/ext/hmark-target.js';
import type { IdletimerTarget } from '../iptables/ext/idletimer-target.js';
import type { LedTarget } from '../iptables/ext/led-target.js';
import type { RateestTarget } from '../iptables/ext/rateest-target.js';
import type { SetTarget } from '../iptables/ext/set.js';
import type { SynproxyTarget } from '../iptables/ext/synproxy-target.js';
import type { TcpoptstripTarget } from '../iptables/ext/tcpoptstrip-target.js';
import type { TeeTarget } from '../iptables/ext/tee-target.js';
import type { TproxyTarget } from '../iptables/ext/tproxy-target.js';

export interface NatRange {
  /** Address range (0/0 when only ports are given). */
  minIp: number; maxIp: number;
  /** Port range (0/0 when no ports are given). */
  minPort: number; maxPort: number;
  /** Base port for the /base form (0 = none). */
  basePort: number;
  /** Text-side flags (NF_NAT_RANGE_MAP_IPS / PROTO_SPECIFIED): the input named
   *  addresses / ports, even 0.0.0.0 or port 0. Absent = infer from non-zero values. */
  mapIps?: boolean;
  protoSpecified?: boolean;
}

export type Target =
  | { kind: 'none' }
  | { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE' }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  | { kind: 'LOG'; level: number; prefix: string; /** bit 0 tcp-sequence, 1 tcp-options, 2 ip-options, 3 uid */ flags: number }
  | { kind: 'NFLOG'; group: number; prefix: string; size?: number; threshold?: number }
  | { kind: 'ULOG'; group: number; prefix: string; cprange: number; qthreshold: number }
  | { kind: 'REJECT'; with: RejectWith }
  | { kind: 'MARK'; value: number; mask: number; form: 'set' | 'xset' | 'and' | 'or' | 'xor' }
  | { kind: 'CONNMARK'; mode: 'set' | 'save' | 'restore'; ctmark: number; ctmask: number; nfmask: number; form: string }
  | { kind: 'TOS'; value: number; mask: number; form: 'set' | 'and' | 'or' | 'xor' | 'symbolic' }
  | { kind: 'DSCP'; dscp: number }
  | { kind: 'ECN'; removeEce: boolean; setCwr?: number; setEce?: number; ipEct?: number }
  | { kind: 'TTL'; mode: 'set' | 'inc' | 'dec'; value: number }
  | { kind: 'TCPMSS'; mss: number; /** true = --clamp-mss-to-pmtu */ clamp: boolean }
  | { kind: 'CLASSIFY'; priority: number }
  | { kind: 'SNAT' | 'DNAT'; range: NatRange | null; random: boolean; randomFully: boolean; persistent: boolean }
  | { kind: 'MASQUERADE'; minPort: number; maxPort: number; random: boolean; randomFully: boolean; /** --to-ports given (even 0) */ portsGiven?: boolean; /** text only: a /base was given (iptables prints "/0") */ shifted?: boolean }
  | { kind: 'REDIRECT'; minPort: number; maxPort: number; random: boolean; /** --to-ports given (even 0) */ portsGiven?: boolean }
  | { kind: 'NETMAP'; addr: number; mask: number }
  | { kind: 'SAME'; ranges: NatRange[]; nodst: boolean; random: boolean }
  | { kind: 'MIRROR' }
  | { kind: 'NOTRACK' }
  | { kind: 'CT'; notrack: boolean; helper: string; zone: number; /** --ctevents / --expevents bit sets (IPCT_* / IPEXP_* order); text only */ ctevents?: number; expevents?: number }
  | { kind: 'TRACE' }
  /** --checksum-fill: recompute the TCP/UDP checksum. */
  | { kind: 'CHECKSUM'; fill: boolean }
  /** Queue to user space: queues num..num+total-1; bypass = accept when no program listens. */
  | { kind: 'NFQUEUE'; num: number; total: number; bypass: boolean; cpuFanout: boolean }
  | TeeTarget | TcpoptstripTarget | LedTarget | IdletimerTarget
  | AuditTarget | ConnsecmarkTarget | HmarkTarget | RateestTarget | SetTarget | SynproxyTarget | TproxyTarget
  | ClusteripTarget;

export type TargetKind = Target['kind'];

export type RejectWith =
  | 'icmp-net-unreachable' | 'icmp-host-unreachable' | 'icmp-port-unreachable'
  | 'icmp-proto-unreachable' | 'icmp-net-prohibited' | 'icmp-host-prohibited'
  | 'icmp-admin-prohibited' | 'tcp-reset';
