/**
 * The table interface the `conntrack` command line runs against, and the
 * kernel's constants it prints. Invariants: addresses are unsigned 32-bit
 * host-order numbers; a CtRecord is a snapshot (the CLI never mutates one,
 * changes go through CtSource); list() order is the output order.
 */

/** One direction's tuple. */
export interface CtTupleRecord {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  icmpType: number;
  icmpCode: number;
  icmpId: number;
}

/** One entry as the table reports it (off the packet path; plain objects are fine here). */
export interface CtRecord {
  id: number;
  proto: number;
  /** Seconds remaining. */
  timeout: number;
  /** 0..9 as TCP_STATE_NAMES; -1 if not TCP. */
  tcpState: number;
  orig: CtTupleRecord;
  reply: CtTupleRecord;
  /** IPS_* bits. */
  status: number;
  mark: number;
  /** 0 is the default zone (never printed, as ctnetlink does not send it). */
  zone: number;
  /** '' when no helper is attached. */
  helper: string;
  /** Reference count as a dump shows it (a -G answer shows one more, the kernel's own). */
  use: number;
}

export interface CtStats {
  found: number;
  invalid: number;
  insert: number;
  insert_failed: number;
  drop: number;
  early_drop: number;
  error: number;
  search_restart: number;
  clash_resolve: number;
  chaintoolong: number;
}

export type CtEventType = 'NEW' | 'UPDATE' | 'DESTROY';

/** Who caused an event when it was a netlink user (conntrack -D, -F, ...): printed as `[USERSPACE] portid=N [progname=X]`. */
export interface CtEventOrigin {
  portid: number;
  progname?: string;
}

export interface CtSource {
  list(): Iterable<CtRecord>;
  count(): number;
  delete(id: number): boolean;
  flush(): number;
  /** -U: change mark (and optionally others) of an entry. */
  update?(id: number, change: { mark?: number }): boolean;
  /** One per "cpu". */
  stats(): CtStats[];
  subscribe(cb: (type: CtEventType, rec: CtRecord, origin?: CtEventOrigin) => void): () => void;
}

export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
}

// include/uapi/linux/netfilter/nf_conntrack_common.h
export const IPS_EXPECTED = 1 << 0;
export const IPS_SEEN_REPLY = 1 << 1;
export const IPS_ASSURED = 1 << 2;
export const IPS_CONFIRMED = 1 << 3;
export const IPS_SRC_NAT = 1 << 4;
export const IPS_DST_NAT = 1 << 5;
export const IPS_FIXED_TIMEOUT = 1 << 10;
export const IPS_OFFLOAD = 1 << 14;
export const IPS_HW_OFFLOAD = 1 << 15;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** tcp_conntrack_names, index = CtRecord.tcpState. */
export const TCP_STATE_NAMES = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT',
  'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
] as const;

/** libnetfilter_conntrack's l4 names; everything else prints as `unknown`. */
export const L4_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp', 6: 'tcp', 17: 'udp', 33: 'dccp', 47: 'gre', 58: 'icmpv6', 132: 'sctp', 136: 'udplite',
};

/** The version rawgate's output claims to be, byte for byte. */
export const CT_PROGNAME = 'conntrack';
export const CT_VERSION = '1.4.7';
export const CT_BANNER = `${CT_PROGNAME} v${CT_VERSION} (conntrack-tools)`;
