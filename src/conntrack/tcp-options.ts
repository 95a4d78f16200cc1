/**
 * TCP option parsing for connection tracking: window scale and SACK-permitted
 * from SYN / SYN-ACK (the kernel's tcp_options()), and the highest SACK right
 * edge of a segment (tcp_sack()).
 *
 * Invariants:
 * - The walk is conntrack's, not xt_tcpudp's: EOL stops it, a length below 2
 *   stops it ("silly options"), and an option that does not fit in what is
 *   left of the header stops it (partial options are never parsed). What was
 *   found before the stop still counts.
 * - Callers pass hdrLen already checked (20 <= hdrLen <= bytes available), so
 *   nothing here reads past l4Off + hdrLen. Nothing allocates; results are
 *   numbers.
 */
import { rd32 } from '../packet/bytes.js';
import { TCPOPT_EOL, TCPOPT_NOP, TCPOPT_SACK, TCPOPT_SACK_PERM, TCPOPT_TIMESTAMP, TCPOPT_WINDOW } from '../packet/tcp.js';

/** Per-direction flags (include/uapi/linux/netfilter/nf_conntrack_tcp.h). */
export const TcpCtFlag = {
  WINDOW_SCALE: 0x01,
  SACK_PERM: 0x02,
  /** This side sent the first FIN. */
  CLOSE_INIT: 0x04,
  BE_LIBERAL: 0x08,
  DATA_UNACKNOWLEDGED: 0x10,
  MAXACK_SET: 0x20,
  /** last_flags only: a SYN was let through in LAST_ACK, its challenge ACK must not close. */
  EXP_CHALLENGE_ACK: 0x40,
  /** last_flags only: SYN_SENT2 was seen (simultaneous open). */
  SIMULTANEOUS_OPEN: 0x80,
} as const;

/** TCP_MAX_WSCALE: RFC 7323 caps the shift at 14. */
export const TCP_MAX_WSCALE = 14;

/**
 * Window scale and SACK-permitted of the options in the header at l4Off.
 * Returns -1 when the header has no options (the kernel then leaves the
 * direction's scale and flags alone), else scale | (flags << 8) with flags
 * from WINDOW_SCALE and SACK_PERM.
 */
export function parseSynOptions(b: Uint8Array, l4Off: number, hdrLen: number): number {
  let length = hdrLen - 20;
  if (length <= 0) return -1;
  let p = l4Off + 20;
  let scale = 0;
  let flags = 0;
  while (length > 0) {
    const kind = b[p++];
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) break;
    const size = b[p++];
    if (size < 2 || size > length) break;
    if (kind === TCPOPT_SACK_PERM && size === 2) {
      flags |= TcpCtFlag.SACK_PERM;
    } else if (kind === TCPOPT_WINDOW && size === 3) {
      scale = b[p];
      if (scale > TCP_MAX_WSCALE) scale = TCP_MAX_WSCALE;
      flags |= TcpCtFlag.WINDOW_SCALE;
    }
    p += size - 2;
    length -= size;
  }
  return scale | (flags << 8);
}

/**
 * The highest SACK right edge in the segment's options that is after `sack`
 * (sequence order), else `sack`. Only the first well-formed SACK option
 * counts, as in the kernel.
 */
export function sackRightEdge(b: Uint8Array, l4Off: number, hdrLen: number, sack: number): number {
  let length = hdrLen - 20;
  if (length <= 0) return sack;
  let p = l4Off + 20;
  // Fast path: the aligned timestamp-only layout carries no SACK.
  if (length === 12 && b[p] === TCPOPT_NOP && b[p + 1] === TCPOPT_NOP && b[p + 2] === TCPOPT_TIMESTAMP && b[p + 3] === 10) {
    return sack;
  }
  while (length > 0) {
    const kind = b[p++];
    if (kind === TCPOPT_EOL) return sack;
    if (kind === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return sack;
    const size = b[p++];
    if (size < 2 || size > length) return sack;
    if (kind === TCPOPT_SACK && size >= 10 && (size - 2) % 8 === 0) {
      for (let i = 0; i < size - 2; i += 8) {
        const right = rd32(b, p + i + 4);
        if (((sack - right) | 0) < 0) sack = right;
      }
      return sack;
    }
    p += size - 2;
    length -= size;
  }
  return sack;
}
