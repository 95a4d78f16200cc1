/**
 * Match data, one interface per extension, discriminated by `name` (the -m
 * name iptables-save prints). Extensions added since the core set declare
 * their data in their own module (src/iptables/ext/<name>.ts) and join the
 * union below. Fields hold the parsed, canonical values (what
 * the kernel's xt_*_info would hold); anything the text layer needs to print
 * the rule back exactly (input form variants) is kept too.
 * Ranges are inclusive [lo, hi]. `inv*` is the "!" of the option it follows.
 */

import type { BpfMatch } from '../iptables/ext/bpf.js';
import type { CgroupMatch } from '../iptables/ext/cgroup.js';
import type { ClusterMatch } from '../iptables/ext/cluster.js';
import type { ConnlabelMatch } from '../iptables/ext/connlabel.js';
import type { CpuMatch } from '../iptables/ext/cpu.js';
import type { IpcompMatch } from '../iptables/ext/ipcomp.js';
import type { IpvsMatch } from '../iptables/ext/ipvs.js';
import type { NfacctMatch } from '../iptables/ext/nfacct.js';
import type { OsfMatch } from '../iptables/ext/osf.js';
import type { PhysdevMatch } from '../iptables/ext/physdev.js';
import type { PolicyMatch } from '../iptables/ext/policy.js';
import type { RateestMatch } from '../iptables/ext/rateest.js';
import type { RealmMatch } from '../iptables/ext/realm.js';
import type { RpfilterMatch } from '../iptables/ext/rpfilter.js';
import type { SetMatch } from '../iptables/ext/set.js';
import type { SocketMatch } from '../iptables/ext/socket.js';
import type { U32Match } from '../iptables/ext/u32.js';

export interface PortRange { lo: number; hi: number }
export interface AddrMask { addr: number; mask: number }

export interface TcpMatch {
  name: 'tcp';
  sport: PortRange; invSport: boolean;
  dport: PortRange; invDport: boolean;
  /** --tcp-flags mask comp (0/0 = no test). */
  flagsMask: number; flagsCmp: number; invFlags: boolean;
  /** --tcp-option N, 0 = absent. */
  option: number; invOption: boolean;
}
export interface UdpMatch {
  name: 'udp';
  sport: PortRange; invSport: boolean;
  dport: PortRange; invDport: boolean;
}
export interface IcmpMatch {
  name: 'icmp';
  /** 255 = any. */
  type: number; codeLo: number; codeHi: number; invert: boolean;
}
export interface SpiMatch { name: 'ah' | 'esp'; spiLo: number; spiHi: number; invert: boolean }

export interface ConntrackMatch {
  name: 'conntrack' | 'state';
  /** CtState bits; undefined = option absent. */
  state?: number; invState?: boolean;
  proto?: number; invProto?: boolean;
  origSrc?: AddrMask; invOrigSrc?: boolean;
  origDst?: AddrMask; invOrigDst?: boolean;
  replSrc?: AddrMask; invReplSrc?: boolean;
  replDst?: AddrMask; invReplDst?: boolean;
  origSrcPort?: PortRange; invOrigSrcPort?: boolean;
  origDstPort?: PortRange; invOrigDstPort?: boolean;
  replSrcPort?: PortRange; invReplSrcPort?: boolean;
  replDstPort?: PortRange; invReplDstPort?: boolean;
  /** CtStatus bits; 0 with the option present = NONE. */
  status?: number; invStatus?: boolean;
  /** Remaining lifetime in seconds. */
  expire?: PortRange; invExpire?: boolean;
  dir?: 'ORIGINAL' | 'REPLY';
}
export interface DscpMatch { name: 'dscp'; dscp: number; invert: boolean }
export interface EcnMatch {
  name: 'ecn';
  ece?: boolean; invEce?: boolean;
  cwr?: boolean; invCwr?: boolean;
  /** --ecn-ip-ect 0..3. */
  ect?: number; invEct?: boolean;
}
export interface HelperMatch { name: 'helper'; helper: string; invert: boolean }
export interface IprangeMatch {
  name: 'iprange';
  src?: { lo: number; hi: number }; invSrc?: boolean;
  dst?: { lo: number; hi: number }; invDst?: boolean;
}
export interface LengthMatch { name: 'length'; lo: number; hi: number; invert: boolean }
export interface LimitMatch {
  name: 'limit';
  /** Period per packet in 1/10000 s (XT_LIMIT_SCALE), as the kernel stores it. */
  avg: number;
  burst: number;
}
export interface MacMatch { name: 'mac'; /** 12 lower-case hex digits, no colons. */ mac: string; invert: boolean }
export interface MarkMatch { name: 'mark'; mark: number; mask: number; invert: boolean }
export interface MultiportMatch {
  name: 'multiport';
  which: 'src' | 'dst' | 'any';
  ports: PortRange[];
  invert: boolean;
  /** The rule's -p when parsed (only for -L's service names without -n). */
  proto?: number;
}
export interface OwnerMatch {
  name: 'owner';
  uid?: { lo: number; hi: number }; invUid?: boolean;
  gid?: { lo: number; hi: number }; invGid?: boolean;
  socketExists?: boolean; invSocketExists?: boolean;
  supplGroups?: boolean;
}
export interface PkttypeMatch { name: 'pkttype'; /** PktType value. */ type: number; invert: boolean }
export interface RecentMatch {
  name: 'recent';
  mode: 'set' | 'rcheck' | 'update' | 'remove';
  invert: boolean;
  seconds: number; reap: boolean; hitcount: number; rttl: boolean;
  listName: string;
  mask: number;
  side: 'source' | 'dest';
}
export interface TcpmssMatch { name: 'tcpmss'; lo: number; hi: number; invert: boolean }
export interface TosMatch { name: 'tos'; value: number; mask: number; invert: boolean }
export interface TtlMatch { name: 'ttl'; mode: 'eq' | 'ne' | 'lt' | 'gt'; value: number }
/** The tutorial's unclean match: packets with malformed or odd headers (rawgate's own checks). */
export interface UncleanMatch { name: 'unclean' }
export interface CommentMatch { name: 'comment'; comment: string }
export interface AddrtypeMatch {
  name: 'addrtype';
  /** AddrType bit sets; 0 = not tested. */
  src: number; invSrc: boolean;
  dst: number; invDst: boolean;
  limitIfaceIn: boolean; limitIfaceOut: boolean;
}
export interface ConnmarkMatch { name: 'connmark'; mark: number; mask: number; invert: boolean }
/** Bytes (IP total length) allowed through before the match stops; decimal text of a u64. */
export interface QuotaMatch { name: 'quota'; quota: string; invert: boolean }
export interface TimeMatch {
  name: 'time';
  /** UTC seconds (u32); defaults 0 and INT_MAX. */
  dateStart: number; dateStop: number;
  /** Seconds of the day, 0..86399. */
  daytimeStart: number; daytimeStop: number;
  /** Bit i = day i of the month (1..31) / weekday i (1 Mon .. 7 Sun). */
  monthdays: number; weekdays: number;
  kernelTz: boolean; contiguous: boolean;
}
export interface StringMatch {
  name: 'string';
  algo: string;
  /** The bytes searched for (1..128). */
  pattern: number[];
  /** Byte offsets from the IP header: the occurrence must lie within [from, to). */
  from: number; to: number;
  invert: boolean; icase: boolean;
}
/** Conntrack accounting; from > to means "!" (the kernel's form). u64 decimal text. */
export interface ConnbytesMatch {
  name: 'connbytes';
  from: string; to: string;
  dir: 'original' | 'reply' | 'both';
  mode: 'packets' | 'bytes' | 'avgpkt';
}
/** Connections per address group: matches above `limit` (or up to it when `upto`). */
export interface ConnlimitMatch { name: 'connlimit'; limit: number; upto: boolean; maskLen: number; daddr: boolean }
/**
 * Per-flow rate limit (xt_hashlimit revision 3). `mode` holds the kernel's
 * XT_HASHLIMIT_* bits (HASH_DIP 1, HASH_DPT 2, HASH_SIP 4, HASH_SPT 8, INVERT
 * 0x10, BYTES 0x20, RATE_MATCH 0x40). `avg`: packets mode, the period in
 * 1/1000000 s; bytes mode, the kernel's cost. `burst`: packets, or bytes-mode
 * multiples of the rate. Times in ms; `interval` in seconds (rate-match).
 */
