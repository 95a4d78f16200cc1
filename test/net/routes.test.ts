import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixMask, RouteTable } from '../../src/net/index.js';

interface R {
  prefix: number;
  len: number;
  id: number;
}

/** The longest installed prefix covering a (linear scan); its id or -1. */
function reference(routes: Map<string, R>, a: number): number {
  let best: R | undefined;
  for (const r of routes.values()) {
    if (((a & prefixMask(r.len)) >>> 0) === r.prefix && (best === undefined || r.len > best.len)) best = r;
  }
  return best === undefined ? -1 : best.id;
}

const lenArb = fc.oneof(fc.constantFrom(0, 1, 8, 15, 16, 17, 23, 24, 25, 31, 32), fc.integer({ min: 0, max: 32 }));
/** Prefixes clustered in a few /8s so that routes overlap. */
const addrArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.tuple(fc.constantFrom(10, 192, 0, 255), fc.integer({ min: 0, max: 0xffffff })).map(([hi, lo]) => ((hi << 24) | lo) >>> 0),
  fc.tuple(fc.constantFrom(0x0a00, 0x0a01), fc.integer({ min: 0, max: 0xffff })).map(([hi, lo]) => ((hi << 16) | lo) >>> 0),
);
const opArb = fc.record({
  add: fc.boolean(),
  prefix: addrArb,
  len: lenArb,
  outIf: fc.integer({ min: 0, max: 7 }),
  pick: fc.nat(),
});

describe('RouteTable', () => {
  it('matches a linear reference under random adds and removes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.array(addrArb, { minLength: 20, maxLength: 60 }), (ops, probes) => {
        const t = new RouteTable();
        const ref = new Map<string, R>();
        let id = 0;
        for (const op of ops) {
          if (op.add || ref.size === 0) {
            const prefix = (op.prefix & prefixMask(op.len)) >>> 0;
            const gw = ++id;
            t.add(op.prefix, op.len, op.outIf, gw, 0);
            ref.set(`${prefix}/${op.len}`, { prefix, len: op.len, id: gw });
          } else {
            // Remove an installed route (any of them).
            const [key, r] = [...ref.entries()][op.pick % ref.size];
            expect(t.remove(r.prefix | (op.prefix & ~prefixMask(r.len)), r.len)).toBe(true);
            expect(t.remove(r.prefix, r.len)).toBe(false);
            ref.delete(key);
          }
        }
        expect(t.size).toBe(ref.size);
        // Probe random addresses and the edges of every route.
        const points = [...probes];
        for (const r of ref.values()) points.push(r.prefix, (r.prefix | ~prefixMask(r.len)) >>> 0);
        for (const a of points) {
          const r = t.lookup(a);
          expect(r < 0 ? -1 : t.gateway(r)).toBe(reference(ref, a));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles /0 and /32 and replaces on the same prefix/len', () => {
    const t = new RouteTable();
    expect(t.lookup(0x01020304)).toBe(-1);
    const d = t.add(0, 0, 1, 0x0a000001, 0);
    expect(t.lookup(0x01020304)).toBe(d);
    expect(t.lookup(0xffffffff)).toBe(d);
    const h = t.add(0x01020304, 32, 2, 0, 0);
    expect(t.lookup(0x01020304)).toBe(h);
    expect(t.lookup(0x01020305)).toBe(d);
    expect(t.add(0x01020304, 32, 3, 7, 0)).toBe(h);
    expect(t.outIf(h)).toBe(3);
    expect(t.gateway(h)).toBe(7);
    expect(t.size).toBe(2);
    expect(t.remove(0, 0)).toBe(true);
    expect(t.lookup(0x01020305)).toBe(-1);
    expect(t.lookup(0x01020304)).toBe(h);
    expect(t.remove(0, 0)).toBe(false);
  });

  it('normalises host bits and stores non-unicast routes with outIf -1', () => {
    const t = new RouteTable();
    const r = t.add(0x0a0000ff, 24, 1, 0, 0);
    expect(t.prefix(r)).toBe(0x0a000000);
    expect(t.prefixLen(r)).toBe(24);
    expect(t.find(0x0a000001, 24)).toBe(r);
    const b = t.add(0xc0a80000, 16, 4, 0x01010101, 1);
    expect(t.type(b)).toBe(1);
    expect(t.outIf(b)).toBe(-1);
    expect(t.gateway(b)).toBe(0);
    expect(() => t.add(0, 33, 0, 0, 0)).toThrow(RangeError);
  });

  it('holds 100k routes and looks them up quickly', () => {
    const t = new RouteTable();
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const prefixes = new Uint32Array(100_000);
    const lens = new Uint8Array(100_000);
    const t0 = performance.now();
    t.add(0, 0, 0, 1, 0);
    for (let i = 0; i < 100_000; i++) {
      // Mostly /24s in 1.0.0.0-223.255.255.255 like an Internet table, some /16-/23 and a few /25-/32.
      const k = rnd() % 100;
      const len = k < 60 ? 24 : k < 95 ? 16 + (rnd() % 8) : 25 + (rnd() % 8);
      const hi = 1 + (rnd() % 223);
      const p = (((hi << 24) | (rnd() & 0xffffff)) & prefixMask(len)) >>> 0;
      prefixes[i] = p;
      lens[i] = len;
      t.add(p, len, i % 8, 0, 0);
    }
    const built = performance.now() - t0;
    expect(t.size).toBeGreaterThan(95_000);
    const t1 = performance.now();
    let hits = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const r = t.lookup(rnd());
      if (r >= 0) hits++;
    }
    const looked = performance.now() - t1;
    expect(hits).toBe(1_000_000); // the default route covers everything
    // Every installed prefix's first address resolves to a route at least as specific.
    for (let i = 0; i < 100_000; i++) expect(t.prefixLen(t.lookup(prefixes[i]))).toBeGreaterThanOrEqual(lens[i]);
    expect(built).toBeLessThan(10_000);
    expect(looked).toBeLessThan(2_000);
  });
});
