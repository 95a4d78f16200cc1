/**
 * DropReason: why a packet was dropped. The numeric code is what the hot path
 * carries; the name is the metric label and the log field, the same string in
 * both places. Invariant: codes are dense (0..N-1) so counters can be a
 * Float64Array indexed by code. Add new reasons at the end.
 */
export const DropReason = {
  NONE: 0,
  // L2 / parse
  FRAME_TRUNCATED: 1,
  NOT_IPV4: 2,
  IP_TRUNCATED: 3,
  IP_BAD_VERSION: 4,
  IP_BAD_IHL: 5,
  IP_BAD_TOTAL_LENGTH: 6,
  IP_BAD_CHECKSUM: 7,
  L4_TRUNCATED: 8,
  ARP_MALFORMED: 9,
  // forwarding
  TTL_EXPIRED: 10,
  NO_ROUTE: 11,
  NEIGHBOUR_FAILED: 12,
  NEIGHBOUR_QUEUE_FULL: 13,
  FRAG_NEEDED: 14,
  FRAGMENTATION_FAILED: 15,
  NOT_FOR_US: 16,
  MARTIAN_SOURCE: 17,
  UNSUPPORTED_PROTOCOL: 18,
  // rules
  FILTER_DROP: 19,
  POLICY_DROP: 20,
  REJECTED: 21,
  QUEUE_NO_LISTENER: 22,
  // io
  TX_RING_FULL: 23,
  TX_EAGAIN: 24,
  TX_ERROR: 25,
  HOST_PORT_DOWN: 26,
  // conntrack / defrag / nat (roadmap)
  CT_TABLE_FULL: 27,
  CT_INVALID: 28,
  DEFRAG_OVERLAP: 29,
  DEFRAG_TIMEOUT: 30,
  DEFRAG_MEMORY: 31,
  DEFRAG_OVERSIZE: 32,
  NAT_EXHAUSTED: 33,
  LOOPBACK_ADDRESS: 34,
  /** A fragment wholly inside what the queue already holds (dropped alone; the queue lives on). */
  DEFRAG_DUPLICATE: 35,
  /** Zero-length fragment, or a last fragment that contradicts the queue: the whole datagram goes. */
  DEFRAG_MALFORMED: 36,
  /** ipfrag_max_dist: too many other fragments from the source since this queue grew; it restarts. */
  DEFRAG_DISORDER: 37,
  /** A conntrack helper refused the packet (partial FTP command, no expectation, mangling failed, seqadj). */
  CT_HELPER: 38,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Label for each code, snake case, as used in metrics and logs. */
export const DROP_REASON_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [k, v] of Object.entries(DropReason)) names[v] = k.toLowerCase();
  return names;
})();

export const DROP_REASON_COUNT = DROP_REASON_NAMES.length;
