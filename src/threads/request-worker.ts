/**
 * A worker thread that answers requests: the main thread posts { id, ...job },
 * the worker posts back { id, ok: true, value } or { id, ok: false, error }.
 * Used where work would otherwise hold the event loop that forwards packets
 * (decision trees, decoding big control requests).
 * Invariants:
 * - The worker is started on first use and unref'd: it never keeps the process alive.
 * - Every request is answered exactly once: with its value, or rejected when
 *   the worker reports an error, fails or exits; the next request starts a new worker.
 */
import { parentPort, Worker, type TransferListItem } from 'node:worker_threads';

type Reply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; error: string };

export class RequestWorker<J, R> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>();

  /** `url`: the worker's module, which calls serveRequests(). */
  constructor(private readonly url: URL, private readonly name: string) {}

  request(job: J, transfer: readonly TransferListItem[] = []): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.start().postMessage({ id, job }, transfer);
    });
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(this.url);
    w.unref();
    w.on('message', (m: Reply<R>) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${this.name}: ${m.error}`));
    });
    const fail = (e: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(`${this.name}: ${e.message}`));
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

/** The worker side: answer every request with `work(job)`; `transfer` names what to move back instead of copying. */
export function serveRequests<J, R>(work: (job: J) => R, transfer: (value: R) => TransferListItem[] = () => []): void {
  const port = parentPort;
  if (port === null) return;
  port.on('message', (m: { id: number; job: J }) => {
    let value: R;
    try {
      value = work(m.job);
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: (e as Error).message } satisfies Reply<R>);
      return;
    }
    port.postMessage({ id: m.id, ok: true, value } satisfies Reply<R>, transfer(value));
  });
}
