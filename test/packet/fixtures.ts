/**
 * The committed frame fixtures (test/packet/fixtures/frames.json, made by
 * scripts/fixtures/capture.sh): real frames captured from the kernel and
 * tools in namespaces, and scapy-crafted oddities, each with scapy's decode.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Fixture {
  name: string;
  source: 'capture' | 'scapy';
  hex: string;
  tcpdump?: string;
  /** scapy's decode (shape: see scripts/fixtures/frames.py decode_strict). */
  fields: any;
  expect: { reason: string; l4: boolean };
}

const path = fileURLToPath(new URL('./fixtures/frames.json', import.meta.url));
export const FIXTURES: Fixture[] = JSON.parse(readFileSync(path, 'utf8')).frames;

export function fixture(name: string): Fixture {
  const f = FIXTURES.find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

/** The frame's bytes placed at `lead` in a buffer with `tail` spare bytes (offsets are absolute). */
export function frameBytes(f: Fixture, lead = 0, tail = 0): Uint8Array {
  const raw = Buffer.from(f.hex, 'hex');
  const b = new Uint8Array(lead + raw.length + tail);
  b.set(raw, lead);
  return b;
}

export const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
export const mac = (s: string): number => parseInt(s.replace(/:/g, ''), 16);
export const macBytes = (s: string): Uint8Array => Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
