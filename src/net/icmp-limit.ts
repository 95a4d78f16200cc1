/**
 * IcmpLimiter: ICMP output rate limiting with the kernel's semantics
 * (net/ipv4/icmp.c: icmpv4_mask_allow, icmp_global_allow, icmpv4_xrlim_allow,
 * and inet_peer_xrlim_allow in net/ipv4/inetpeer.c), with HZ = 1000 (ms).
 *
 * Invariants:
 * - Never limited (icmpv4_mask_allow): types above NR_ICMP_TYPES (18), type 3
 *   code 4 (fragmentation needed: PMTU discovery must not be throttled), and
 *   every type whose bit is clear in ratemask (default 6168 = 0x1818: types 3,
 *   4, 11, 12; so echo replies are not limited). Those pass without touching
 *   any bucket.
 * - Limited types must pass both buckets, global first:
 *   global (icmp_msgs_per_sec / icmp_msgs_burst): allowed while credit > 0;
 *   at credit 0 it refills by msgsPerSec * elapsed / 1000 (elapsed capped at
 *   1000 ms, nothing before 20 ms have passed since the last refill), capped at
 *   msgsBurst. The bucket starts full, its refill clock at the first limited
 *   message. A message that is sent consumes one credit (the kernel takes a
 *   random 0..2, 1 on average; we take exactly 1 for determinism), and only
 *   after the per-destination check passed (icmp_global_consume, Linux 6.x).
 * - Per destination (inet_peer_xrlim_allow): tokens in ms, + elapsed ms,
 *   capped at 6 × ratelimitMs (XRLIM_BURST_FACTOR); a message costs
 *   ratelimitMs. A destination seen for the first time starts with a full
 *   bucket (the kernel's new peer has rate_last = now - 60 s).
 * - Per-destination state lives in a fixed power-of-two table indexed by a
 *   hash of the address; a colliding destination overwrites the slot (and
 *   starts full, as a new peer). allow() allocates nothing.
 */

import type { IcmpConfig } from '../config/types.js';
import type { IcmpLimiterIO } from '../dataplane/deps.js';
import { hashU32 } from './interfaces.js';

export const NR_ICMP_TYPES = 18;
export const XRLIM_BURST_FACTOR = 6;
const ICMP_DEST_UNREACH = 3;
const ICMP_FRAG_NEEDED = 4;

export interface IcmpLimiterCounts {
  /** Refused by the global bucket (ICMP_MIB_RATELIMITGLOBAL). */
  global: number;
  /** Refused by the per-destination bucket (ICMP_MIB_RATELIMITHOST). */
  host: number;
}

export class IcmpLimiter implements IcmpLimiterIO {
  readonly counts: IcmpLimiterCounts = { global: 0, host: 0 };
  private credit: number;
  /** Time of the last refill; NaN until the first limited message (the bucket starts full then). */
  private stamp = NaN;
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly tokens: Float64Array;
  private readonly last: Float64Array;
  private readonly mask: number;

  constructor(
    private readonly cfg: IcmpConfig,
    opts: { tableSize?: number } = {},
  ) {
    let size = 1;
    while (size < (opts.tableSize ?? 4096)) size <<= 1;
    this.keys = new Uint32Array(size);
    this.used = new Uint8Array(size);
    this.tokens = new Float64Array(size);
    this.last = new Float64Array(size);
    this.mask = size - 1;
    this.credit = cfg.msgsBurst;
  }

  /** True when an ICMP message of this type/code to dst may be sent now. */
  allow(type: number, code: number, dst: number, nowMs: number): boolean {
    if (this.maskAllow(type, code)) return true;
    if (!this.globalAllow(nowMs)) {
      this.counts.global++;
      return false;
    }
    if (!this.peerAllow(dst >>> 0, nowMs)) {
      this.counts.host++;
      return false;
    }
    this.credit--;
    return true;
  }

  /** icmpv4_mask_allow: true for messages no limit applies to. */
  maskAllow(type: number, code: number): boolean {
    if (type < 0 || type > NR_ICMP_TYPES) return true;
    if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) return true;
    return ((1 << type) & this.cfg.ratemask) === 0;
  }

  /** icmp_global_allow: credit left, or refilled now. */
  private globalAllow(nowMs: number): boolean {
    if (!(nowMs >= this.stamp)) this.stamp = nowMs; // first use, or the clock stepped back
    if (this.credit > 0) return true;
    const delta = Math.min(nowMs - this.stamp, 1000);
    if (delta < 20) return false;
    const incr = Math.floor((this.cfg.msgsPerSec * delta) / 1000);
    if (incr <= 0) return false;
    this.stamp = nowMs;
    this.credit = Math.min(this.credit + incr, this.cfg.msgsBurst);
    return this.credit > 0;
  }

  /** inet_peer_xrlim_allow on the destination's slot. */
  private peerAllow(dst: number, nowMs: number): boolean {
    const timeout = this.cfg.ratelimitMs;
    const cap = XRLIM_BURST_FACTOR * timeout;
    const i = hashU32(dst) & this.mask;
    let token: number;
    if (this.used[i] === 0 || this.keys[i] !== dst) {
      this.used[i] = 1;
      this.keys[i] = dst;
      token = cap;
    } else {
      token = this.tokens[i] + Math.max(0, nowMs - this.last[i]);
      if (token > cap) token = cap;
    }
    this.last[i] = nowMs;
    let ok = false;
    if (token >= timeout) {
      token -= timeout;
      ok = true;
    }
    this.tokens[i] = token;
    return ok;
  }
}
