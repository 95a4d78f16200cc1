/**
 * The slab and the addon's unprivileged surface: slot ownership bookkeeping,
 * geometry, and the errors opening a port throws. Needs no root.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COUNTER_NAMES, loadNative, openPort, openSlab, packageRoot, SLOT_FREE, SLOT_JS, SLOT_TXQ } from '../../src/io/index.js';

const slab = openSlab({ slots: 64, slotSize: 2048, rxBatch: 16 });

describe('slab', () => {
  it('exposes one shared buffer of fixed slots', () => {
    expect(slab.buf.byteLength).toBe(64 * 2048);
    expect(slab.slotOffset(3)).toBe(3 * 2048);
    expect(slab.maxFrame).toBe(2048 - 4);
    expect(slab.rxDesc.length).toBe(16 * 4);
    expect(slab.counterCount).toBe(COUNTER_NAMES.length);
    expect(slab.freeCount()).toBe(64);
  });

  it('is one per process: same geometry returns it, another throws EALREADY', () => {
    expect(openSlab()).toBe(slab);
    expect(openSlab({ slots: 64 })).toBe(slab);
    expect(() => openSlab({ slots: 128 })).toThrow(expect.objectContaining({ code: 'EALREADY' }));
    expect(() => loadNative().init(8, 2048, 8)).toThrow(expect.objectContaining({ code: 'EALREADY' }));
  });

  it('allocates every slot once, in ascending order, then -1; release returns them', () => {
    const got: number[] = [];
    for (let s = slab.alloc(); s >= 0; s = slab.alloc()) got.push(s);
    expect(got).toEqual([...Array(64).keys()]);
    expect(slab.freeCount()).toBe(0);
    expect(slab.slotState.every((x) => x === SLOT_JS)).toBe(true);
    for (const s of got) slab.release(s);
    expect(slab.freeCount()).toBe(64);
    expect(slab.slotState.every((x) => x === SLOT_FREE)).toBe(true);
  });

  it('never puts a slot on the free list twice (double release is counted)', () => {
    const s = slab.alloc();
    slab.release(s);
    const errs = slab.ownershipErrors;
    slab.release(s);
    slab.release(-1);
    slab.release(64);
    expect(slab.ownershipErrors).toBe(errs + 3);
    expect(slab.freeCount()).toBe(64);
    const all = new Set(slab.freeList.subarray(1, 65));
    expect(all.size).toBe(64);
  });

  it('views are windows on the slab, writes land in place', () => {
    const s = slab.alloc();
    slab.view(s, 10, 4).set([1, 2, 3, 4]);
    expect([...slab.buf.subarray(slab.slotOffset(s) + 10, slab.slotOffset(s) + 14)]).toEqual([1, 2, 3, 4]);
    slab.release(s);
    expect(SLOT_TXQ).toBe(2);
  });
});

describe('addon loading and open errors', () => {
  it('finds the package root from src/ and the addon under it', () => {
    expect(packageRoot()).toBe(fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, ''));
    expect(typeof loadNative().send).toBe('function');
  });

  it('opening a missing interface throws an Error naming it, with the errno text and code', () => {
    let err: (Error & { code?: string; errno?: number; interface?: string }) | undefined;
    try {
      openPort({ kind: 'afpacket', name: 'rgnope0' }, slab);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toBe('afpacket rgnope0: No such device (ENODEV in SIOCGIFINDEX)');
    expect(err!.code).toBe('ENODEV');
    expect(err!.errno).toBe(-19);
    expect(err!.interface).toBe('rgnope0');
  });

  it('rejects bad arguments before touching the system', () => {
    expect(() => openPort({ kind: 'tun', name: 'x'.repeat(16) }, slab)).toThrow(/1\.\.15 characters/);
    expect(() => openPort({ kind: 'tap', name: 'rgt0', mac: new Uint8Array(5) }, slab)).toThrow(/6-byte/);
    expect(() => openPort({ kind: 'afpacket', name: 'lo', txMax: 0 }, slab)).toThrow(/txMax/);
  });

  it('send on a port id that is not open sends nothing', () => {
    expect(loadNative().send(63, 1)).toBe(0);
  });
});
