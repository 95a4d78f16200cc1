/**
 * nf_defrag_ipv4 as a hook entry (priority -400 at PREROUTING and OUTPUT):
 * fragments are held until their datagram is whole, and everything after it
 * — raw, conntrack, the rules, NAT — sees one packet.
 * Invariants:
 * - Active exactly while connection tracking is (the kernel registers defrag
 *   with conntrack); otherwise fragments pass one by one, as without it.
 * - A reassembled datagram lives in the reassembly area (one per pipeline,
 *   65,535 bytes behind room for an Ethernet header), not in a slab slot; the
 *   packet's bytes are reached through ctx.buf, and the pipeline copies or
 *   refragments it into slots before it leaves (ctx.fragMaxSize > 0).
 * - A held fragment is consumed (STOLEN, reason NONE: not a drop); a refused
 *   one is dropped under its own DropReason.
 */
import type { HookStage } from '../dataplane/hooks.js';
import type { PacketContext } from '../packet/context.js';
import { DropReason } from '../packet/drop-reason.js';
import { parseIPv4 } from '../packet/parse.js';
import { Verdict } from '../rules/verdict.js';
import type { Defrag } from './defrag.js';
import { DefragResult } from './settings.js';

/** Room before the datagram in the area: an Ethernet header (with a VLAN tag) and then some. */
export const AREA_HEADROOM = 64;

export class DefragStage implements HookStage {
  reason: number = DropReason.NONE;
  /** Where reassembled datagrams are written. */
  readonly area = new Uint8Array(AREA_HEADROOM + 65535);

  constructor(private readonly defrag: Defrag, private readonly active: () => boolean, private readonly now: () => number) {}

  enter(hook: number, ctx: PacketContext): number {
    if ((ctx.mf === 0 && ctx.fragOff === 0) || !this.active()) return Verdict.ACCEPT;
    const d = this.defrag;
    const r = d.submit(ctx.buf, ctx.l3Off, ctx.ipTotLen, this.now(), this.area, AREA_HEADROOM, hook);
    if (r === DefragResult.QUEUED) {
      this.reason = DropReason.NONE;
      return Verdict.STOLEN;
    }
    if (r === DefragResult.DROPPED) {
      this.reason = d.reason;
      return Verdict.DROP;
    }
    // Whole: the frame's link-layer header goes in front of it (the mac match reads it).
    const l2 = ctx.l2Len;
    const area = this.area;
    if (l2 > 0) area.set(ctx.buf.subarray(ctx.frameOff, ctx.frameOff + l2), AREA_HEADROOM - l2);
    const parsed = parseIPv4(ctx, area, AREA_HEADROOM, d.outLen);
    if (parsed !== DropReason.NONE) {
      this.reason = parsed;
      return Verdict.DROP;
    }
    ctx.frameOff = AREA_HEADROOM - l2;
    ctx.frameLen = l2 + d.outLen;
    ctx.bufEnd = area.length;
    ctx.fragMaxSize = d.maxFragSize;
    ctx.fragDf = d.df;
    return Verdict.ACCEPT;
  }
}
