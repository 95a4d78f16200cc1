/**
 * Port: one TUN, TAP or AF_PACKET interface, as the dataplane sees it.
 *
 * SLOT OWNERSHIP (the same invariant as native/rg_io.h):
 * - During onBatch(port, count), frames i < count are in slots rxSlot(i), with
 *   rxLen(i) bytes from rxOff(i) in the slot, classified by rxPktType(i). Those
 *   slots now belong to the caller, who must give each back exactly once:
 *   release(slot) when it is dropped or consumed, or queueTx(slot, off, len)
 *   on any port, after which that port's flush() frees it, sent or not.
 * - The rx accessors are valid only inside the callback (the descriptor area
 *   is shared by all ports and rewritten by the next batch).
 * - allocSlot() gives a free slot for a packet the router makes itself (ARP
 *   reply, ICMP error, fragment), or -1 when none is free (count a drop).
 * - queueTx() flushes by itself when the port's descriptor area is full;
 *   otherwise call flush() once per batch: one system call per batch and port.
 * Nothing here allocates or throws per packet; send failures are counters.
 * If no onBatch callback is set, received frames are released at once.
 */
import { getSystemErrorName } from 'node:util';
import { COUNTER_NAMES, loadNative } from './native.js';
import type { CounterName, NativeIO, NativePortInfo } from './native.js';
import { SLOT_TXQ, openSlab } from './slab.js';
import type { Slab } from './slab.js';

export type PortKind = 'afpacket' | 'tap' | 'tun';

interface CommonOptions {
  /** Interface name (TUN/TAP: created when absent; a pattern like "tun%d" is allowed). */
  name: string;
  /** Transmit descriptors per port before queueTx flushes by itself (default 256). */
  txMax?: number;
}
export interface TunOptions extends CommonOptions {
  kind: 'tun';
  /** MTU to set (default: leave the kernel's, 1500). */
  mtu?: number;
  /** Keep the device after close (default false: closing removes it). */
  persist?: boolean;
}
export interface TapOptions extends CommonOptions {
  kind: 'tap';
  mtu?: number;
  persist?: boolean;
  /** MAC to set on the kernel's side of the TAP device. */
  deviceMac?: Uint8Array;
  /** Our own MAC on the link (default: the device's with the last bit flipped). */
  mac?: Uint8Array;
}
export interface AfPacketOptions extends CommonOptions {
  kind: 'afpacket';
  /** Receive frames for every destination MAC (PACKET_MR_PROMISC). */
  promisc?: boolean;
  /** Socket buffer sizes in bytes (SO_RCVBUFFORCE/SO_SNDBUFFORCE; default 4 MiB each). */
  rcvbuf?: number;
  sndbuf?: number;
}
export type PortOptions = TunOptions | TapOptions | AfPacketOptions;

export type PortCounters = Record<CounterName, number>;
export type BatchCallback = (port: Port, count: number) => void;
export type PortErrorCallback = (port: Port, err: Error) => void;

function releaseAll(port: Port, count: number): void {
  for (let i = 0; i < count; i++) port.release(port.rxSlot(i));
}

export class Port {
  readonly kind: PortKind;
  /** The kernel's name of the interface (a TUN/TAP pattern is resolved). */
  readonly name: string;
  readonly ifindex: number;
  readonly mtu: number;
  /** Our MAC on the link: the interface's for AF_PACKET, ours for TAP, zeros for TUN. */
  readonly mac: Uint8Array;
  /** The kernel device's own MAC (TAP: the other end of the link; zeros for TUN). */
  readonly deviceMac: Uint8Array;
  /** True for Ethernet ports (AF_PACKET, TAP). */
  readonly l2: boolean;
  readonly slab: Slab;
  /** Live counters, written by C (COUNTER_NAMES order). */
  readonly counterArray: Float64Array;

  private readonly native: NativeIO;
  private readonly id: number;
  private readonly txDesc: Int32Array;
  private readonly txMax: number;
  private readonly rxDesc: Int32Array;
  private txCount = 0;
  private isClosed = false;
  private batchCb: BatchCallback = releaseAll;
  private errorCb: PortErrorCallback | undefined;

  /** Use openPort(). */
  constructor(native: NativeIO, slab: Slab, info: NativePortInfo) {
    this.native = native;
    this.slab = slab;
    this.id = info.id;
    this.kind = info.kind;
    this.name = info.name;
    this.ifindex = info.ifindex;
    this.mtu = info.mtu;
    this.mac = new Uint8Array(info.mac);
    this.deviceMac = new Uint8Array(info.deviceMac);
    this.l2 = info.kind !== 'tun';
    this.txDesc = new Int32Array(info.txDesc);
    this.txMax = this.txDesc.length / 3;
    this.counterArray = new Float64Array(info.counters);
    this.rxDesc = slab.rxDesc;
  }

