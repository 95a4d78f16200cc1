/**
 * The per-batch pipeline (pf_test() in spirit): normalise, hooks, routing,
 * local delivery or forwarding, hooks again, neighbour, transmit.
 *
 * Invariants:
 * - A packet stays in its slab slot from receive to transmit; forwarding
 *   rewrites it in place. Each slot handed to process*() ends in exactly one
 *   of: a port's tx queue, the neighbour queue, or release() — drop() is the
 *   one place a packet dies, and it counts the reason.
 * - One PacketContext, reused; no allocation per packet once warm.
 * - Router-generated packets (ICMP errors, echo replies, RSTs) go through the
 *   local output path: OUTPUT hooks, routing, POSTROUTING, like the kernel's.
 */
import { PacketContext } from '../packet/context.js';
import { DropReason } from '../packet/drop-reason.js';
import { Hook } from '../rules/model.js';
import { Verdict } from '../rules/verdict.js';
import type { CompiledRuleset } from '../rules/evaluator.js';
import { PktType } from '../rules/ctstate.js';
import { HookRunner, PASS_STAGE, type HookStages } from './hooks.js';
import { InterfaceCounters } from '../telemetry/counters.js';
import type { IcmpLimiterIO, InterfacesIO, NeighboursIO, PortIO, RoutesIO, SlabIO } from './deps.js';
import * as wire from './wire.js';

/** Bytes kept free before the IP header of generated packets, for an Ethernet header. */
export const HEADROOM = 64;
/** Router-made packets (ICMP errors, RSTs) that may wait for the end of the batch. */
const GEN_MAX = 256;

const ETH_P_IP = 0x0800;
const ETH_P_ARP = 0x0806;
const ICMP_ECHO = 8;
const ICMP_DEST_UNREACH = 3;
const ICMP_TIME_EXCEEDED = 11;
const ROUTE_BLACKHOLE = 1;
const ROUTE_UNREACHABLE = 2;
const ROUTE_PROHIBIT = 3;

export interface PipelineDeps {
  slab: SlabIO;
  /** Ports by interface index (the host port included). */
  ports: PortIO[];
  ifaces: InterfacesIO;
  routes: RoutesIO;
  neigh: NeighboursIO;
  icmpLimit: IcmpLimiterIO;
  /** Interface index of the host port (local delivery TUN), or -1. */
  hostIf: number;
  nowMs(): number;
}

export class Pipeline {
  readonly ctx = new PacketContext();
  readonly counters: InterfaceCounters;
  /** Runs each hook's entries; holds the live ruleset, swapped between batches by setRuleset(). */
  private readonly hooks: HookRunner;
  private pendingRules: CompiledRuleset | null = null;
  private readonly dirty: Uint8Array;
  private ipId = 1;
  /** Router-generated packets counted by ICMP type (index = type). */
  readonly icmpSent = new Float64Array(256);
  icmpRateLimited = 0;
  private readonly fragSink: FragSink;
  /**
   * ICMP errors and RSTs are made while a rule (REJECT) or the forwarding
   * path is still working on the packet they answer, in the same context;
   * they take the local output path only after it is done (drainGenerated),
   * so rule evaluation is never re-entered.
   */
  private readonly genSlot = new Int32Array(GEN_MAX);
  private readonly genOff = new Int32Array(GEN_MAX);
  private readonly genLen = new Int32Array(GEN_MAX);
  private readonly genCharge = new Int32Array(GEN_MAX);
  /** -1: through OUTPUT/POSTROUTING; else MIRROR's arrival interface (sent straight back out of it, no hooks). */
  private readonly genMirror = new Int32Array(GEN_MAX);
  private genCount = 0;

  constructor(private readonly d: PipelineDeps, rules: CompiledRuleset, stages: HookStages = PASS_STAGES) {
    this.hooks = new HookRunner(rules, stages);
    this.counters = new InterfaceCounters(Array.from({ length: d.ifaces.count() }, (_, i) => d.ifaces.name(i)));
    this.dirty = new Uint8Array(d.ports.length);
    this.ctx.buf = d.slab.buf;
    this.fragSink = new FragSink(d.slab, this);
  }

