/**
 * Decodes large control requests off the event loop. A 5 MB iptables-restore
 * request is one JSON line: joining its chunks, decoding UTF-8 and JSON.parse
 * hold the loop for tens of milliseconds, during which nothing is forwarded.
 * Here a worker thread does that work; the main thread only receives the
 * decoded request (a structured clone: the input string is copied flat).
 * Invariants:
 * - The worker is created on first use and unref'd; it never keeps the process alive.
 * - The chunks are transferred, not copied; a worker that fails answers every
 *   pending request with the reason (the request is refused, nothing changes).
 * - From TypeScript sources (tests under vitest) there is no worker file:
 *   decoding happens inline, with the same result.
 */
import { isMainThread } from 'node:worker_threads';
import { RequestWorker, serveRequests } from '../threads/request-worker.js';
import { decodeRequest, type ControlRequest } from './protocol.js';

/** Requests at least this big are decoded on the worker. */
export const OFFLOAD_BYTES = 1 << 20;

function decodeChunks(chunks: Uint8Array[]): ControlRequest | string {
  return decodeRequest(Buffer.concat(chunks).toString('utf8'));
}

export class RequestDecoder {
  private readonly worker = import.meta.url.endsWith('.js')
    ? new RequestWorker<Uint8Array[], ControlRequest | string>(new URL(import.meta.url), 'request decoder')
    : null;

  decode(chunks: Uint8Array[], bytes: number): Promise<ControlRequest | string> {
    if (bytes < OFFLOAD_BYTES || this.worker === null) return Promise.resolve(decodeChunks(chunks));
    // Own copies of the chunks (they may share a socket buffer), transferred to the worker.
    const own = chunks.map((c) => new Uint8Array(c));
    return this.worker.request(own, own.map((c) => c.buffer as ArrayBuffer)).catch((e: Error) => e.message);
  }

  close(): Promise<void> {
    return this.worker?.close() ?? Promise.resolve();
  }
}

// Worker side: the same module, run as the worker's entry.
if (!isMainThread) serveRequests<Uint8Array[], ControlRequest | string>(decodeChunks);
