/**
 * Connection tracking on the packet path: nf_conntrack_in at PREROUTING and
 * OUTPUT (priority -200), nf_conntrack_confirm as a hook's last entry at
 * INPUT and POSTROUTING.
 * Invariants:
 * - A packet's new connection is unconfirmed (`pending`) until the packet
 *   survives its last hook; a packet dropped on the way leaves no entry (the
 *   pipeline's drop() abandons it; the next lookup also discards a pending
 *   entry nobody confirmed).
 * - Conntrack never drops for INVALID: it sets ctx.ctState to INVALID, counts
 *   the reason, and the rules decide. It drops only when the table is full
 *   (CT_TABLE_FULL), as the kernel does.
 * - ICMP errors are RELATED to the connection their quoted header inverts
 *   to, and never refresh it.
 * - Nothing here allocates per packet; the per-protocol state lives in the
 *   table's and the TCP tracker's typed arrays.
 */
import type { PacketContext } from '../packet/context.js';
import { DropReason } from '../packet/drop-reason.js';
import { icmpChecksumOk, udpChecksumOk } from '../packet/checksum.js';
import { CtState } from '../rules/ctstate.js';
import { Hook } from '../rules/model.js';
import { Verdict } from '../rules/verdict.js';
import type { HookStage } from '../dataplane/hooks.js';
import { InvalidReason, INVALID_REASON_COUNT } from './invalid.js';
import type { ConntrackSettings } from './settings.js';
import { ConntrackTable, CtEvent, Status } from './table.js';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_UDPLITE, Tuple, icmpIsError, icmpStartsConnection, invert, tupleOf } from './tuple.js';
import { relatedLookup } from './related.js';
import { Helpers } from './helpers/index.js';

/** The TCP tracker's contract (src/conntrack/tcp.ts implements it). */
export interface TcpTracking {
  error(ctx: PacketContext, checksum: boolean): number;
  start(slot: number, ctx: PacketContext): number;
  /** remaining: seconds left on the entry (nf_tcp_handle_invalid may lower it: then `timeout` is set with INVALID too). */
  packet(slot: number, dir: number, ctx: PacketContext, seenReply: boolean, assured: boolean, remaining: number): number;
  timeout: number;
  reason: number;
  setAssured: boolean;
  kill: boolean;
  changed: boolean;
  state(slot: number): number;
  clear(slot: number): void;
  /** Where the window tracker reads sequence offsets from (the helpers' seqadj). */
  setSeqOffset?(fn: (slot: number, dir: number, seq: number) => number): void;
  setSettings(s: ConntrackSettings): void;
}

/** TcpTracker.packet results. */
const TCP_ACCEPT = 0, TCP_INVALID = 1, TCP_IGNORE = 2, TCP_REOPEN = 3;

/** UDP stays on the unreplied timeout until the flow is this old (ms): nf_conntrack_udp's 2 s rule. */
const UDP_STREAM_AFTER_MS = 2000;

/** conntrack -S counters (one "cpu"). */
export class CtStats {
  found = 0;
  invalid = 0;
  insert = 0;
  insert_failed = 0;
  drop = 0;
  early_drop = 0;
  error = 0;
  search_restart = 0;
  clash_resolve = 0;
  chaintoolong = 0;
}

export class Conntrack {
  /** Tracking runs only while the ruleset uses it (as the kernel registers its hooks per netns on demand). */
  active = false;
  readonly invalid = new Float64Array(INVALID_REASON_COUNT);
  readonly stats = new CtStats();
  /** The entry made for the packet being processed, not confirmed yet; -1 when none. */
  private pending = -1;
  private readonly t = new Tuple();
  private readonly r = new Tuple();
  private settings: ConntrackSettings;

  /** Helpers (CT --helper), their expectations and sequence adjustment. */
  readonly helpers: Helpers;

  /** The stage at PREROUTING and OUTPUT. */
  readonly lookup: HookStage;
  /** The stage ending INPUT and POSTROUTING. */
  readonly confirm: HookStage;

  constructor(readonly table: ConntrackTable, readonly tcp: TcpTracking, settings: ConntrackSettings, private readonly now: () => number) {
    this.settings = settings;
    const self = this;
    const helpers = new Helpers(table, now);
    this.helpers = helpers;
    tcp.setSeqOffset?.((slot, dir, seq) => helpers.seqOffset(slot, dir, seq));
    this.lookup = {
      reason: DropReason.CT_TABLE_FULL,
      enter(hook, ctx) {
        return self.in(hook, ctx);
      },
      abandon() {
        if (self.pending >= 0) self.dropPending();
      },
    };
    this.confirm = {
      reason: DropReason.CT_HELPER,
      enter(_hook, ctx) {
        // nf_confirm: the helper and sequence adjustment first (see helpers/index.ts).
        if (ctx.ctIndex >= 0 && helpers.run(ctx) !== Verdict.ACCEPT) {
          self.stats.drop++;
          return Verdict.DROP;
        }
        const p = self.pending;
        if (p >= 0 && ctx.ctIndex === p) {
          self.pending = -1;
          self.table.confirm(p);
          self.stats.insert++;
        }
        return Verdict.ACCEPT;
      },
    };
  }

