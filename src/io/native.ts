/**
 * Loads the C addon (native/build/Release/rawgate_io.node) and describes its
 * surface. Invariants: the addon is loaded once per process, found by walking
 * up from this module to the package root that holds native/binding.gyp, so
 * it works from src/ (vitest) and from dist/src/ (tsc output) alike. The
 * counter order here is the C enum rg_ctr in native/rg_io.h.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Result of init(): the shared areas, as ArrayBuffers. */
export interface NativeSlab {
  slab: ArrayBuffer;
  /** Int32: [0] = number of free slots, [1..n] = free slot indices (a stack). */
  freeList: ArrayBuffer;
  /** Uint8 per slot: 0 free, 1 owned by JS, 2 queued for transmit. */
  slotState: ArrayBuffer;
  /** Int32 x 4 per received frame: slot, length, pkttype, 0. */
  rxDesc: ArrayBuffer;
  counterCount: number;
  /** Bytes a slot keeps free (a frame is at most slotSize - headroom). */
  headroom: number;
}

export interface NativePortInfo {
  id: number;
  kind: 'afpacket' | 'tap' | 'tun';
  name: string;
  ifindex: number;
  mtu: number;
  mac: ArrayBuffer;
  deviceMac: ArrayBuffer;
  /** Int32 x 3 per queued frame: slot, offset, length. */
  txDesc: ArrayBuffer;
  /** Float64 per counter, in COUNTER_NAMES order; written by C. */
  counters: ArrayBuffer;
}

/** count >= 0: a batch of that many frames in rxDesc; < 0: -errno, the port stopped. */
export type NativeBatchCallback = (count: number) => void;

export interface NativeIO {
  init(slotCount: number, slotSize: number, rxBatch: number): NativeSlab;
  openTun(
    name: string, tap: boolean, mtu: number, persist: boolean,
    deviceMac: Uint8Array | null, mac: Uint8Array | null, txMax: number, cb: NativeBatchCallback,
  ): NativePortInfo;
  openPacket(
    name: string, promisc: boolean, rcvbuf: number, sndbuf: number, txMax: number, cb: NativeBatchCallback,
  ): NativePortInfo;
  /** Send the first `count` descriptors of the port's txDesc; frees their slots; returns frames sent. */
  send(id: number, count: number): number;
  close(id: number): void;
  /** Fold the kernel's socket-queue drop count into the counters (AF_PACKET). */
  refreshStats(id: number): void;
  /** sd_notify(3): one datagram to a NOTIFY_SOCKET path or @abstract name; returns bytes sent, throws with the errno name. */
  notify(socketPath: string, message: string): number;
}

export const COUNTER_NAMES = [
  'rxPackets', 'rxBytes', 'txPackets', 'txBytes',
  'rxDropNoSlot', 'rxTruncated', 'rxErrors', 'rxKernelDrops',
  'txDropEagain', 'txDropEnobufs', 'txErrors', 'txBadDesc',
  'slotErrors', 'rxBatches', 'txCalls',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

export const ADDON_RELATIVE = path.join('native', 'build', 'Release', 'rawgate_io.node');

/** The package root: the nearest ancestor of `from` holding native/binding.gyp. */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'native', 'binding.gyp'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`rawgate: cannot find the package root (native/binding.gyp) above ${from}`);
    dir = up;
  }
}

let loaded: NativeIO | undefined;

export function loadNative(): NativeIO {
  if (loaded) return loaded;
  const file = path.join(packageRoot(), ADDON_RELATIVE);
  if (!existsSync(file)) {
    const err = new Error(`rawgate: the I/O addon is not built (${file}); run \`npm install\` or \`npx node-gyp rebuild --directory native\``);
    (err as NodeJS.ErrnoException).code = 'ENOADDON';
    throw err;
  }
  const require = createRequire(import.meta.url);
  const mod = require(file) as NativeIO;
  loaded = mod;
  return mod;
}
