/**
 * RuleHost: what rule evaluation needs from the rest of the router. The
 * dataplane implements it; tests implement it with recorders. Both the
 * interpreter and the JIT call exactly these, so their side effects can be
 * compared. Implementations must not allocate per call on the hot path.
 */
import type { PacketContext } from '../packet/context.js';
import type { Target } from './targets.js';
import type { Verdict } from './verdict.js';

export interface RuleHost {
  /** Monotonic milliseconds (limit/recent). */
  nowMs(): number;
  /** Interface name by index (the -i/-o matches compare names, '+' wildcards). */
  ifName(index: number): string;
  /** MAC source of the frame as 12 lower-case hex digits, '' when no L2. */
  // (the mac match reads ctx.buf directly; kept here for documentation)

  /** LOG / NFLOG / ULOG: record the packet. */
  log(ctx: PacketContext, target: Extract<Target, { kind: 'LOG' | 'NFLOG' | 'ULOG' }>, table: string, chain: string): void;
  /** REJECT: send the reply (ICMP error or TCP RST); the packet is then dropped. */
  reject(ctx: PacketContext, target: Extract<Target, { kind: 'REJECT' }>): void;
  /** MIRROR: swap addresses and send back; the packet is consumed. */
  mirror(ctx: PacketContext): void;
  /** NAT targets (nat table). Returns the verdict (ACCEPT once bound, DROP when exhausted). Filled by the conntrack/NAT layer. */
  nat(ctx: PacketContext, target: Extract<Target, { kind: 'SNAT' | 'DNAT' | 'MASQUERADE' | 'REDIRECT' | 'NETMAP' | 'SAME' }>): Verdict;
  /** Conntrack-related targets (CT, NOTRACK, CONNMARK) and lookups the conntrack match needs. */
  conntrack(ctx: PacketContext, target: Extract<Target, { kind: 'CT' | 'NOTRACK' | 'CONNMARK' }>): void;
  /** Conntrack fields for the conntrack match; filled by the conntrack layer (until then: none). */
  ctInfo: CtView;
  /**
   * Optional. TCPMSS --clamp-mss-to-pmtu: the smaller of the MTU of the packet's
   * route (ctx.outIf / next hop) and of the route back to its source, as the
   * kernel's tcpmss target takes min(dst_mtu, reverse mtu). Absent: 1500.
   */
  pathMtu?(ctx: PacketContext): number;
  /**
   * Optional. addrtype match: AddrType bit set (1 << RTN_*) of `addr`, seen from
   * interface `ifIndex` (-1 = any interface, i.e. the whole routing table). Used
   * when ctx.srcAddrType / dstAddrType is 0 or the rule has --limit-iface-*.
   * Absent: rawgate classifies by address alone (broadcast/multicast/unicast).
   */
  addrType?(addr: number, ifIndex: number): number;
  /**
   * Optional. statistic --mode random: a uniformly random unsigned 32-bit
   * number (the kernel's get_random_u32). Absent: Math.random.
   */
  random32?(): number;
  /** Optional. time match: wall-clock milliseconds since the epoch (UTC). Absent: Date.now. */
  wallClockMs?(): number;
}

/** Read-only view of the packet's conntrack entry (ctx.ctIndex) for the conntrack/helper/connmark matches. */
export interface CtView {
  /** False when ctx has no entry. */
  has(ctx: PacketContext): boolean;
  proto(ctx: PacketContext): number;
  origSrc(ctx: PacketContext): number; origDst(ctx: PacketContext): number;
  replSrc(ctx: PacketContext): number; replDst(ctx: PacketContext): number;
  origSrcPort(ctx: PacketContext): number; origDstPort(ctx: PacketContext): number;
  replSrcPort(ctx: PacketContext): number; replDstPort(ctx: PacketContext): number;
  status(ctx: PacketContext): number;
  /** Remaining lifetime in seconds. */
  expires(ctx: PacketContext): number;
  helper(ctx: PacketContext): string;
  mark(ctx: PacketContext): number;
  /** Packets / bytes the connection has seen in a direction (0 original, 1 reply), this packet included. */
  packets(ctx: PacketContext, dir: number): number;
  bytes(ctx: PacketContext, dir: number): number;
  /**
   * connlimit: the id of the entry in `slot` while it counts as a live
   * connection (nf_conncount: not gone, not a TCP connection in TIME_WAIT or
   * CLOSE), else 0. ctx.ctIndex is the packet's own slot.
   */
  liveId(slot: number): number;
}
