/**
 * The JS view of the one packet slab shared with the addon. Invariants:
 * - One slab per process (the addon allocates it once); openSlab() returns it.
 * - Slot s occupies buf[s*slotSize, (s+1)*slotSize); a frame is at most
 *   maxFrame = slotSize - headroom bytes (room to re-insert a VLAN tag).
 * - Slot ownership (see port.ts and native/rg_io.h): a slot is FREE (on the
 *   free list), JS (handed over by a receive batch or alloc()), or TXQ (queued
 *   on a port). alloc()/release() work on the shared free list directly, with
 *   no call into C. Releasing a slot that is already free is counted in
 *   ownershipErrors and ignored, so the free list never holds a slot twice.
 */
import { loadNative } from './native.js';

export const SLOT_FREE = 0;
export const SLOT_JS = 1;
export const SLOT_TXQ = 2;

export interface SlabOptions {
  /** Number of slots (default 4096). */
  slots?: number;
  /** Bytes per slot, a multiple of 64 (default 2048). */
  slotSize?: number;
  /** Most frames received per readiness event and port (default 64). */
  rxBatch?: number;
}

export class Slab {
  readonly buf: Uint8Array;
  readonly slotSize: number;
  readonly slotCount: number;
  readonly rxBatch: number;
  readonly headroom: number;
  readonly maxFrame: number;
  /** [0] = free count, [1..count] = free slots. Shared with C. */
  readonly freeList: Int32Array;
  readonly slotState: Uint8Array;
  /** Current receive batch: slot, length, pkttype, 0 per frame. Shared with C. */
  readonly rxDesc: Int32Array;
  /** Releases of slots that were already free (bugs upstream; never pushed twice). */
  ownershipErrors = 0;
  readonly counterCount: number;

  constructor(opts: Required<SlabOptions>) {
    const n = loadNative().init(opts.slots, opts.slotSize, opts.rxBatch);
    this.buf = new Uint8Array(n.slab);
    this.slotSize = opts.slotSize;
    this.slotCount = opts.slots;
    this.rxBatch = opts.rxBatch;
    this.headroom = n.headroom;
    this.maxFrame = opts.slotSize - n.headroom;
    this.freeList = new Int32Array(n.freeList);
    this.slotState = new Uint8Array(n.slotState);
    this.rxDesc = new Int32Array(n.rxDesc);
    this.counterCount = n.counterCount;
  }

  /** Byte offset of a slot in buf. */
  slotOffset(slot: number): number {
    return slot * this.slotSize;
  }

  /** A free slot (now owned by the caller), or -1 when none is free. */
  alloc(): number {
    const fl = this.freeList;
    const n = fl[0]!;
    if (n <= 0) return -1;
    const s = fl[n]!;
    fl[0] = n - 1;
    this.slotState[s] = SLOT_JS;
    return s;
  }

  /** Give a slot back to the free list (dropped or consumed). */
  release(slot: number): void {
    if (slot < 0 || slot >= this.slotCount || this.slotState[slot] === SLOT_FREE) {
      this.ownershipErrors++;
      return;
    }
    this.slotState[slot] = SLOT_FREE;
    const fl = this.freeList;
    const n = fl[0]! + 1;
    fl[n] = slot;
    fl[0] = n;
  }

  freeCount(): number {
    return this.freeList[0]!;
  }

  /** A view of bytes in a slot (allocates a view: tests and slow paths only). */
  view(slot: number, off: number, len: number): Uint8Array {
    const base = slot * this.slotSize + off;
    return this.buf.subarray(base, base + len);
  }
}

let current: Slab | undefined;

/**
 * The process's slab, created on first call. Later calls return the same slab;
 * asking for a different geometry then throws (code EALREADY).
 */
export function openSlab(opts: SlabOptions = {}): Slab {
  const want: Required<SlabOptions> = {
    slots: opts.slots ?? current?.slotCount ?? 4096,
    slotSize: opts.slotSize ?? current?.slotSize ?? 2048,
    rxBatch: opts.rxBatch ?? current?.rxBatch ?? 64,
  };
  if (current) {
    if (want.slots !== current.slotCount || want.slotSize !== current.slotSize || want.rxBatch !== current.rxBatch) {
      const err = new Error(
        `rawgate: the packet slab already exists (${current.slotCount} x ${current.slotSize}, batch ${current.rxBatch}); ` +
          `cannot reopen it as ${want.slots} x ${want.slotSize}, batch ${want.rxBatch}`,
      );
      (err as NodeJS.ErrnoException).code = 'EALREADY';
      throw err;
    }
    return current;
  }
  current = new Slab(want);
  return current;
}

/** The slab if one was opened. */
export function currentSlab(): Slab | undefined {
  return current;
}
