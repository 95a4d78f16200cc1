/**
 * NAT as the kernel does it (nf_nat_core.c, nf_nat_proto.c): the nat table
 * is consulted for a connection's first packet only, at the NAT hook entries
 * (DNAT -100 at PREROUTING/OUTPUT, SNAT 100 at POSTROUTING/INPUT); the
 * binding lives in the conntrack entry (its reply tuple, SRC_NAT/DST_NAT and
 * the *_DONE bits) and every later packet, both ways, is rewritten from it.
 * Invariants:
 * - Untracked and INVALID packets (no entry) are never NATed.
 * - A connection no rule maps gets a null binding, which may still move its
 *   source port when its reply tuple is taken (get_unique_tuple).
 * - Port choice follows get_unique_tuple and nf_nat_l4proto_unique_tuple:
 *   the original tuple when free, else the same source's existing mapping,
 *   else a random offset in the port class (1–511, 600–1023, 1024–65535 or
 *   the range) with the kernel's attempt schedule (128, then halving). A
 *   binding whose final tuple is still taken is dropped as nat_exhausted.
 * - ICMP errors about a NATed connection are translated, quoted packet and
 *   outer header (nf_nat_icmp_reply_translation); they never consult the table.
 * - Nothing here allocates per packet: scratch tuples and one range are reused,
 *   the by-source index is typed arrays.
 */
import type { HookStage } from '../dataplane/hooks.js';
import type { PacketContext } from '../packet/context.js';
import { DropReason } from '../packet/drop-reason.js';
import { CtState } from '../rules/ctstate.js';
import { TableId, type CompiledRuleset } from '../rules/evaluator.js';
import { be32AsLe, jhash2Words, reciprocalScale } from '../rules/jhash.js';
import { Hook } from '../rules/model.js';
import { Verdict } from '../rules/verdict.js';
import { Status, type ConntrackTable } from '../conntrack/table.js';
import { PROTO_ICMP, Tuple, hasPorts, icmpIsError, invert } from '../conntrack/tuple.js';
import { Manip, manipPacket, translateIcmpError } from './manip.js';
import { NatRange, RANDOM_ALL, RangeFlag, fillRange, type NatAddresses, type NatTarget } from './range.js';

/** NF_NAT_MAX_ATTEMPTS. */
const MAX_ATTEMPTS = 128;

const manipOf = (hook: number): number => (hook === Hook.POSTROUTING || hook === Hook.INPUT ? Manip.SRC : Manip.DST);
const doneBit = (m: number): number => (m === Manip.SRC ? Status.SRC_NAT_DONE : Status.DST_NAT_DONE);
/** The status bit whose presence means "rewrite this packet" (nf_nat_packet's statusbit). */
function statusBit(m: number, dir: number): number {
  const bit = m === Manip.SRC ? Status.SRC_NAT : Status.DST_NAT;
  if (dir === 0) return bit;
  return bit === Status.SRC_NAT ? Status.DST_NAT : Status.SRC_NAT;
}

/** The per-protocol key of a tuple's side: ports for TCP/UDP, the id for ICMP (both sides), none otherwise (-1). */
function keyOf(t: Tuple, side: number): number {
  if (t.proto === PROTO_ICMP) return t.ports >>> 16;
  if (!hasPorts(t.proto)) return -1;
  return side === Manip.SRC ? t.ports >>> 16 : t.ports & 0xffff;
}
function setKey(t: Tuple, side: number, k: number): void {
  if (t.proto === PROTO_ICMP || side === Manip.SRC) t.ports = ((t.ports & 0xffff) | (k << 16)) >>> 0;
  else t.ports = ((t.ports & 0xffff0000) | k) >>> 0;
}
const addrOf = (t: Tuple, side: number): number => (side === Manip.SRC ? t.src : t.dst);

