/**
 * jhash2Words against the kernel's jhash2 compiled from its own C
 * (scripts/jhash/jhash2-ref.c, 4 words as NAT's address choice hashes them).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jhash2Words } from '../../src/rules/jhash.js';

const lines = readFileSync(path.join(import.meta.dirname, 'fixtures', 'jhash2-known.txt'), 'utf8').trim().split('\n');

describe('jhash2 (4 words) matches the kernel', () => {
  it(`${lines.length} known vectors`, () => {
    expect(lines.length).toBeGreaterThanOrEqual(40);
    for (const l of lines) {
      const [w0, w1, w2, w3, iv, want] = l.split(' ').map(Number) as [number, number, number, number, number, number];
      expect(jhash2Words(4, iv, w0, w1, w2, w3), l).toBe(want);
    }
  });
});