  /** Swap the ruleset atomically: it takes effect at the next batch boundary. */
  setRuleset(rs: CompiledRuleset): void {
    this.pendingRules = rs;
  }

  get ruleset(): CompiledRuleset {
    return this.pendingRules ?? this.hooks.rules;
  }

  // ---------------------------------------------------------------- batches

  /** Start of a batch: apply a pending ruleset swap (never mid-batch). */
  beginBatch(): void {
    if (this.pendingRules !== null) {
      this.hooks.rules = this.pendingRules;
      this.pendingRules = null;
    }
  }

  /** End of a batch: router-made packets go out, then one send per port that has frames queued. */
  endBatch(): void {
    this.drainGenerated();
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      if (dirty[i] !== 0) {
        dirty[i] = 0;
        this.d.ports[i].flush();
      }
    }
  }

  // ---------------------------------------------------------------- receive

  /** A frame from an Ethernet port (AF_PACKET or TAP). pktType is PACKET_* or -1 to derive it from the MAC. */
  receiveL2(ifIndex: number, slot: number, off: number, len: number, pktType: number): void {
    const buf = this.d.slab.buf;
    const c = this.counters;
    c.rxPackets[ifIndex]++;
    c.rxBytes[ifIndex] += len;
    const l2 = wire.ethernetL2(buf, off, len);
    if (l2 < 0) return this.drop(ifIndex, slot, DropReason.FRAME_TRUNCATED);
    const l2Len = l2 >>> 16;
    const type = l2 & 0xffff;
    if (type === ETH_P_ARP) return this.receiveArp(ifIndex, slot, off, len, l2Len);
    if (type !== ETH_P_IP) return this.drop(ifIndex, slot, DropReason.NOT_IPV4);

    const ctx = this.ctx;
    const reason = wire.parseIPv4(ctx, buf, off + l2Len, len - l2Len);
    if (reason !== DropReason.NONE) return this.drop(ifIndex, slot, reason);
    ctx.frameOff = off;
    ctx.frameLen = len;
    ctx.l2Len = l2Len;
    ctx.vlanTci = l2Len === 18 ? ((buf[off + 14] << 8) | buf[off + 15]) : -1;
    ctx.pktType = pktType >= 0 ? pktType : wire.pktTypeOf(buf, off, this.d.ports[ifIndex].mac);
    // The kernel drops frames for other hosts before IP sees them (ip_rcv).
    if (ctx.pktType === PktType.OTHERHOST) return this.drop(ifIndex, slot, DropReason.NOT_FOR_US);
    this.ingress(ifIndex, slot);
  }

  /** An IP packet from an L3 port (TUN): the frame is the IP packet at `off`. */
  receiveL3(ifIndex: number, slot: number, off: number, len: number): void {
    const c = this.counters;
    c.rxPackets[ifIndex]++;
    c.rxBytes[ifIndex] += len;
    if (ifIndex === this.d.hostIf) return this.receiveLocal(ifIndex, slot, off, len);
    const ctx = this.ctx;
    const reason = wire.parseIPv4(ctx, this.d.slab.buf, off, len);
    if (reason !== DropReason.NONE) return this.drop(ifIndex, slot, reason);
    setL3Frame(ctx, off, len);
    this.ingress(ifIndex, slot);
  }

  // ---------------------------------------------------------------- ingress

  private ingress(ifIndex: number, slot: number): void {
    const ctx = this.ctx;
    resetMeta(ctx, ifIndex, false);
    ctx.bufEnd = this.d.slab.slotOffset(slot) + this.d.slab.slotSize;

    const v = this.hooks.run(Hook.PREROUTING, ctx);
    if (v !== Verdict.ACCEPT) return this.verdictDrop(ifIndex, slot);

    // Martians: routing drops these after PREROUTING (ip_route_input_slow),
    // so raw and mangle rules see and count them, as in the kernel.
    const src = ctx.saddr;
    if ((src >>> 24) === 127 || (ctx.daddr >>> 24) === 127) return this.drop(ifIndex, slot, DropReason.LOOPBACK_ADDRESS);
    if (this.d.ifaces.isLocal(src) || (src >>> 28) === 0xe || src === 0xffffffff) {
      return this.drop(ifIndex, slot, DropReason.MARTIAN_SOURCE);
    }

    const dst = ctx.daddr;
    if (this.d.ifaces.isLocal(dst) || this.d.ifaces.isBroadcast(dst)) return this.localIn(ifIndex, slot);
    if ((dst >>> 28) === 0xe) return this.drop(ifIndex, slot, DropReason.NOT_FOR_US); // multicast routing: not supported
    this.forward(ifIndex, slot);
  }

  // ---------------------------------------------------------------- local delivery

  private localIn(ifIndex: number, slot: number): void {
    const ctx = this.ctx;
    const v = this.hooks.run(Hook.INPUT, ctx);
    if (v !== Verdict.ACCEPT) return this.verdictDrop(ifIndex, slot);

    // Fragments for us are handed to the host stack as they are (it reassembles).
    if (ctx.proto === 1 && ctx.l4Off >= 0 && ctx.icmpType === ICMP_ECHO) {
      // icmp_echo_ignore_broadcasts=1, as the kernel's default.
      if (!this.d.ifaces.isLocal(ctx.daddr)) return this.drop(ifIndex, slot, DropReason.NOT_FOR_US);
      const buf = ctx.buf;
      wire.echoReplyInPlace(buf, ctx.l3Off, 64, this.nextIpId());
      this.icmpSent[0]++;
      return this.localOut(ifIndex, slot, ctx.l3Off, ctx.ipTotLen, false, buf);
    }
    const host = this.d.hostIf;
    if (host < 0) return this.drop(ifIndex, slot, DropReason.HOST_PORT_DOWN);
    // A reassembled datagram goes to the host stack refragmented (it reassembles again).
    if (ctx.buf !== this.d.slab.buf) return this.transmit(ifIndex, slot, host, 0, ctx.l3Off, ctx.ipTotLen, ctx.df, ctx.buf);
    this.queue(host, slot, ctx.l3Off, ctx.ipTotLen);
  }

  /** A packet from a local process, read from the host port. */
  private receiveLocal(ifIndex: number, slot: number, off: number, len: number): void {
    const ctx = this.ctx;
    const reason = wire.parseIPv4(ctx, this.d.slab.buf, off, len);
    if (reason !== DropReason.NONE) return this.drop(ifIndex, slot, reason);
    this.localOut(ifIndex, slot, off, ctx.ipTotLen, true);
  }

  /**
   * The local output path for a packet already parsed into ctx (or parsed here
   * when `parsed` is false): OUTPUT hooks, routing, POSTROUTING, transmit.
   * `chargeIf` is the interface drops are charged to.
   */
  private localOut(chargeIf: number, slot: number, l3Off: number, len: number, parsed = false, buf: Uint8Array = this.d.slab.buf): void {
    const ctx = this.ctx;
    if (!parsed) {
      const reason = wire.parseIPv4(ctx, buf, l3Off, len);
      if (reason !== DropReason.NONE) return this.drop(chargeIf, slot, reason);
    }
    setL3Frame(ctx, l3Off, len);
    resetMeta(ctx, -1, true);
    ctx.bufEnd = buf === this.d.slab.buf ? this.d.slab.slotOffset(slot) + this.d.slab.slotSize : buf.length;

    if (!this.routeLocalOut(ctx)) return this.drop(chargeIf, slot, DropReason.NO_ROUTE);

    const daddr = ctx.daddr;
    let v = this.hooks.run(Hook.OUTPUT, ctx);
    if (v !== Verdict.ACCEPT) return this.verdictDrop(chargeIf, slot);
    // ip_route_me_harder: OUTPUT changed where the packet goes (DNAT, a
    // rewritten address), so it is routed again. (rawgate routes on the
    // destination only: a changed mark does not change the route.)
    if (ctx.daddr !== daddr && !this.routeLocalOut(ctx)) return this.drop(chargeIf, slot, DropReason.NO_ROUTE);
    v = this.hooks.run(Hook.POSTROUTING, ctx);
    if (v !== Verdict.ACCEPT) return this.verdictDrop(chargeIf, slot);
    this.transmit(chargeIf, slot, ctx.outIf, ctx.nextHop, ctx.l3Off, ctx.ipTotLen, ctx.df, ctx.buf);
  }

  /** Route a locally sent packet by its destination: sets outIf and nextHop; false when there is no unicast route. */
  private routeLocalOut(ctx: PacketContext): boolean {
    const routes = this.d.routes;
    const route = routes.lookup(ctx.daddr);
    if (route < 0 || routes.type(route) !== 0) return false;
    ctx.outIf = routes.outIf(route);
    const gw = routes.gateway(route);
    ctx.nextHop = gw !== 0 ? gw : ctx.daddr;
    return true;
  }

  // ---------------------------------------------------------------- forwarding

  private forward(ifIndex: number, slot: number): void {
    const ctx = this.ctx;
    const d = this.d;
    // ip_forward: only packets addressed to us at L2 are forwarded.
    if (ctx.pktType !== PktType.HOST) return this.drop(ifIndex, slot, DropReason.NOT_FOR_US);
    const route = d.routes.lookup(ctx.daddr);
    if (route < 0) {
      this.icmpError(ifIndex, slot, ICMP_DEST_UNREACH, 0, 0);
      return this.drop(ifIndex, slot, DropReason.NO_ROUTE);
    }
    const rtype = d.routes.type(route);
    if (rtype !== 0) {
      if (rtype === ROUTE_UNREACHABLE) this.icmpError(ifIndex, slot, ICMP_DEST_UNREACH, 1, 0);
      else if (rtype === ROUTE_PROHIBIT) this.icmpError(ifIndex, slot, ICMP_DEST_UNREACH, 13, 0);
      return this.drop(ifIndex, slot, DropReason.NO_ROUTE);
    }
    // TTL and MTU are checked before the TTL is decremented (ip_forward).
    if (ctx.ttl <= 1) {
      this.icmpError(ifIndex, slot, ICMP_TIME_EXCEEDED, 0, 0);
      return this.drop(ifIndex, slot, DropReason.TTL_EXPIRED);
    }
    const outIf = d.routes.outIf(route);
    const mtu = d.ifaces.mtu(outIf);
    // ip_exceeds_mtu: a reassembled datagram is judged by its largest fragment.
    if (ctx.fragMaxSize > 0 ? wire.defragExceedsMtu(ctx.fragDf, ctx.fragMaxSize, mtu) : ctx.ipTotLen > mtu && ctx.df !== 0) {
      this.icmpError(ifIndex, slot, ICMP_DEST_UNREACH, 4, mtu);
      return this.drop(ifIndex, slot, DropReason.FRAG_NEEDED);
    }
    wire.decrementTtl(ctx.buf, ctx.l3Off);
    ctx.ttl--;
    ctx.outIf = outIf;
    const gw = d.routes.gateway(route);
    ctx.nextHop = gw !== 0 ? gw : ctx.daddr;

    let v = this.hooks.run(Hook.FORWARD, ctx);
    if (v !== Verdict.ACCEPT) return this.verdictDrop(ifIndex, slot);
    v = this.hooks.run(Hook.POSTROUTING, ctx);
    if (v !== Verdict.ACCEPT) return this.verdictDrop(ifIndex, slot);
    this.transmit(ifIndex, slot, ctx.outIf, ctx.nextHop, ctx.l3Off, ctx.ipTotLen, ctx.df, ctx.buf);
  }

  // ---------------------------------------------------------------- transmit

  /**
   * Send an IP packet (slot, l3Off, len) out of outIf towards nextHop,
   * fragmenting when it exceeds the MTU. `buf` is where its bytes are: the
   * slab, or the reassembly area (the packet in ctx, then always copied or
   * refragmented into slots of its own; `slot` is only freed).
   */
  transmit(chargeIf: number, slot: number, outIf: number, nextHop: number, l3Off: number, len: number, df: number, buf: Uint8Array = this.d.slab.buf): void {
    const d = this.d;
    if (buf !== d.slab.buf) return this.transmitFromArea(chargeIf, slot, outIf, nextHop, buf, l3Off, len, df);
    if (len > d.ifaces.mtu(outIf)) {
      if (df !== 0) return this.drop(chargeIf, slot, DropReason.FRAG_NEEDED);
      return this.fragmentOut(chargeIf, slot, outIf, nextHop, l3Off, len);
    }
    const port = d.ports[outIf];
    if (!port.l2) return this.queue(outIf, slot, l3Off, len);
    const sb = d.slab.buf;
    const eth = l3Off - 14;
    if (eth < d.slab.slotOffset(slot)) {
      // No headroom (cannot happen for slots the pipeline prepares); refuse rather than corrupt.
      return this.drop(chargeIf, slot, DropReason.TX_ERROR);
    }
    if (d.neigh.resolve(outIf, nextHop, sb, eth)) {
      wire.writeEthernetSrcType(sb, eth, port.mac, ETH_P_IP);
      return this.queue(outIf, slot, eth, len + 14);
    }
    if (!d.neigh.park(outIf, nextHop, slot, l3Off, len)) this.drop(chargeIf, slot, DropReason.NEIGHBOUR_QUEUE_FULL);
  }

  /** The neighbour for a parked packet resolved: send it (called by the neighbour layer's release). */
  sendResolved(outIf: number, slot: number, l3Off: number, len: number, mac: Uint8Array, macOff: number): void {
    const buf = this.d.slab.buf;
    const eth = l3Off - 14;
    buf.set(mac.subarray(macOff, macOff + 6), eth);
    wire.writeEthernetSrcType(buf, eth, this.d.ports[outIf].mac, ETH_P_IP);
    this.queue(outIf, slot, eth, len + 14);
  }

  /** A parked packet's neighbour failed: ICMP host unreachable to its sender, then drop. */
  neighbourFailed(outIf: number, slot: number, l3Off: number, len: number): void {
    const ctx = this.ctx;
    if (wire.parseIPv4(ctx, this.d.slab.buf, l3Off, len) === DropReason.NONE) {
      this.icmpError(outIf, slot, ICMP_DEST_UNREACH, 1, 0);
    }
    this.drop(outIf, slot, DropReason.NEIGHBOUR_FAILED);
  }

  /** A parked packet was pushed out of a full neighbour queue. */
  dropParked(outIf: number, slot: number): void {
    this.drop(outIf, slot, DropReason.NEIGHBOUR_QUEUE_FULL);
  }

  /**
   * The packet in ctx lives in the reassembly area: refragment a reassembled
   * datagram to its largest original fragment (the kernel always does), or
   * fragment it to the MTU, or copy it whole into a slot of its own.
   */
  private transmitFromArea(chargeIf: number, slot: number, outIf: number, nextHop: number, buf: Uint8Array, l3Off: number, len: number, df: number): void {
    const d = this.d;
    const ctx = this.ctx;
    const mtu = d.ifaces.mtu(outIf);
    const sink = this.fragSink;
    sink.chargeIf = chargeIf;
    sink.outIf = outIf;
    sink.nextHop = nextHop;
    sink.slot = -1;
    let n: number;
    if (ctx.fragMaxSize > 0) n = wire.refragment(buf, l3Off, mtu, ctx.fragMaxSize, ctx.fragDf, sink);
    else if (len > mtu) {
      if (df !== 0) return this.drop(chargeIf, slot, DropReason.FRAG_NEEDED);
      n = wire.fragment(buf, l3Off, mtu, sink);
    } else n = 0;
    d.slab.release(slot);
    if (n < 0) return this.counters.rxDrop(chargeIf, DropReason.FRAGMENTATION_FAILED);
    if (n > 0) return;
    // Fits whole: a slot of its own.
    const off = sink.next(len);
    if (off < 0) return this.counters.rxDrop(chargeIf, DropReason.TX_RING_FULL);
    d.slab.buf.set(buf.subarray(l3Off, l3Off + len), off);
    sink.done(off, len);
  }

  private fragmentOut(chargeIf: number, slot: number, outIf: number, nextHop: number, l3Off: number, len: number): void {
    const d = this.d;
    const sink = this.fragSink;
    sink.chargeIf = chargeIf;
    sink.outIf = outIf;
    sink.nextHop = nextHop;
    sink.slot = -1;
    const n = wire.fragment(d.slab.buf, l3Off, d.ifaces.mtu(outIf), sink);
    d.slab.release(slot);
    if (n < 0) this.counters.rxDrop(chargeIf, DropReason.FRAGMENTATION_FAILED);
  }

  private queue(outIf: number, slot: number, off: number, len: number): void {
    const c = this.counters;
    c.txPackets[outIf]++;
    c.txBytes[outIf] += len;
    this.d.ports[outIf].queueTx(slot, off - this.d.slab.slotOffset(slot), len);
    this.dirty[outIf] = 1;
  }

  // ---------------------------------------------------------------- ARP

  private receiveArp(ifIndex: number, slot: number, off: number, len: number, l2Len: number): void {
    const d = this.d;
    const buf = d.slab.buf;
    const arp = off + l2Len;
    if (!wire.arpValid(buf, arp, len - l2Len)) return this.drop(ifIndex, slot, DropReason.ARP_MALFORMED);
    const op = wire.arpOp(buf, arp);
    const spa = wire.arpSpa(buf, arp);
    const tpa = wire.arpTpa(buf, arp);
    const forUs = d.ifaces.ownsAddress(ifIndex, tpa);
    if (spa !== 0) d.neigh.learn(ifIndex, spa, buf, arp + 8, op === 2 || forUs);
    if (op === 1 && forUs && spa !== tpa) {
      // Answer in place: the request becomes the reply, sent back on the same port.
      wire.arpReplyInPlace(buf, off, arp, d.ports[ifIndex].mac, tpa);
      return this.queue(ifIndex, slot, off, l2Len + 28);
    }
    d.slab.release(slot);
  }

  /** Gratuitous ARP for one of our addresses (at start). */
  announce(ifIndex: number, addr: number): void {
    const d = this.d;
    const slot = d.slab.alloc();
    if (slot < 0) return this.counters.rxDrop(ifIndex, DropReason.TX_RING_FULL);
    const off = d.slab.slotOffset(slot);
    const len = wire.buildArpRequest(d.slab.buf, off, d.ports[ifIndex].mac, addr, addr);
    this.queue(ifIndex, slot, off, len);
  }

  /** An ARP request for addr out of ifIndex (neighbour resolution). */
  solicit(ifIndex: number, addr: number): void {
    const d = this.d;
    const src = d.ifaces.primaryAddress(ifIndex);
    const slot = d.slab.alloc();
    if (slot < 0) return this.counters.rxDrop(ifIndex, DropReason.TX_RING_FULL);
    const off = d.slab.slotOffset(slot);
    const len = wire.buildArpRequest(d.slab.buf, off, d.ports[ifIndex].mac, src, addr);
    this.queue(ifIndex, slot, off, len);
  }

  // ---------------------------------------------------------------- ICMP errors and REJECT

  /**
   * Send an ICMP error about the packet in ctx (rate-limited like the kernel;
   * never about ICMP errors, fragments other than the first, or broadcasts).
   */
  icmpError(chargeIf: number, origSlot: number, type: number, code: number, mtu: number): void {
    const ctx = this.ctx;
    const d = this.d;
    if (ctx.fragOff !== 0) return;
    if (ctx.proto === 1 && ctx.l4Off >= 0 && wire.isIcmpError(ctx.icmpType)) return;
    if (d.ifaces.isBroadcast(ctx.daddr) || (ctx.daddr >>> 28) === 0xe) return;
    if (!d.icmpLimit.allow(type, code, ctx.saddr, d.nowMs())) {
      this.icmpRateLimited++;
      return;
    }
    const src = this.replySource(chargeIf);
    if (src === 0) return;
    const slot = d.slab.alloc();
    if (slot < 0) return this.counters.rxDrop(chargeIf, DropReason.TX_RING_FULL);
    const off = d.slab.slotOffset(slot) + HEADROOM;
    const len = wire.buildIcmpError(d.slab.buf, off, ctx.buf, ctx.l3Off, ctx.ipTotLen, type, code, src, mtu, this.nextIpId(), wire.ICMP_ERROR_MAXLEN);
    this.icmpSent[type]++;
    void origSlot;
    this.emitGenerated(chargeIf, slot, off, len);
  }

  /**
   * A reassembly queue timed out (ip_expire): ICMP time exceeded, code 1,
   * quoting its first fragment, only for datagrams to the router itself
   * (the kernel sends none for forwarded traffic it held for conntrack).
   */
  reassemblyTimedOut(buf: Uint8Array, off: number, len: number, user: number): void {
    const d = this.d;
    if (user !== Hook.PREROUTING || len < 20 || !d.ifaces.isLocal(wire.rd32(buf, off + 16))) return;
    const to = wire.rd32(buf, off + 12);
    const r = d.routes.lookup(to);
    const src = r < 0 ? 0 : d.ifaces.primaryAddress(d.routes.outIf(r));
    if (src === 0 || !d.icmpLimit.allow(ICMP_TIME_EXCEEDED, 1, to, d.nowMs())) return;
    const slot = d.slab.alloc();
    if (slot < 0) return;
    const at = d.slab.slotOffset(slot) + HEADROOM;
    const n = wire.buildIcmpError(d.slab.buf, at, buf, off, len, ICMP_TIME_EXCEEDED, 1, src, 0, this.nextIpId(), wire.ICMP_ERROR_MAXLEN);
    this.icmpSent[ICMP_TIME_EXCEEDED]++;
    this.emitGenerated(-1 < r ? d.routes.outIf(r) : 0, slot, at, n);
  }

  /** REJECT --reject-with tcp-reset: a RST spoofed from the original destination. */
  tcpReset(chargeIf: number): void {
    const ctx = this.ctx;
    const d = this.d;
    if (ctx.fragOff !== 0 || ctx.l4Off < 0 || (ctx.tcpFlags & 0x04) !== 0) return;
    const slot = d.slab.alloc();
    if (slot < 0) return this.counters.rxDrop(chargeIf, DropReason.TX_RING_FULL);
    const off = d.slab.slotOffset(slot) + HEADROOM;
    const len = wire.buildTcpReset(d.slab.buf, off, ctx.buf, ctx.l3Off, ctx.ipTotLen);
    if (len === 0) return d.slab.release(slot);
    this.emitGenerated(chargeIf, slot, off, len);
  }

  /**
   * MIRROR (the 2.4 kernel's ipt_MIRROR): a copy of the packet with source and
   * destination swapped (no checksum changes: the sums are the same), its TTL
   * decremented unless it came from FORWARD (which already did), sent straight
   * back out of the interface it came in on, without further hooks; nothing is
   * sent when the route back leaves by another interface or the TTL runs out.
   */
  mirror(chargeIf: number): void {
    const ctx = this.ctx;
    const d = this.d;
    const fromForward = ctx.hook === Hook.FORWARD;
    if (ctx.inIf < 0 || (!fromForward && ctx.ttl <= 1)) return;
    const len = ctx.ipTotLen;
    if (HEADROOM + len > d.slab.slotSize) return;
    const slot = d.slab.alloc();
    if (slot < 0) return this.counters.rxDrop(chargeIf, DropReason.TX_RING_FULL);
    const buf = d.slab.buf;
    const off = d.slab.slotOffset(slot) + HEADROOM;
    buf.set(ctx.buf.subarray(ctx.l3Off, ctx.l3Off + len), off);
    wire.wr32(buf, off + 12, ctx.daddr);
    wire.wr32(buf, off + 16, ctx.saddr);
    if (!fromForward) wire.decrementTtl(buf, off);
    this.emitGenerated(chargeIf, slot, off, len, ctx.inIf);
  }

  private emitGenerated(chargeIf: number, slot: number, off: number, len: number, mirrorIf = -1): void {
    const n = this.genCount;
    if (n === GEN_MAX) return this.drop(chargeIf, slot, DropReason.TX_RING_FULL);
    this.genSlot[n] = slot;
    this.genOff[n] = off;
    this.genLen[n] = len;
    this.genCharge[n] = chargeIf;
    this.genMirror[n] = mirrorIf;
    this.genCount = n + 1;
  }

  /** Router-made packets through OUTPUT and POSTROUTING (which may add more: bounded by GEN_MAX). */
  private drainGenerated(): void {
    for (let i = 0; i < this.genCount; i++) {
      const back = this.genMirror[i];
      if (back < 0) {
        this.localOut(this.genCharge[i], this.genSlot[i], this.genOff[i], this.genLen[i]);
        continue;
      }
      const d = this.d;
      const off = this.genOff[i];
      const daddr = wire.rd32(d.slab.buf, off + 16);
      const route = d.routes.lookup(daddr);
      if (route < 0 || d.routes.type(route) !== 0 || d.routes.outIf(route) !== back) {
        d.slab.release(this.genSlot[i]);
        continue;
      }
      const gw = d.routes.gateway(route);
      this.transmit(this.genCharge[i], this.genSlot[i], back, gw !== 0 ? gw : daddr, off, this.genLen[i], d.slab.buf[off + 6] & 0x40);
    }
    this.genCount = 0;
  }

  /** The address the router answers from: the inbound interface's, else the route back's. */
  private replySource(ifIndex: number): number {
    const d = this.d;
    if (ifIndex >= 0 && ifIndex !== d.hostIf) {
      const a = d.ifaces.primaryAddress(ifIndex);
      if (a !== 0) return a;
    }
    const r = d.routes.lookup(this.ctx.saddr);
    return r < 0 ? 0 : d.ifaces.primaryAddress(d.routes.outIf(r));
  }

  private nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  // ---------------------------------------------------------------- drops

  /** A hook ended with a verdict other than ACCEPT: the runner says why (NONE: consumed by a stage, not a drop). */
  private verdictDrop(ifIndex: number, slot: number): void {
    const reason = this.hooks.reason;
    if (reason === DropReason.NONE) {
      this.hooks.abandon();
      return this.d.slab.release(slot);
    }
    this.drop(ifIndex, slot, reason);
  }

  /** The one place a packet dies: count the reason, free the slot. */
  drop(ifIndex: number, slot: number, reason: number): void {
    this.hooks.abandon();
    this.counters.rxDrop(ifIndex, reason);
    this.d.slab.release(slot);
  }
}