  setSettings(s: ConntrackSettings): void {
    this.settings = s;
    this.tcp.setSettings(s);
  }

  private markInvalid(ctx: PacketContext, reason: number): number {
    ctx.ctState = CtState.INVALID;
    ctx.ctIndex = -1;
    this.invalid[reason]++;
    this.stats.invalid++;
    return Verdict.ACCEPT;
  }

  /** nf_conntrack_in. */
  private in(hook: number, ctx: PacketContext): number {
    if (this.pending >= 0) this.dropPending();
    if (!this.active || ctx.ctState === CtState.UNTRACKED) return Verdict.ACCEPT;
    const s = this.settings;
    const checksum = hook === Hook.PREROUTING && s.nf_conntrack_checksum !== 0;
    const proto = ctx.proto;
    const now = this.now();

    // Fragments are reassembled before this (defrag, -400); one that is not has no L4 header to track.
    if (ctx.fragOff !== 0 || ctx.mf !== 0) return this.markInvalid(ctx, InvalidReason.NONE);

    if (proto === PROTO_TCP) {
      const e = this.tcp.error(ctx, checksum);
      if (e !== InvalidReason.NONE) return this.markInvalid(ctx, e);
    } else if (proto === PROTO_UDP || proto === PROTO_UDPLITE) {
      const e = udpError(ctx, checksum);
      if (e !== InvalidReason.NONE) return this.markInvalid(ctx, e);
    } else if (proto === PROTO_ICMP) {
      if (ctx.l4Off < 0) return this.markInvalid(ctx, InvalidReason.ICMP_TRUNCATED);
      if (checksum && !icmpChecksumOk(ctx.buf, ctx.l4Off, ctx.l4Len)) return this.markInvalid(ctx, InvalidReason.ICMP_BAD_CHECKSUM);
      const type = ctx.icmpType;
      if (type > 18) return this.markInvalid(ctx, InvalidReason.ICMP_BAD_TYPE);
      if (icmpIsError(type)) return this.related(ctx, now);
    }

    const t = this.t;
    if (!tupleOf(ctx, t)) return this.markInvalid(ctx, InvalidReason.NONE);
    const zone = ctx.ctZone;
    for (let attempt = 0; attempt < 2; attempt++) {
      const table = this.table;
      const node = table.find(t, zone, now);
      let slot: number, dir: number;
      if (node < 0) {
        if (proto === PROTO_ICMP && !icmpStartsConnection(ctx.icmpType)) return this.markInvalid(ctx, InvalidReason.ICMP_INVALID_NEW);
        if (!invert(t, this.r)) return this.markInvalid(ctx, InvalidReason.ICMP_INVALID_NEW);
        slot = table.alloc(t, this.r, zone, now);
        if (slot < 0) {
          this.stats.drop++;
          this.stats.early_drop = table.earlyDrops;
          return Verdict.DROP;
        }
        this.stats.early_drop = table.earlyDrops;
        if (proto === PROTO_TCP) {
          const e = this.tcp.start(slot, ctx);
          if (e !== InvalidReason.NONE) {
            table.discard(slot);
            return this.markInvalid(ctx, e);
          }
        }
        this.pending = slot;
        dir = 0;
        // init_conntrack: an expectation this fulfils, else the CT template's helper.
        if (!this.helpers.expected(slot, t, zone, now) && ctx.ctHelper !== 0 && proto === PROTO_TCP) this.helpers.attach(slot, ctx.ctHelper);
      } else {
        slot = node >> 1;
        dir = node & 1;
        this.stats.found++;
      }
      const status = table.status(slot);
      const seenReply = (status & Status.SEEN_REPLY) !== 0;
      let changed = false;
      let timeoutSec = -1;

      if (proto === PROTO_TCP) {
        const tcp = this.tcp;
        const remaining = slot === this.pending ? 0 : Math.max(0, Math.floor((table.expires(slot) - now) / 1000));
        const v = tcp.packet(slot, dir, ctx, seenReply, (status & Status.ASSURED) !== 0, remaining);
        if (v === TCP_REOPEN && attempt === 0 && slot !== this.pending) {
          table.destroy(slot);
          this.stats.search_restart++;
          continue;
        }
        if (v === TCP_INVALID || v === TCP_REOPEN) {
          if (slot === this.pending) this.dropPending();
          else if (tcp.timeout >= 0) table.setExpires(slot, now + tcp.timeout * 1000);
          return this.markInvalid(ctx, v === TCP_INVALID ? tcp.reason : InvalidReason.TCP_INVALID_STATE);
        }
        if (v === TCP_ACCEPT) {
          timeoutSec = tcp.timeout;
          if (tcp.setAssured && (status & Status.ASSURED) === 0) {
            table.addStatus(slot, Status.ASSURED);
            changed = true;
          }
          if (tcp.changed) changed = true;
        }
        // TCP_IGNORE: accepted, nothing changes, the timeout is not refreshed.
      } else if (proto === PROTO_UDP || proto === PROTO_UDPLITE) {
        if (seenReply && (proto === PROTO_UDPLITE || now - table.created(slot) > UDP_STREAM_AFTER_MS)) {
          timeoutSec = this.settings.nf_conntrack_udp_timeout_stream;
          if ((status & Status.ASSURED) === 0) {
            table.addStatus(slot, Status.ASSURED);
            changed = true;
          }
        } else timeoutSec = this.settings.nf_conntrack_udp_timeout;
      } else if (proto === PROTO_ICMP) {
        timeoutSec = this.settings.nf_conntrack_icmp_timeout;
      } else {
        timeoutSec = this.settings.nf_conntrack_generic_timeout;
      }

      if (timeoutSec >= 0 && (table.status(slot) & Status.FIXED_TIMEOUT) === 0) table.setExpires(slot, now + timeoutSec * 1000);
      table.account(slot, dir, ctx.ipTotLen);
      if (dir === 1 && !seenReply) {
        table.addStatus(slot, Status.SEEN_REPLY);
        changed = true;
      }
      // ctinfo as resolve_normal_ct sets it, from the status before this packet.
      const st = table.status(slot);
      let bits: number = dir === 1 || seenReply ? CtState.ESTABLISHED : (st & Status.EXPECTED) !== 0 ? CtState.RELATED : CtState.NEW;
      if ((st & Status.SRC_NAT) !== 0) bits |= CtState.SNAT;
      if ((st & Status.DST_NAT) !== 0) bits |= CtState.DNAT;
      ctx.ctState = bits;
      ctx.ctIndex = slot;
      ctx.ctDir = dir;
      if (proto === PROTO_TCP && this.tcp.kill && slot !== this.pending) {
        table.destroy(slot);
        ctx.ctIndex = -1;
      } else if (changed && slot !== this.pending && table.hasListeners) table.emit(CtEvent.UPDATE, slot);
      return Verdict.ACCEPT;
    }
    return this.markInvalid(ctx, InvalidReason.TCP_INVALID_STATE);
  }

