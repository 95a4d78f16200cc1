/**
 * What rules see of a packet's connection: the CtView the conntrack, helper
 * and connmark matches read (ctx.ctIndex is the entry's slot), and the
 * conntrack targets (NOTRACK, CT, CONNMARK) that change it.
 * Invariant: every accessor is a typed-array read; nothing allocates.
 */
import type { PacketContext } from '../packet/context.js';
import type { CtView } from '../rules/host.js';
import type { Target } from '../rules/targets.js';
import { CtState } from '../rules/ctstate.js';
import type { ConntrackTable } from './table.js';
import { dportOf, sportOf } from './tuple.js';
import { secondsLeft } from './records.js';
import { HELPER_NAMES, helperIndex, masterHelper } from './helpers/index.js';

type CtTarget = Extract<Target, { kind: 'CT' | 'NOTRACK' | 'CONNMARK' }>;

export class ConntrackView implements CtView {
  constructor(private readonly table: ConntrackTable, private readonly now: () => number, private readonly tcpState: (slot: number) => number) {}

  liveId(slot: number): number {
    const id = this.table.id(slot);
    if (id === 0) return 0;
    if (this.table.proto(slot) === 6) {
      const s = this.tcpState(slot);
      if (s === 7 || s === 8) return 0; // TIME_WAIT, CLOSE: nf_conncount's already_closed()
    }
    return id;
  }

  has(ctx: PacketContext): boolean {
    return ctx.ctIndex >= 0;
  }
  proto(ctx: PacketContext): number {
    return this.table.proto(ctx.ctIndex);
  }
  origSrc(ctx: PacketContext): number {
    return this.table.src(ctx.ctIndex * 2);
  }
  origDst(ctx: PacketContext): number {
    return this.table.dst(ctx.ctIndex * 2);
  }
  replSrc(ctx: PacketContext): number {
    return this.table.src(ctx.ctIndex * 2 + 1);
  }
  replDst(ctx: PacketContext): number {
    return this.table.dst(ctx.ctIndex * 2 + 1);
  }
  origSrcPort(ctx: PacketContext): number {
    return sportOf(this.table.ports(ctx.ctIndex * 2));
  }
  origDstPort(ctx: PacketContext): number {
    return dportOf(this.table.ports(ctx.ctIndex * 2));
  }
  replSrcPort(ctx: PacketContext): number {
    return sportOf(this.table.ports(ctx.ctIndex * 2 + 1));
  }
  replDstPort(ctx: PacketContext): number {
    return dportOf(this.table.ports(ctx.ctIndex * 2 + 1));
  }
  status(ctx: PacketContext): number {
    return this.table.status(ctx.ctIndex);
  }
  /** Remaining lifetime in whole seconds, as xt_conntrack's --ctexpire reads it. */
  expires(ctx: PacketContext): number {
    return secondsLeft(this.table.expires(ctx.ctIndex) - this.now());
  }
  /** The master's helper for an expected connection ('' otherwise), as xt_helper reads ct->master. */
  helper(ctx: PacketContext): string {
    return HELPER_NAMES[masterHelper(this.table.helper(ctx.ctIndex))] ?? '';
  }
  packets(ctx: PacketContext, dir: number): number {
    return this.table.packets(ctx.ctIndex, dir);
  }
  bytes(ctx: PacketContext, dir: number): number {
    return this.table.bytes(ctx.ctIndex, dir);
  }
  mark(ctx: PacketContext): number {
    return this.table.mark(ctx.ctIndex);
  }

  /**
   * NOTRACK and CT (raw table): the packet skips tracking (UNTRACKED), or is
   * tracked in another zone. CONNMARK: xt_CONNMARK's set/save/restore.
   */
  target(ctx: PacketContext, t: CtTarget): void {
    switch (t.kind) {
      case 'NOTRACK':
        ctx.ctState = CtState.UNTRACKED;
        ctx.ctIndex = -1;
        return;
      case 'CT':
        if (t.notrack) {
          ctx.ctState = CtState.UNTRACKED;
          ctx.ctIndex = -1;
        } else {
          ctx.ctZone = t.zone;
          if (t.helper !== '') ctx.ctHelper = helperIndex(t.helper);
        }
        return;
      case 'CONNMARK': {
        const slot = ctx.ctIndex;
        if (slot < 0) return;
        const tb = this.table;
        const m = tb.mark(slot);
        if (t.mode === 'set') tb.setMark(slot, ((m & ~t.ctmask) ^ t.ctmark) >>> 0);
        else if (t.mode === 'save') tb.setMark(slot, ((m & ~t.ctmask) ^ (ctx.mark & t.nfmask)) >>> 0);
        else ctx.mark = ((ctx.mark & ~t.nfmask) ^ (m & t.ctmask)) >>> 0;
        return;
      }
    }
  }
}