const PASS_STAGES: HookStages = { defrag: PASS_STAGE, conntrack: PASS_STAGE, nat: PASS_STAGE, confirm: PASS_STAGE };

/** The frame is the IP packet itself (TUN ports, locally generated packets). */
function setL3Frame(ctx: PacketContext, off: number, len: number): void {
  ctx.frameOff = off;
  ctx.frameLen = len;
  ctx.l2Len = 0;
  ctx.vlanTci = -1;
  ctx.pktType = PktType.HOST;
}

/** Per-packet metadata a new packet starts with (no mark, no owner known, no connection yet). */
function resetMeta(ctx: PacketContext, inIf: number, local: boolean): void {
  ctx.inIf = inIf;
  ctx.outIf = -1;
  ctx.local = local;
  ctx.mark = 0;
  ctx.priority = 0;
  ctx.uid = -1;
  ctx.gid = -1;
  ctx.srcAddrType = 0;
  ctx.dstAddrType = 0;
  ctx.ctIndex = -1;
  ctx.ctState = 0;
  ctx.ctDir = 0;
  ctx.ctZone = 0;
  ctx.ctHelper = 0;
  ctx.fragMaxSize = 0;
  ctx.fragDf = 0;
}

/**
 * The fragment sink, kept as a field so fragmenting allocates nothing: each
 * fragment gets its own slot (with headroom for the Ethernet header) and is
 * transmitted as soon as it is complete.
 */
class FragSink implements wire.FragmentSink {
  chargeIf = 0;
  outIf = 0;
  nextHop = 0;
  slot = -1;
  readonly buf: Uint8Array;
  constructor(private readonly slab: SlabIO, private readonly p: Pipeline) {
    this.buf = slab.buf;
  }
  next(len: number): number {
    if (HEADROOM + len > this.slab.slotSize) return -1;
    const s = this.slab.alloc();
    if (s < 0) return -1;
    this.slot = s;
    return this.slab.slotOffset(s) + HEADROOM;
  }
  done(off: number, len: number): void {
    const s = this.slot;
    this.slot = -1;
    this.p.transmit(this.chargeIf, s, this.outIf, this.nextHop, off, len, 0);
  }
}
