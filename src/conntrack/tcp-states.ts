/**
 * The TCP conntrack states and the kernel's v6 transition table
 * (tcp_conntracks[][][] of nf_conntrack_proto_tcp.c), with the flag
 * combinations tcp_error() accepts.
 * Invariants: state numbers are the kernel's enum tcp_conntrack (0..9, the
 * values ctnetlink and /proc use); table cells are a state, S_INVALID (sIV)
 * or S_IGNORE (sIG); the table is read-only data, indexed without bounds
 * checks by dir (0/1) * 60 + segment index (0..5) * 10 + state (0..9).
 */

export const TcpState = {
  NONE: 0, SYN_SENT: 1, SYN_RECV: 2, ESTABLISHED: 3, FIN_WAIT: 4,
  CLOSE_WAIT: 5, LAST_ACK: 6, TIME_WAIT: 7, CLOSE: 8, SYN_SENT2: 9,
} as const;
export type TcpState = (typeof TcpState)[keyof typeof TcpState];

/** As /proc/net/nf_conntrack and conntrack -L print them (tcp_conntrack_names). */
export const TCP_STATE_NAMES: readonly string[] = Object.freeze([
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT',
  'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
]);

const { SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2 } = TcpState;
/** sIV (TCP_CONNTRACK_MAX) and sIG (TCP_CONNTRACK_IGNORE) in the table. */
export const S_INVALID = 10;
export const S_IGNORE = 11;

const sSS = SYN_SENT, sSR = SYN_RECV, sES = ESTABLISHED, sFW = FIN_WAIT, sCW = CLOSE_WAIT;
const sLA = LAST_ACK, sTW = TIME_WAIT, sCL = CLOSE, sS2 = SYN_SENT2, sIV = S_INVALID, sIG = S_IGNORE;

/**
 * tcp_conntracks[dir][index][old_state] of v6, flattened:
 * TCP_STATE_TABLE[dir * 60 + index * 10 + old]. Rows: syn, synack, fin, ack, rst, none.
 */
export const TCP_STATE_TABLE: Readonly<Uint8Array> = Uint8Array.from([
  // ORIGINAL  sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2
  /* syn    */ sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2,
  /* synack */ sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR,
  /* fin    */ sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /* ack    */ sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV,
  /* rst    */ sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /* none   */ sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
  // REPLY
  /* syn    */ sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2,
  /* synack */ sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR,
  /* fin    */ sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /* ack    */ sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG,
  /* rst    */ sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /* none   */ sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
]);

/** tcp_valid_flags, indexed by the flags without ECE, CWR and PSH (TCP_FLAG_MASK). */
export const TCP_VALID_FLAGS: Readonly<Uint8Array> = (() => {
  const v = new Uint8Array(64);
  // SYN, SYN|URG, SYN|ACK, RST, RST|ACK, FIN|ACK, FIN|ACK|URG, ACK, ACK|URG
  for (const f of [0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30]) v[f] = 1;
  return v;
})();
export const TCP_FLAG_MASK = 0x37; // ~(ECE | CWR | PSH) within the flags byte
