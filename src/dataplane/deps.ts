/**
 * What the pipeline needs from the layers below it, as narrow interfaces.
 * src/dataplane/wire-up.ts adapts the real io/net modules to these; tests
 * can supply fakes. Everything here is called per packet: implementations
 * must not allocate.
 */

/** One port as the pipeline sees it: slots in the shared slab, batched tx. */
export interface PortIO {
  /** rawgate interface index of this port. */
  readonly ifIndex: number;
  /** True for Ethernet ports (AF_PACKET, TAP), false for L3 ports (TUN, host port). */
  readonly l2: boolean;
  /** Own MAC (6 bytes; zeros for L3 ports). */
  readonly mac: Uint8Array;
  /** Queue a frame (off relative to the slot's start) for the end-of-batch send; the port owns the slot from here on. */
  queueTx(slot: number, off: number, len: number): void;
  /** Send what is queued (one system call per batch). */
  flush(): void;
}

/** The shared slab of fixed-size slots. */
export interface SlabIO {
  readonly buf: Uint8Array;
  readonly slotSize: number;
  /** Byte offset of a slot in buf. */
  slotOffset(slot: number): number;
  /** A free slot for a router-generated packet, or -1 when none is free. */
  alloc(): number;
  /** Give a slot back (packet dropped or consumed). */
  release(slot: number): void;
}

/** Routing: longest-prefix match with typed-array accessors for the result. */
export interface RoutesIO {
  lookup(daddr: number): number;
  outIf(route: number): number;
  gateway(route: number): number;
  /** 0 unicast, 1 blackhole, 2 unreachable, 3 prohibit. */
  type(route: number): number;
}

/** Neighbour (ARP) resolution. */
export interface NeighboursIO {
  /**
   * Resolve `addr` on `ifIndex`: on a hit, write the MAC into buf at macOff and
   * return true; on a miss return false (the caller then calls park()).
   */
  resolve(ifIndex: number, addr: number, buf: Uint8Array, macOff: number): boolean;
  /** Park a packet (slot, l3Off, len) until `addr` resolves; returns false when it was refused (the caller drops it). */
  park(ifIndex: number, addr: number, slot: number, l3Off: number, len: number): boolean;
  /** Learn or refresh addr → mac (from ARP traffic). */
  learn(ifIndex: number, addr: number, buf: Uint8Array, macOff: number, isReplyOrForUs: boolean): void;
}

/** Interface facts the pipeline needs (index → values). */
export interface InterfacesIO {
  count(): number;
  name(ifIndex: number): string;
  mtu(ifIndex: number): number;
  /** True when addr is one of the router's own addresses (any interface). */
  isLocal(addr: number): boolean;
  /** True when addr is a broadcast address of one of our subnets or 255.255.255.255. */
  isBroadcast(addr: number): boolean;
  /** True when addr is assigned to ifIndex (ARP answers only for the port's own addresses). */
  ownsAddress(ifIndex: number, addr: number): boolean;
  /** Source address for packets the router sends out of ifIndex (0 if none). */
  primaryAddress(ifIndex: number): number;
}

/** ICMP output rate limiting (the kernel's icmp_ratelimit and icmp_msgs_per_sec). */
export interface IcmpLimiterIO {
  allow(type: number, code: number, dst: number, nowMs: number): boolean;
}
