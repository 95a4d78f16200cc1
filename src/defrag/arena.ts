/**
 * The byte arena behind reassembly: fixed 1 KiB pages taken from one
 * Uint8Array, each with a 256-bit side bitmap (128 bits "covered", 128 bits
 * "a run starts here", one bit per 8-byte fragment unit of the page).
 *
 * Why pages placed at the datagram offset (rather than one block per
 * fragment): a queue keeps a page table indexed by offset >> 10, and a
 * fragment's payload is copied straight to its final position. Reassembly is
 * then one ordered copy, overlap/duplicate checks are bit tests over the
 * fragment's own units (O(fragment length), never O(fragments in the queue),
 * so no FragmentSmack-style quadratic insertion), and there are no
 * variable-size blocks to fragment the arena. A page is 1 KiB because that is
 * the same order as the kernel's smallest skb truesize: a tiny fragment costs
 * about what it costs in Linux, a run of 1480-byte fragments packs densely.
 *
 * Invariants:
 * - Allocated once (grow() is the only other allocation, control plane only).
 * - A page is either on the free stack or owned by exactly one queue.
 * - alloc() hands out a page with both bitmaps zero; page bytes are not
 *   cleared (only covered units are ever read back).
 * - No allocation, no throw on the hot path (alloc returns -1 when empty).
 */

export const PAGE_SHIFT = 10;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** 8-byte fragment units per page. */
export const PAGE_UNITS = PAGE_SIZE >> 3;
/** Int32 words of side bitmap per page: 4 "covered" then 4 "run start". */
export const PAGE_WORDS = 8;
/** What a page costs in the memory account: its bytes plus its bitmaps. */
export const PAGE_COST = PAGE_SIZE + PAGE_WORDS * 4;

export class PageArena {
  bytes: Uint8Array;
  bits: Int32Array;
  private free: Int32Array;
  private top: number;
  pages: number;

  constructor(pages: number) {
    this.pages = pages;
    this.bytes = new Uint8Array(pages * PAGE_SIZE);
    this.bits = new Int32Array(pages * PAGE_WORDS);
    this.free = new Int32Array(pages);
    for (let i = 0; i < pages; i++) this.free[i] = pages - 1 - i;
    this.top = pages;
  }

  get freePages(): number {
    return this.top;
  }

  /** A page with clear bitmaps, or -1. */
  alloc(): number {
    if (this.top === 0) return -1;
    const p = this.free[--this.top];
    this.bits.fill(0, p * PAGE_WORDS, p * PAGE_WORDS + PAGE_WORDS);
    return p;
  }

  release(p: number): void {
    this.free[this.top++] = p;
  }

  /** More pages (setSettings raised ipfrag_high_thresh): allocates and copies; pages keep their numbers. */
  grow(pages: number): void {
    if (pages <= this.pages) return;
    const bytes = new Uint8Array(pages * PAGE_SIZE);
    bytes.set(this.bytes);
    const bits = new Int32Array(pages * PAGE_WORDS);
    bits.set(this.bits);
    const free = new Int32Array(pages);
    free.set(this.free.subarray(0, this.top));
    let top = this.top;
    for (let p = pages - 1; p >= this.pages; p--) free[top++] = p;
    this.bytes = bytes;
    this.bits = bits;
    this.free = free;
    this.top = top;
    this.pages = pages;
  }
}
