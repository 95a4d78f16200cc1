/**
 * TreeWorker: a TreeOffload backed by one worker thread (tree-worker.ts).
 * A request that fails, or a worker that dies, rejects its promise (the
 * prepare then fails and the ruleset in force stays). Only the compiled form
 * runs in a worker: from TypeScript sources (tests under vitest) there is no
 * worker file, and trees are built inline.
 */
import { RequestWorker } from '../../threads/request-worker.js';
import type { Tree, TreeInput, TreeOptions } from './tree.js';
import type { TreeOffload } from './tree-segment.js';
import type { TreeJob } from './tree-worker.js';

export class TreeWorker {
  private constructor(private readonly worker: RequestWorker<TreeJob, Tree>) {}

  /** A TreeWorker when the compiled worker file is there, else null (build inline). */
  static create(): TreeWorker | null {
    if (!import.meta.url.endsWith('.js')) return null;
    return new TreeWorker(new RequestWorker(new URL('./tree-worker.js', import.meta.url), 'tree worker'));
  }

  readonly build: TreeOffload = (inp: TreeInput, opts: TreeOptions) =>
    this.worker.request({ inp, opts }, [inp.box.buffer as ArrayBuffer]);

  close(): Promise<void> {
    return this.worker.close();
  }
}