  /** Called by the addon: count >= 0 is a batch, < 0 is -errno (the port stopped). */
  dispatch(count: number): void {
    if (count >= 0) {
      this.batchCb(this, count);
      return;
    }
    const code = getSystemErrorName(count);
    const err = Object.assign(new Error(`${this.kind} ${this.name}: receive stopped (${code})`), { code });
    if (this.errorCb) this.errorCb(this, err);
  }

  /** Set the batch callback: called once per received batch. */
  onBatch(cb: BatchCallback): this {
    this.batchCb = cb;
    return this;
  }

  /** Called when the port fails for good (device removed, fd error); it then receives nothing more. */
  onError(cb: PortErrorCallback): this {
    this.errorCb = cb;
    return this;
  }

  rxSlot(i: number): number {
    return this.rxDesc[i * 4]!;
  }
  rxLen(i: number): number {
    return this.rxDesc[i * 4 + 1]!;
  }
  /** Where frame i starts in its slot (TUN: 16, leaving room for an Ethernet header; else 0). */
  rxOff(i: number): number {
    return this.rxDesc[i * 4 + 3]!;
  }
  /** PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3 (PktType in src/rules/ctstate.ts). */
  rxPktType(i: number): number {
    return this.rxDesc[i * 4 + 2]!;
  }

  /** Queue len bytes at off in slot for the next flush(); the port owns the slot from here. */
  queueTx(slot: number, off: number, len: number): void {
    if (this.isClosed) {
      this.slab.release(slot);
      return;
    }
    if (this.txCount === this.txMax) this.flush();
    const d = this.txDesc;
    const i = this.txCount * 3;
    d[i] = slot;
    d[i + 1] = off;
    d[i + 2] = len;
    this.txCount++;
    this.slab.slotState[slot] = SLOT_TXQ;
  }

  /** Frames queued and not yet flushed. */
  get txQueued(): number {
    return this.txCount;
  }

  /** Send everything queued in one system call (sendmmsg) or write loop; returns frames sent. */
  flush(): number {
    const n = this.txCount;
    if (n === 0) return 0;
    this.txCount = 0;
    return this.native.send(this.id, n);
  }

  release(slot: number): void {
    this.slab.release(slot);
  }

  /** A free slot for a router-made packet, or -1 when none is free. */
  allocSlot(): number {
    return this.slab.alloc();
  }

  /** Snapshot of the counters (allocates; for metrics and tests). */
  counters(): PortCounters {
    if (!this.isClosed) this.native.refreshStats(this.id);
    const out = {} as PortCounters;
    COUNTER_NAMES.forEach((k, i) => {
      out[k] = this.counterArray[i]!;
    });
    return out;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Stop receiving, drop what is queued, close the fd (a non-persistent TUN/TAP device goes away). */
  close(): void {
    if (this.isClosed) return;
    this.counters(); // fold the last kernel drop count in while the socket is open
    for (let i = 0; i < this.txCount; i++) this.slab.release(this.txDesc[i * 3]!);
    this.txCount = 0;
    this.isClosed = true;
    this.native.close(this.id);
  }
}

/**
 * Open a port (and the process's slab with default geometry if none is open).
 * Throws an Error naming the interface and the errno text, with code
 * ('ENODEV', 'EPERM', ...), errno, syscall and interface properties.
 */
export function openPort(opts: PortOptions, slab: Slab = openSlab()): Port {
  const native = loadNative();
  let port: Port | undefined;
  // One closure per port, made here, so the addon calls back allocation-free.
  const cb = (count: number): void => {
    if (port) port.dispatch(count);
  };
  const txMax = opts.txMax ?? 256;
  let info: NativePortInfo;
  if (opts.kind === 'afpacket') {
    info = native.openPacket(opts.name, opts.promisc ?? false, opts.rcvbuf ?? 4 << 20, opts.sndbuf ?? 4 << 20, txMax, cb);
  } else {
    const tap = opts.kind === 'tap';
    info = native.openTun(
      opts.name, tap, opts.mtu ?? 0, opts.persist ?? false,
      tap ? (opts as TapOptions).deviceMac ?? null : null, tap ? (opts as TapOptions).mac ?? null : null,
      txMax, cb,
    );
  }
  port = new Port(native, slab, info);
  return port;
}