export class Nat {
  /** Bindings whose final tuple was still taken (the packet dropped as nat_exhausted). */
  exhausted = 0;
  /** Bindings made (rule mappings and null bindings), by manip type. */
  readonly bindings = new Float64Array(2);
  /** The hook entries at PREROUTING/OUTPUT (DNAT) and POSTROUTING/INPUT (SNAT). */
  readonly stage: HookStage;

  private readonly range = new NatRange();
  private readonly nullRange = new NatRange();
  private readonly cur = new Tuple();
  private readonly cand = new Tuple();
  private readonly rep = new Tuple();
  private readonly tmp = new Tuple();
  private readonly other = new Tuple();
  /** The hook whose nat chain is being evaluated (targets need it). */
  private hook = 0;
  private bindFailed = false;
  private now = 0;

  // By-source index of SNATed connections (nf_nat_bysource): chains through slots.
  private readonly bsHeads: Int32Array;
  private readonly bsNext: Int32Array;
  private readonly bsIn: Uint8Array;
  private readonly bsSalt = (Math.random() * 0x100000000) >>> 0;

  constructor(private readonly table: ConntrackTable, private readonly addrs: NatAddresses, private readonly clock: () => number, private readonly random16: () => number = () => (Math.random() * 65536) | 0) {
    this.bsHeads = new Int32Array(table.buckets).fill(-1);
    this.bsNext = new Int32Array(table.capacity).fill(-1);
    this.bsIn = new Uint8Array(table.capacity);
    const prev = table.onDestroy;
    table.onDestroy = (slot) => {
      prev?.(slot);
      this.bysourceRemove(slot);
    };
    const self = this;
    this.stage = {
      reason: DropReason.NAT_EXHAUSTED,
      enter(hook, ctx, rules) {
        return self.enter(hook, ctx, rules);
      },
    };
  }

  // ---------------------------------------------------------------- the hook entry

  private enter(hook: number, ctx: PacketContext, rules: CompiledRuleset): number {
    const slot = ctx.ctIndex;
    if (slot < 0) return Verdict.ACCEPT;
    const m = manipOf(hook);
    const st = ctx.ctState;
    if (ctx.proto === PROTO_ICMP && (st & CtState.RELATED) !== 0 && ctx.l4Off >= 0 && icmpIsError(ctx.icmpType)) {
      return this.icmpReply(slot, ctx.ctDir, m, ctx);
    }
    if ((st & (CtState.NEW | CtState.RELATED)) !== 0 && (this.table.status(slot) & doneBit(m)) === 0) {
      this.now = this.clock();
      this.hook = hook;
      this.bindFailed = false;
      const v = rules.evaluate(TableId.nat, hook as Hook, ctx);
      if (v !== Verdict.ACCEPT) {
        this.stage.reason = this.bindFailed ? DropReason.NAT_EXHAUSTED : rules.lastDropWasPolicy ? DropReason.POLICY_DROP : DropReason.FILTER_DROP;
        return v;
      }
      if ((this.table.status(slot) & doneBit(m)) === 0) {
        // nf_nat_alloc_null_binding: keep the address the reply tuple already has.
        this.invertReply(slot, this.cur);
        const a = addrOf(this.cur, m);
        this.nullRange.set(RangeFlag.MAP_IPS, a, a, 0, 0);
        if (!this.setup(slot, m, this.nullRange)) {
          this.stage.reason = DropReason.NAT_EXHAUSTED;
          return Verdict.DROP;
        }
      }
      // xt_conntrack reads ct->status when it matches: the binding just made is
      // --ctstate SNAT/DNAT for the rest of this packet's way (e.g. filter FORWARD).
      const bound = this.table.status(slot);
      if ((bound & Status.SRC_NAT) !== 0) ctx.ctState |= CtState.SNAT;
      if ((bound & Status.DST_NAT) !== 0) ctx.ctState |= CtState.DNAT;
    }
    this.apply(slot, ctx.ctDir, m, ctx);
    return Verdict.ACCEPT;
  }

