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
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { decodeRequest, type ControlRequest } from './protocol.js';

interface Job { id: number; chunks: Uint8Array[] }
interface Done { id: number; req: ControlRequest | string }

/** Requests at least this big are decoded on the worker. */
export const OFFLOAD_BYTES = 1 << 20;

function decodeChunks(chunks: Uint8Array[]): ControlRequest | string {
  return decodeRequest(Buffer.concat(chunks).toString('utf8'));
}

export class RequestDecoder {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: ControlRequest | string) => void>();
  private readonly url = import.meta.url.endsWith('.js') ? new URL(import.meta.url) : null;

  decode(chunks: Uint8Array[], bytes: number): Promise<ControlRequest | string> {
    if (bytes < OFFLOAD_BYTES || this.url === null) return Promise.resolve(decodeChunks(chunks));
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      // Own copies of the chunks (they may share a socket buffer), transferred to the worker.
      const own = chunks.map((c) => new Uint8Array(c));
      const job: Job = { id, chunks: own };
      this.start().postMessage(job, own.map((c) => c.buffer as ArrayBuffer));
    });
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(this.url!);
    w.unref();
    w.on('message', (m: Done) => {
      const resolve = this.pending.get(m.id);
      this.pending.delete(m.id);
      resolve?.(m.req);
    });
    const fail = (e: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const resolve of this.pending.values()) resolve(`request decoder failed: ${e.message}`);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }
}

// Worker side: the same module, run as the worker's entry.
if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  port.on('message', (job: Job) => {
    const done: Done = { id: job.id, req: decodeChunks(job.chunks) };
    port.postMessage(done);
  });
}
