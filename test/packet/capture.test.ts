/**
 * Regenerates the fixtures into a temporary directory (root: network
 * namespaces) and checks the live kernel still produces what the committed
 * fixtures say: the same captured frames, every one parsed, and the kernel's
 * RST and port-unreachable rebuilt byte for byte by our builders.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as P from '../../src/packet/index.js';
import { FIXTURES, type Fixture } from './fixtures.js';

const isRoot = process.getuid?.() === 0;
const run = isRoot || !!process.env.CI;
if (!run) console.warn('test/packet/capture.test.ts: skipped (needs root for network namespaces)');

describe.skipIf(!run)('fixture capture against the live kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rgfx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('capture.sh produces the same frames, and our builders match the kernel\'s', () => {
    const script = fileURLToPath(new URL('../../scripts/fixtures/capture.sh', import.meta.url));
    execFileSync('bash', [script, join(dir, 'frames.json')], { timeout: 90_000, stdio: 'pipe' });
    const live: Fixture[] = JSON.parse(readFileSync(join(dir, 'frames.json'), 'utf8')).frames;
    const names = (l: Fixture[]): string[] => l.filter((f) => f.source === 'capture').map((f) => f.name);
    expect(names(live)).toEqual(names(FIXTURES));
    const get = (n: string): Uint8Array => Buffer.from(live.find((f) => f.name === n)!.hex, 'hex');
    const ctx = new P.PacketContext();
    for (const f of live.filter((x) => x.source === 'capture')) {
      const b = Buffer.from(f.hex, 'hex');
      const want = f.fields.ip ? P.DropReason.NONE : P.DropReason.NOT_IPV4;
      expect(P.parseFrame(ctx, b, 0, b.length, true), f.name).toBe(want);
    }
    const out = new Uint8Array(600);
    const syn = get('tcp-syn-2');
    P.buildTcpReset(out, 0, syn, 14, P.ipTotLen(syn, 14));
    expect(Buffer.from(out.subarray(0, 40)).equals(get('tcp-rst-ack').subarray(14))).toBe(true);
    const udp = get('udp-2');
    const k = get('icmp-port-unreachable').subarray(14);
    const n = P.buildIcmpError(out, 0, udp, 14, P.ipTotLen(udp, 14), 3, 3, P.ipSaddr(k, 0), 0, P.ipId(k, 0), P.ICMP_ERROR_MAXLEN);
    expect(Buffer.from(out.subarray(0, n)).equals(k)).toBe(true);
  });
});
