/**
 * Big control requests are decoded on a worker thread (the compiled module, as
 * the daemon runs it; `npm test` builds first): the result is the request the
 * inline decoder gives, and bad JSON is refused with the same reason.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../src/control/protocol.js';

const dist = fileURLToPath(new URL('../../dist/src/control/decode-worker.js', import.meta.url));

describe('RequestDecoder', () => {
  it('decodes a 3 MB restore request on the worker exactly as inline, and refuses bad JSON the same way', async () => {
    const { RequestDecoder, OFFLOAD_BYTES } = await import(dist);
    const input = '*filter\n' + '-A FORWARD -s 10.0.0.1/32 -m comment --comment "ü \\" x" -j ACCEPT\n'.repeat(40_000) + 'COMMIT\n';
    const line = Buffer.from(JSON.stringify({ op: 'iptables-restore', argv: ['-n'], input }));
    expect(line.length).toBeGreaterThan(OFFLOAD_BYTES);
    const d = new RequestDecoder();
    try {
      // Split into chunks that cut through a multi-byte character.
      const cut = line.indexOf(Buffer.from('ü')) + 1;
      const chunks = [line.subarray(0, cut), line.subarray(cut, 2_000_000), line.subarray(2_000_000)];
      const got = await d.decode(chunks, line.length);
      expect(got).toEqual(decodeRequest(line.toString('utf8')));
      const bad = Buffer.alloc(OFFLOAD_BYTES + 10, 0x7b);
      expect(await d.decode([bad], bad.length)).toBe('request is not JSON');
      // The caller's buffers are left as they were (the worker got copies).
      expect(chunks[0]!.length).toBe(cut);
    } finally {
      await d.close();
    }
  });
});
