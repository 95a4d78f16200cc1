/**
 * The expectation table (nf_conntrack_expect.c): connections a helper
 * announced, waiting for their first packet. An expectation is the master's
 * slot (and id, so a reused slot is not mistaken for it), the expected tuple
 * with a wildcard source port (as nf_conntrack_ftp makes it: any source
 * port), the zone, an absolute expiry, and what NAT must do to the expected
 * connection when the master is NATed (nf_nat_follow_master: the direction
 * and the port the helper saw announced).
 * Invariants:
 * - Fixed size, typed arrays: max = nf_ct_expect_max = (buckets / 256,
 *   at least 1) * 4, as the kernel sizes it; nothing allocates after the
 *   constructor. An insert into a full table fails (-EMFILE).
 * - An expectation whose master is gone (slot freed or reused) or whose time
 *   is up is dead: lookups skip and free it (the kernel removes them eagerly;
 *   nobody can observe the difference).
 * - Inserting checks as __nf_ct_expect_check does: the same tuple from the
 *   same master replaces the old one; the same tuple from another master is
 *   a clash (-EBUSY); a master at max_expected loses its oldest one.
 */
import { Status, type ConntrackTable } from '../table.js';

export const ExpectResult = { OK: 0, BUSY: 1, FULL: 2 } as const;

export function expectMax(buckets: number): number {
  return Math.max(1, Math.floor(buckets / 256)) * 4;
}

export class ExpectTable {
  readonly max: number;
  /** Live expectations (dead ones still counted until a scan frees them). */
  count = 0;
  /** Expectations that matched a new connection (expect_new), made (expect_create), deleted unused (expect_delete). */
  matched = 0;
  created = 0;
  deleted = 0;

  private readonly used: Uint8Array;
  private readonly masterSlot: Int32Array;
  private readonly masterId: Uint32Array;
  private readonly src: Uint32Array;
  private readonly dst: Uint32Array;
  private readonly dport: Uint16Array;
  private readonly proto: Uint8Array;
  private readonly zone: Uint32Array;
  private readonly expiresAt: Float64Array;
  /** Insertion order, for "oldest of this master". */
  private readonly serial: Float64Array;
  private readonly natDirs: Int8Array;
  private readonly savedPorts: Uint16Array;
  private nextSerial = 1;

  constructor(private readonly table: ConntrackTable, max = expectMax(table.buckets)) {
    this.max = max;
    this.used = new Uint8Array(max);
    this.masterSlot = new Int32Array(max);
    this.masterId = new Uint32Array(max);
    this.src = new Uint32Array(max);
    this.dst = new Uint32Array(max);
    this.dport = new Uint16Array(max);
    this.proto = new Uint8Array(max);
    this.zone = new Uint32Array(max);
    this.expiresAt = new Float64Array(max);
    this.serial = new Float64Array(max);
    this.natDirs = new Int8Array(max);
    this.savedPorts = new Uint16Array(max);
  }

  // ---------------------------------------------------------------- fields of an expectation

  master(i: number): number { return this.masterSlot[i]; }
  expectedSrc(i: number): number { return this.src[i]; }
  expectedDst(i: number): number { return this.dst[i]; }
  expectedPort(i: number): number { return this.dport[i]; }
  expires(i: number): number { return this.expiresAt[i]; }
  /** exp->dir for nf_nat_follow_master, or -1 when the master was not NATed. */
  natDir(i: number): number { return this.natDirs[i]; }
  /** exp->saved_proto: the port the helper saw announced (before NAT chose another). */
  savedPort(i: number): number { return this.savedPorts[i]; }

  private alive(i: number, now: number): boolean {
    if (this.used[i] === 0) return false;
    const m = this.masterSlot[i];
    if (this.expiresAt[i] <= now || this.table.id(m) !== this.masterId[i] || (this.table.status(m) & Status.CONFIRMED) === 0) {
      this.remove(i);
      this.deleted++;
      return false;
    }
    return true;
  }

  remove(i: number): void {
    if (this.used[i] === 0) return;
    this.used[i] = 0;
    this.count--;
  }

  /**
   * nf_ct_find_expectation: the live expectation a new connection with this
   * original tuple (source, destination, destination port, protocol; any
   * source port) in zone fulfils, or -1. The caller removes it (unlink).
   */
  find(src: number, dst: number, dport: number, proto: number, zone: number, now: number): number {
    if (this.count === 0) return -1;
    for (let i = 0; i < this.max; i++) {
      if (this.used[i] === 0) continue;
      if (this.src[i] !== src || this.dst[i] !== dst || this.dport[i] !== dport || this.proto[i] !== proto || this.zone[i] !== zone) continue;
      if (this.alive(i, now)) return i;
    }
    return -1;
  }

  /** Live expectations of a master (for tests and listings). */
  ofMaster(slot: number, now: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.max; i++) if (this.alive(i, now) && this.masterSlot[i] === slot) out.push(i);
    return out;
  }

  /**
   * nf_ct_expect_related for master `slot`: expected tuple src → dst:dport
   * (any source port), `timeoutMs` from now, at most `maxPerMaster` per
   * master. Returns ExpectResult.
   */
  insert(slot: number, src: number, dst: number, dport: number, proto: number, timeoutMs: number, maxPerMaster: number, natDir: number, savedPort: number, now: number): number {
    const zone = this.table.zone(slot);
    let mine = 0, oldest = -1, free = -1;
    for (let i = 0; i < this.max; i++) {
      if (!this.alive(i, now)) {
        if (free < 0) free = i;
        continue;
      }
      const same = this.src[i] === src && this.dst[i] === dst && this.dport[i] === dport && this.proto[i] === proto && this.zone[i] === zone;
      if (same) {
        if (this.masterSlot[i] !== slot) return ExpectResult.BUSY;
        this.remove(i);
        if (free < 0) free = i;
        continue;
      }
      if (this.masterSlot[i] === slot) {
        mine++;
        if (oldest < 0 || this.serial[i] < this.serial[oldest]) oldest = i;
      }
    }
    if (maxPerMaster > 0 && mine >= maxPerMaster && oldest >= 0) {
      this.remove(oldest);
      this.deleted++;
      if (free < 0) free = oldest;
    }
    if (free < 0 || this.count >= this.max) return ExpectResult.FULL;
    const i = free;
    this.used[i] = 1;
    this.count++;
    this.masterSlot[i] = slot;
    this.masterId[i] = this.table.id(slot);
    this.src[i] = src;
    this.dst[i] = dst;
    this.dport[i] = dport;
    this.proto[i] = proto;
    this.zone[i] = zone;
    this.expiresAt[i] = now + timeoutMs;
    this.serial[i] = this.nextSerial++;
    this.natDirs[i] = natDir;
    this.savedPorts[i] = savedPort;
    this.created++;
    return ExpectResult.OK;
  }
}
