/**
 * Worker-thread entry: builds decision trees (tree.ts) for the main thread, so
 * that the tree of a 50,000-rule chain (hundreds of milliseconds of sorting)
 * never runs on the event loop that forwards packets. Pure data in, pure data
 * out: the input's and the tree's typed arrays are transferred, not copied.
 */
import { serveRequests } from '../../threads/request-worker.js';
import { buildTree, type Tree, type TreeInput, type TreeOptions } from './tree.js';

export interface TreeJob { inp: TreeInput; opts: TreeOptions }

export function treeBuffers(t: Tree): ArrayBuffer[] {
  return [t.dim, t.thr, t.left, t.right, t.shift, t.kids, t.leafStart, t.leafEnd, t.cand].map((a) => a.buffer as ArrayBuffer);
}

serveRequests<TreeJob, Tree>((j) => buildTree(j.inp, j.opts), treeBuffers);
