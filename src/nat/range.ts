/**
 * A NAT range as the kernel's nf_nat_range2 has it (addresses, the per-
 * protocol key range, flags), filled from a rule's target for the packet in
 * hand (MASQUERADE's address is the egress interface's, REDIRECT's the
 * ingress one's, NETMAP's is spliced from the packet's own).
 * Invariant: one scratch NatRange is reused for every new binding; filling
 * it allocates nothing.
 */
import type { PacketContext } from '../packet/context.js';
import type { Target } from '../rules/targets.js';
import { Hook } from '../rules/model.js';

/** NF_NAT_RANGE_* flags. */
export const RangeFlag = {
  MAP_IPS: 1,
  PROTO_SPECIFIED: 2,
  PROTO_RANDOM: 4,
  PERSISTENT: 8,
  PROTO_RANDOM_FULLY: 16,
  PROTO_OFFSET: 32,
} as const;
export const RANDOM_ALL = RangeFlag.PROTO_RANDOM | RangeFlag.PROTO_RANDOM_FULLY;

export class NatRange {
  flags = 0;
  minIp = 0;
  maxIp = 0;
  minKey = 0;
  maxKey = 0;
  baseKey = 0;

  set(flags: number, minIp: number, maxIp: number, minKey: number, maxKey: number, baseKey = 0): void {
    this.flags = flags;
    this.minIp = minIp >>> 0;
    this.maxIp = maxIp >>> 0;
    this.minKey = minKey;
    this.maxKey = maxKey;
    this.baseKey = baseKey;
  }
}

export type NatTarget = Extract<Target, { kind: 'SNAT' | 'DNAT' | 'MASQUERADE' | 'REDIRECT' | 'NETMAP' | 'SAME' }>;

/** Addresses NAT targets take from the router's interfaces. */
export interface NatAddresses {
  /** MASQUERADE: the address the packet leaves from on ifIndex (0 when it has none). */
  primaryAddress(ifIndex: number): number;
}

const LOOPBACK = 0x7f000001;

/**
 * Fill `r` for target t on the packet in ctx at `hook`; false when the target
 * cannot map it (MASQUERADE or REDIRECT without an address: the kernel drops).
 */
export function fillRange(r: NatRange, t: NatTarget, ctx: PacketContext, hook: number, addrs: NatAddresses): boolean {
  switch (t.kind) {
    case 'SNAT':
    case 'DNAT': {
      const g = t.range;
      let flags = (t.random ? RangeFlag.PROTO_RANDOM : 0) | (t.randomFully ? RangeFlag.PROTO_RANDOM_FULLY : 0) | (t.persistent ? RangeFlag.PERSISTENT : 0);
      if (g === null) {
        r.set(flags, 0, 0, 0, 0);
        return true;
      }
      if (g.mapIps ?? (g.minIp !== 0 || g.maxIp !== 0)) flags |= RangeFlag.MAP_IPS;
      if (g.protoSpecified ?? (g.minPort !== 0 || g.maxPort !== 0)) flags |= RangeFlag.PROTO_SPECIFIED;
      if (g.basePort !== 0) flags |= RangeFlag.PROTO_OFFSET;
      r.set(flags, g.minIp, g.maxIp, g.minPort, g.maxPort, g.basePort);
      return true;
    }
    case 'MASQUERADE': {
      const a = addrs.primaryAddress(ctx.outIf);
      if (a === 0) return false;
      let flags = RangeFlag.MAP_IPS | (t.random ? RangeFlag.PROTO_RANDOM : 0) | (t.randomFully ? RangeFlag.PROTO_RANDOM_FULLY : 0);
      if (t.portsGiven ?? (t.minPort !== 0 || t.maxPort !== 0)) flags |= RangeFlag.PROTO_SPECIFIED;
      r.set(flags, a, a, t.minPort, t.maxPort);
      return true;
    }
    case 'REDIRECT': {
      // nf_nat_redirect_ipv4: locally generated packets go to 127.0.0.1, others to the first address of their interface.
      const a = hook === Hook.OUTPUT || ctx.inIf < 0 ? LOOPBACK : addrs.primaryAddress(ctx.inIf);
      if (a === 0) return false;
      let flags = RangeFlag.MAP_IPS | (t.random ? RangeFlag.PROTO_RANDOM : 0);
      if (t.portsGiven ?? (t.minPort !== 0 || t.maxPort !== 0)) flags |= RangeFlag.PROTO_SPECIFIED;
      r.set(flags, a, a, t.minPort, t.maxPort);
      return true;
    }
    case 'NETMAP': {
      // xt_NETMAP: the network part from the target, the host part from the packet.
      const dst = hook === Hook.PREROUTING || hook === Hook.OUTPUT;
      const a = (((dst ? ctx.daddr : ctx.saddr) & ~t.mask) | (t.addr & t.mask)) >>> 0;
      r.set(RangeFlag.MAP_IPS, a, a, 0, 0);
      return true;
    }
    case 'SAME': {
      // The 2.4/2.6 SAME target: a client keeps one address of the range; --nodst leaves the destination out of the choice.
      const g = t.ranges[0];
      if (g === undefined) return false;
      const flags = RangeFlag.MAP_IPS | (t.nodst ? RangeFlag.PERSISTENT : 0) | (t.random ? RangeFlag.PROTO_RANDOM : 0);
      r.set(flags, g.minIp, g.maxIp, g.minPort, g.maxPort);
      return true;
    }
  }
}