  /** An ICMP error: RELATED to the connection its quoted packet belongs to, else INVALID. */
  private related(ctx: PacketContext, now: number): number {
    const found = relatedLookup(ctx, this.table, this.t, this.r, now);
    if (found < 0) return this.markInvalid(ctx, -found);
    const slot = found >> 1;
    const dir = found & 1;
    let bits: number = CtState.RELATED;
    const st = this.table.status(slot);
    if ((st & Status.SRC_NAT) !== 0) bits |= CtState.SNAT;
    if ((st & Status.DST_NAT) !== 0) bits |= CtState.DNAT;
    ctx.ctState = bits;
    ctx.ctIndex = slot;
    ctx.ctDir = dir;
    this.stats.found++;
    return Verdict.ACCEPT;
  }

  private dropPending(): void {
    const p = this.pending;
    this.pending = -1;
    this.tcp.clear(p);
    this.table.discard(p);
  }

  /** Periodic work (expiry), bounded: call from a timer and between batches. */
  tick(budget: number): void {
    this.table.gc(this.now(), budget);
  }
}

/** udp_error(): header, length and (at PREROUTING, when enabled) checksum. */
function udpError(ctx: PacketContext, checksum: boolean): number {
  if (ctx.l4Off < 0) return InvalidReason.UDP_TRUNCATED;
  const buf = ctx.buf;
  const l4 = ctx.l4Off;
  const ulen = (buf[l4 + 4] << 8) | buf[l4 + 5];
  if (ulen > ctx.l4Len || ulen < 8) return InvalidReason.UDP_BAD_LENGTH;
  if (checksum && ((buf[l4 + 6] | buf[l4 + 7]) !== 0) && ctx.proto === PROTO_UDP && !udpChecksumOk(buf, ctx.l3Off, l4, ulen)) {
    return InvalidReason.UDP_BAD_CHECKSUM;
  }
  return InvalidReason.NONE;
}