  /** A NAT target in the nat table (RuleHost.nat): bind the connection; ACCEPT ends the chain, as NF_ACCEPT does. */
  target(ctx: PacketContext, t: NatTarget): number {
    const slot = ctx.ctIndex;
    if (slot < 0) return Verdict.ACCEPT;
    if (!fillRange(this.range, t, ctx, this.hook, this.addrs)) return Verdict.DROP;
    if (!this.setup(slot, manipOf(this.hook), this.range)) {
      this.bindFailed = true;
      return Verdict.DROP;
    }
    return Verdict.ACCEPT;
  }

  /**
   * nf_nat_follow_master for an expected connection in `slot` of master
   * `master` (exp->dir = dir, exp->saved_proto = port): the source becomes
   * where the master sends to in direction !dir, the destination the master's
   * peer of that direction with the port it announced. Both manips are done,
   * so the nat table is not consulted for this connection.
   */
  followMaster(slot: number, master: number, dir: number, port: number): void {
    const n = master * 2 + (1 - dir);
    const t = this.table;
    this.now = this.clock();
    const a = t.dst(n);
    this.range.set(RangeFlag.MAP_IPS, a, a, 0, 0);
    this.setup(slot, Manip.SRC, this.range);
    const d = t.src(n);
    this.range.set(RangeFlag.MAP_IPS | RangeFlag.PROTO_SPECIFIED, d, d, port, port);
    this.setup(slot, Manip.DST, this.range);
  }

  // ---------------------------------------------------------------- binding (nf_nat_setup_info)

  private setup(slot: number, m: number, range: NatRange): boolean {
    const table = this.table;
    if ((table.status(slot) & doneBit(m)) !== 0) return true;
    const cur = this.cur;
    this.invertReply(slot, cur);
    const out = this.cand;
    let free = this.uniqueTuple(out, cur, range, slot, m);
    if (out.src !== cur.src || out.dst !== cur.dst || out.ports !== cur.ports) {
      invert(out, this.rep);
      table.setReply(slot, this.rep);
      table.addStatus(slot, m === Manip.SRC ? Status.SRC_NAT : Status.DST_NAT);
    } else free = !this.used(out, slot);
    if (m === Manip.SRC) this.bysourceAdd(slot);
    table.addStatus(slot, doneBit(m));
    this.bindings[m]++;
    if (!free) this.exhausted++;
    return free;
  }

  /** get_unique_tuple: fills `t` from `orig`; returns false when every candidate it tried is taken. */
  private uniqueTuple(t: Tuple, orig: Tuple, range: NatRange, slot: number, m: number): boolean {
    const flags = range.flags;
    const zone = this.table.zone(slot);
    if (m === Manip.SRC && (flags & RANDOM_ALL) === 0) {
      if (this.inRange(orig, range, m)) {
        if (!this.used(orig, slot)) {
          copy(t, orig);
          return true;
        }
      } else if (this.findSourceMapping(orig, t, range, zone) && !this.used(t, slot)) return true;
    }
    copy(t, orig);
    this.bestIps(t, range, m, zone);
    if ((flags & RANDOM_ALL) === 0) {
      if ((flags & RangeFlag.PROTO_SPECIFIED) !== 0) {
        const k = keyOf(t, m);
        if ((flags & RangeFlag.PROTO_OFFSET) === 0 && (k < 0 || (k >= range.minKey && k <= range.maxKey)) && (range.minKey === range.maxKey || !this.used(t, slot))) return !this.used(t, slot);
      } else if (!this.used(t, slot)) return true;
    }
    return this.uniqueKey(t, range, m, slot);
  }

