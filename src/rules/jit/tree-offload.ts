/**
 * TreeWorker: a TreeOffload backed by one worker thread (tree-worker.ts).
 * Invariants:
 * - The worker is created on first use and unref'd: it never keeps the process alive.
 * - A request that fails, or a worker that dies, rejects its promise (the
 *   prepare then fails and the ruleset in force stays); the next request
 *   starts a new worker.
 * - Only the compiled form runs in a worker: from TypeScript sources (tests
 *   under vitest) there is no worker file, and trees are built inline.
 */
import { Worker } from 'node:worker_threads';
import type { Tree, TreeInput, TreeOptions } from './tree.js';
import type { TreeOffload } from './tree-segment.js';
import type { TreeReply, TreeRequest } from './tree-worker.js';

export class TreeWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (t: Tree) => void; reject: (e: Error) => void }>();

  private constructor(private readonly url: URL) {}

  /** A TreeWorker when the compiled worker file is there, else null (build inline). */
  static create(): TreeWorker | null {
    if (!import.meta.url.endsWith('.js')) return null;
    return new TreeWorker(new URL('./tree-worker.js', import.meta.url));
  }

  readonly build: TreeOffload = (inp: TreeInput, opts: TreeOptions) => new Promise<Tree>((resolve, reject) => {
    const id = this.nextId++;
    this.pending.set(id, { resolve, reject });
    const req: TreeRequest = { id, inp, opts };
    this.start().postMessage(req, [inp.box.buffer as ArrayBuffer]);
  });

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(this.url);
    w.unref();
    w.on('message', (m: TreeReply) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(`tree worker: ${m.error}`));
      else p.resolve(m.tree);
    });
    const fail = (e: Error): void => {
      this.worker = null;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => { if (this.worker === w) fail(new Error(`tree worker exited with code ${code}`)); });
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }
}
