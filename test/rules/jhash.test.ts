/**
 * src/rules/jhash.ts against values computed by the kernel's own jhash.h and
 * reciprocal_scale, compiled as C (scripts/jhash/jhash-ref.c; the vectors are
 * committed in fixtures/jhash-known.txt), not by the code under test: the HMARK
 * and cluster tests build on these functions, so a wrong hash fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jhash1word, jhash3words, reciprocalScale } from '../../src/rules/jhash.js';

const vectors = readFileSync(new URL('./fixtures/jhash-known.txt', import.meta.url), 'utf8')
  .trim().split('\n').map((l) => l.split(' ').map(Number));

describe('jhash (include/linux/jhash.h) and reciprocal_scale', () => {
  it('has the kernel\'s values on 64 vectors, all-zero and all-ones included', () => {
    expect(vectors).toHaveLength(64);
    for (const [a, b, c, init, h3, h1, n, scaled] of vectors) {
      expect(jhash3words(a!, b!, c!, init!), `${a} ${b} ${c} ${init}`).toBe(h3);
      expect(jhash1word(a!, init!)).toBe(h1);
      expect(reciprocalScale(h3!, n!)).toBe(scaled);
    }
  });
});