export interface HashlimitMatch {
  name: 'hashlimit';
  hashName: string;
  mode: number; avg: number; burst: number;
  size: number; max: number; gcInterval: number; expire: number;
  srcmask: number; dstmask: number; interval: number;
}
/** -m dccp: each test present only when its option was given. `types`: bit i = DCCP packet type i. */
export interface DccpMatch {
  name: 'dccp';
  sport?: PortRange; invSport?: boolean;
  dport?: PortRange; invDport?: boolean;
  types?: number; invTypes?: boolean;
  option?: number; invOption?: boolean;
}
/**
 * -m sctp. `chunks`: the chunk types of the chunk map (sorted; 256 = ALL).
 * `flags[].chunktype` is stored as iptables stores it (see ext/sctp.ts).
 */
export interface SctpMatch {
  name: 'sctp';
  sport?: PortRange; invSport?: boolean;
  dport?: PortRange; invDport?: boolean;
  chunksGiven?: boolean; invChunks?: boolean;
  chunkMatch: 'any' | 'all' | 'only';
  chunks: number[];
  flags: { chunktype: number; flag: number; mask: number }[];
}
export interface StatisticMatch {
  name: 'statistic';
  mode: 'random' | 'nth';
  invert: boolean;
  /** random: matches when a random 31-bit number is below this (round(p * 2^31)). */
  probability: number;
  /** nth: n - 1 (the kernel's form), and the initial counter p (0 <= p <= every). */
  every: number;
  packet: number;
}

/**
 * Every match's data. An extension joins with its type here and its
 * descriptor in the registry (src/iptables/ext/index.ts). One rawgate cannot
 * evaluate (connbytes, connlimit: no conntrack accounting) loads, lists and
 * saves like iptables, but its descriptor's bind throws BindError naming it,
 * so a ruleset using it is refused by the dataplane rather than loaded and
 * mis-evaluated.
 */
export type Match =
  | TcpMatch | UdpMatch | IcmpMatch | SpiMatch | ConntrackMatch | DscpMatch | EcnMatch
  | HelperMatch | IprangeMatch | LengthMatch | LimitMatch | MacMatch | MarkMatch
  | MultiportMatch | OwnerMatch | PkttypeMatch | RecentMatch | TcpmssMatch | TosMatch
  | TtlMatch | UncleanMatch | CommentMatch | AddrtypeMatch | ConnmarkMatch | StatisticMatch
  | QuotaMatch | TimeMatch | StringMatch | ConnbytesMatch | ConnlimitMatch | HashlimitMatch
  | DccpMatch | SctpMatch
  | U32Match | CpuMatch | RealmMatch | PolicyMatch | IpcompMatch | SocketMatch | OsfMatch
  | PhysdevMatch | RpfilterMatch | NfacctMatch
  | CgroupMatch | ClusterMatch | ConnlabelMatch | RateestMatch | SetMatch | BpfMatch | IpvsMatch;

export type MatchName = Match['name'];
