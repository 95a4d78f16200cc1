/**
 * Defrag settings under the kernel's sysctl names (net.ipv4.ipfrag_*), the
 * defaults of ipv4_frags_init_net, and the result codes of Defrag.submit.
 * Invariant: settings are plain numbers checked once by checkSettings (the
 * control plane); the hot path reads them without checks.
 */

export interface DefragSettings {
  /** Bytes the queues may hold (hard bound here; 0 disables reassembly: every fragment dropped). */
  ipfrag_high_thresh: number;
  /** Seconds from a queue's creation (or ipfrag_max_dist restart) to its expiry; never extended. */
  ipfrag_time: number;
  /** Fragments from one source since a queue last grew before it restarts; 0 disables. */
  ipfrag_max_dist: number;
}

export const DEFRAG_DEFAULTS: Readonly<DefragSettings> = Object.freeze({
  ipfrag_high_thresh: 4 * 1024 * 1024,
  ipfrag_time: 30,
  ipfrag_max_dist: 64,
});

export const DefragResult = { QUEUED: 0, COMPLETE: 1, DROPPED: 2 } as const;
export type DefragResult = (typeof DefragResult)[keyof typeof DefragResult];

/** Largest ipfrag_high_thresh accepted: the arena is allocated up front, so this bounds that allocation. */
export const DEFRAG_MAX_THRESH = 1 << 30;

/** Throws RangeError for a setting the hot path could not honour (control plane only). */
export function checkSettings(s: DefragSettings): void {
  const ok = (v: number, max: number): boolean => Number.isFinite(v) && v >= 0 && v <= max;
  if (!ok(s.ipfrag_high_thresh, DEFRAG_MAX_THRESH)) {
    throw new RangeError(`ipfrag_high_thresh must be 0..${DEFRAG_MAX_THRESH}, got ${s.ipfrag_high_thresh}`);
  }
  if (!ok(s.ipfrag_time, 2 ** 31)) throw new RangeError(`ipfrag_time must be >= 0 seconds, got ${s.ipfrag_time}`);
  if (!ok(s.ipfrag_max_dist, 2 ** 31) || !Number.isInteger(s.ipfrag_max_dist)) {
    throw new RangeError(`ipfrag_max_dist must be a non-negative integer, got ${s.ipfrag_max_dist}`);
  }
}