  /** nf_nat_l4proto_unique_tuple: a free key by the kernel's schedule; false when the last one tried is taken. */
  private uniqueKey(t: Tuple, range: NatRange, m: number, slot: number): boolean {
    const key = keyOf(t, m);
    if (key < 0) return !this.used(t, slot);
    const flags = range.flags;
    let min: number, size: number;
    if (t.proto === PROTO_ICMP) {
      if ((flags & RangeFlag.PROTO_SPECIFIED) === 0) { min = 0; size = 65536; } else { min = range.minKey; size = range.maxKey - range.minKey + 1; }
    } else if ((flags & RangeFlag.PROTO_SPECIFIED) === 0) {
      if (m === Manip.DST) return !this.used(t, slot); // a DNAT never changes the port without a range
      if (key < 1024) {
        if (key < 512) { min = 1; size = 511; } else { min = 600; size = 424; }
      } else { min = 1024; size = 64512; }
    } else {
      let lo = range.minKey, hi = range.maxKey;
      if (hi < lo) { const x = lo; lo = hi; hi = x; }
      min = lo;
      size = hi - lo + 1;
    }
    let off: number;
    if ((flags & RangeFlag.PROTO_OFFSET) !== 0) off = (key - range.baseKey) & 0xffff;
    else if ((flags & RANDOM_ALL) !== 0 || m !== Manip.DST) off = this.random16() & 0xffff;
    else off = 0;
    let attempts = size > MAX_ATTEMPTS ? MAX_ATTEMPTS : size;
    for (;;) {
      for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
        setKey(t, m, min + (off % size));
        if (!this.used(t, slot)) return true;
      }
      if (attempts >= size || attempts < 16) return false;
      attempts >>= 1;
      off = this.random16() & 0xffff;
    }
  }

  /** find_best_ips_proto: the address from the range by the kernel's hash (or the one address). */
  private bestIps(t: Tuple, range: NatRange, m: number, zone: number): void {
    if ((range.flags & RangeFlag.MAP_IPS) === 0) return;
    let a: number;
    if (range.minIp === range.maxIp) a = range.minIp;
    else {
      const iv = (range.flags & RangeFlag.PERSISTENT) !== 0 ? 0 : (be32AsLe(t.dst) ^ zone) >>> 0;
      const j = jhash2Words(4, iv, be32AsLe(t.src));
      const dist = (range.maxIp - range.minIp + 1) >>> 0;
      a = (range.minIp + reciprocalScale(j, dist)) >>> 0;
    }
    if (m === Manip.SRC) t.src = a;
    else t.dst = a;
  }

  private inRange(t: Tuple, range: NatRange, m: number): boolean {
    const flags = range.flags;
    if ((flags & RangeFlag.MAP_IPS) !== 0) {
      const a = addrOf(t, m);
      if (a < range.minIp || a > range.maxIp) return false;
    }
    if ((flags & RangeFlag.PROTO_SPECIFIED) === 0) return true;
    const k = keyOf(t, m);
    return k < 0 || (k >= range.minKey && k <= range.maxKey);
  }

  /** nf_nat_used_tuple: is the reply tuple this candidate would give already some other connection's? */
  private used(t: Tuple, slot: number): boolean {
    invert(t, this.tmp);
    const n = this.table.find(this.tmp, this.table.zone(slot), this.now || this.clock());
    return n >= 0 && n >>> 1 !== slot;
  }

  /** The original-direction tuple as it is now: the inverse of the reply tuple. */
  private invertReply(slot: number, out: Tuple): void {
    const n = slot * 2 + 1;
    const r = this.other;
    r.src = this.table.src(n);
    r.dst = this.table.dst(n);
    r.ports = this.table.ports(n);
    r.proto = this.table.proto(slot);
    invert(r, out);
  }

  // ---------------------------------------------------------------- by source (find_appropriate_src)

  private bsBucket(src: number, key: number, proto: number, zone: number): number {
    let h = Math.imul((src ^ this.bsSalt) >>> 0, 0x9e3779b1);
    h = Math.imul(h ^ ((key << 8) | proto) ^ (zone << 24), 0x85ebca6b);
    h ^= h >>> 15;
    return (h >>> 0) % this.bsHeads.length;
  }

  private bysourceAdd(slot: number): void {
    if (this.bsIn[slot] !== 0) return;
    const n = slot * 2;
    const t = this.table;
    const b = this.bsBucket(t.src(n), t.ports(n) >>> 16, t.proto(slot), t.zone(slot));
    this.bsNext[slot] = this.bsHeads[b];
    this.bsHeads[b] = slot;
    this.bsIn[slot] = 1;
  }

  private bysourceRemove(slot: number): void {
    if (this.bsIn[slot] === 0) return;
    this.bsIn[slot] = 0;
    const n = slot * 2;
    const t = this.table;
    const b = this.bsBucket(t.src(n), t.ports(n) >>> 16, t.proto(slot), t.zone(slot));
    let p = this.bsHeads[b];
    if (p === slot) this.bsHeads[b] = this.bsNext[slot];
    else {
      while (p >= 0 && this.bsNext[p] !== slot) p = this.bsNext[p];
      if (p >= 0) this.bsNext[p] = this.bsNext[slot];
    }
    this.bsNext[slot] = -1;
  }

  /** An existing SNAT mapping of the same source (address, port, protocol) whose translated source is in range. */
  private findSourceMapping(orig: Tuple, out: Tuple, range: NatRange, zone: number): boolean {
    const t = this.table;
    const key = orig.ports >>> 16;
    for (let s = this.bsHeads[this.bsBucket(orig.src, key, orig.proto, zone)]; s >= 0; s = this.bsNext[s]) {
      const n = s * 2;
      if (t.src(n) !== orig.src || t.ports(n) >>> 16 !== key || t.proto(s) !== orig.proto || t.zone(s) !== zone) continue;
      this.invertReply(s, out);
      out.dst = orig.dst;
      out.ports = ((out.ports & 0xffff0000) | (orig.ports & 0xffff)) >>> 0;
      if (this.inRange(out, range, Manip.SRC)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- rewriting (nf_nat_packet)

  /** Rewrite the packet of direction dir at a hook of manip type m, when the connection is bound that way. */
  private apply(slot: number, dir: number, m: number, ctx: PacketContext): void {
    if ((this.table.status(slot) & statusBit(m, dir)) === 0) return;
    // Target: the inverse of the other direction's tuple.
    const n = slot * 2 + (1 - dir);
    const t = this.table;
    const ports = t.ports(n);
    const icmp = t.proto(slot) === PROTO_ICMP;
    if (m === Manip.SRC) manipPacket(ctx, Manip.SRC, t.dst(n), icmp ? ports >>> 16 : ports & 0xffff);
    else manipPacket(ctx, Manip.DST, t.src(n), ports >>> 16);
  }

  /** nf_nat_icmp_reply_translation for an ICMP error RELATED to the connection in slot, found in direction dir. */
  private icmpReply(slot: number, dir: number, m: number, ctx: PacketContext): number {
    if ((this.table.status(slot) & statusBit(m, dir)) === 0) return Verdict.ACCEPT;
    const n = slot * 2 + (1 - dir);
    const t = this.table;
    const ports = t.ports(n);
    const icmp = t.proto(slot) === PROTO_ICMP;
    // The quoted packet gets the opposite manip towards the other direction's tuple itself.
    const inner = m === Manip.SRC ? Manip.DST : Manip.SRC;
    const innerAddr = inner === Manip.SRC ? t.src(n) : t.dst(n);
    const innerPort = icmp || inner === Manip.SRC ? ports >>> 16 : ports & 0xffff;
    const outerAddr = m === Manip.SRC ? t.dst(n) : t.src(n);
    if (!translateIcmpError(ctx, inner, innerAddr, innerPort, m, outerAddr)) {
      this.stage.reason = DropReason.L4_TRUNCATED;
      return Verdict.DROP;
    }
    return Verdict.ACCEPT;
  }
}

function copy(to: Tuple, from: Tuple): void {
  to.src = from.src;
  to.dst = from.dst;
  to.ports = from.ports;
  to.proto = from.proto;
}
