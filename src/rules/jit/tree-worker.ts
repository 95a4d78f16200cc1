/**
 * Worker-thread entry: builds decision trees (tree.ts) for the main thread, so
 * that the tree of a 50,000-rule chain (hundreds of milliseconds of sorting)
 * never runs on the event loop that forwards packets. Pure data in, pure data
 * out: the input's and the tree's typed arrays are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { buildTree, type Tree, type TreeInput, type TreeOptions } from './tree.js';

export interface TreeRequest { id: number; inp: TreeInput; opts: TreeOptions }
export type TreeReply = { id: number; tree: Tree } | { id: number; error: string };

export function treeBuffers(t: Tree): ArrayBuffer[] {
  return [t.dim, t.thr, t.left, t.right, t.shift, t.kids, t.leafStart, t.leafEnd, t.cand].map((a) => a.buffer as ArrayBuffer);
}

parentPort?.on('message', (m: TreeRequest) => {
  let reply: TreeReply;
  try {
    const tree = buildTree(m.inp, m.opts);
    reply = { id: m.id, tree };
    parentPort!.postMessage(reply, treeBuffers(tree));
  } catch (e) {
    reply = { id: m.id, error: (e as Error).message };
    parentPort!.postMessage(reply);
  }
});
