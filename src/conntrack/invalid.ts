/**
 * Why conntrack marked a packet INVALID. Conntrack never drops for these (the
 * rules decide, as in the kernel: `-m state --state INVALID -j DROP`); it
 * counts them, and the name is the metric label and the log field.
 * Invariant: codes are dense (0..N-1) so counters can be a Float64Array
 * indexed by code. Add new reasons at the end.
 */
export const InvalidReason = {
  NONE: 0,
  // TCP (tcp_error, tcp_new, the state table, tcp_in_window)
  TCP_TRUNCATED: 1,
  TCP_BAD_CHECKSUM: 2,
  TCP_BAD_FLAGS: 3,
  /** First segment of an unknown connection is not a SYN (nor an ACK under tcp_loose). */
  TCP_INVALID_NEW: 4,
  /** The state table says sIV for this segment in this state. */
  TCP_INVALID_STATE: 5,
  /** SEQ over the receiver's window (check I failed beyond tolerance). */
  TCP_SEQ_OVER_WINDOW: 6,
  /** ACK for data not seen yet (check III). */
  TCP_ACK_OVER_WINDOW: 7,
  /** RST whose sequence number is before the receiver's td_maxack. */
  TCP_INVALID_RST: 8,
  // UDP
  UDP_TRUNCATED: 9,
  UDP_BAD_LENGTH: 10,
  UDP_BAD_CHECKSUM: 11,
  // ICMP
  ICMP_TRUNCATED: 12,
  ICMP_BAD_CHECKSUM: 13,
  ICMP_BAD_TYPE: 14,
  /** A type that cannot start a connection (echo reply without a request, ...). */
  ICMP_INVALID_NEW: 15,
  /** An ICMP error whose quoted header matches no connection. */
  ICMP_ERROR_NO_CONNECTION: 16,
  /** An ICMP error whose outer destination is not the connection's address in that direction. */
  ICMP_ERROR_BAD_OUTER: 17,
  /** An ICMP error quoting a non-first fragment or a truncated header. */
  ICMP_ERROR_BAD_INNER: 18,
} as const;
export type InvalidReason = (typeof InvalidReason)[keyof typeof InvalidReason];

/** Label for each code, snake case, as used in metrics and logs. */
export const INVALID_REASON_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [k, v] of Object.entries(InvalidReason)) names[v] = k.toLowerCase();
  return names;
})();

export const INVALID_REASON_COUNT = INVALID_REASON_NAMES.length;
