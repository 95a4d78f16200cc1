/** Conntrack state bits as the state/conntrack matches test them (XT_CONNTRACK_STATE_*). */
export const CtState = {
  INVALID: 1 << 0,
  ESTABLISHED: 1 << 1,
  RELATED: 1 << 2,
  NEW: 1 << 3,
  UNTRACKED: 1 << 8,
  SNAT: 1 << 9,
  DNAT: 1 << 10,
} as const;

/** Conntrack status bits (IPS_*) that --ctstatus names. */
export const CtStatus = { EXPECTED: 1 << 0, SEEN_REPLY: 1 << 1, ASSURED: 1 << 2, CONFIRMED: 1 << 3 } as const;

/** addrtype classes (RTN_* as bits: 1 << RTN_x). */
export const AddrType = {
  UNSPEC: 1 << 0, UNICAST: 1 << 1, LOCAL: 1 << 2, BROADCAST: 1 << 3, ANYCAST: 1 << 4, MULTICAST: 1 << 5,
  BLACKHOLE: 1 << 6, UNREACHABLE: 1 << 7, PROHIBIT: 1 << 8, THROW: 1 << 9, NAT: 1 << 10, XRESOLVE: 1 << 11,
} as const;

/** Link-layer packet type (PACKET_* values), what -m pkttype tests. */
export const PktType = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3 } as const;
