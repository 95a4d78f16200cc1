/**
 * Decision tree over the five dispatch dimensions (HyperSplit-style binary
 * splits at rule boundaries), stored in typed arrays. Invariants:
 * - A leaf holds, in ascending rule order, every rule whose box intersects the
 *   leaf's region (minus rules shadowed by an exact terminal rule covering the
 *   whole region). So for any packet, walking the leaf's candidates in order
 *   and testing each fully yields exactly the interpreter's first match.
 * - Binary node n (dim[n] < 8) tests `key[dim[n]] < thr[n]`: true goes to
 *   left[n], else right[n]. Cut node n (dim[n] >= 8, HiCuts-style) splits
 *   dimension dim[n] - 8 of its region into equal power-of-two pieces: child
 *   kids[left[n] + ((key - thr[n]) >>> shift[n])]; thr[n] is the region's low end.
 *   A child < 0 is the leaf ~child. `root` is a node or (< 0) a leaf.
 * - Sibling children of a cut share a subtree only when it is empty, or when
 *   their lists are equal and every rule in it spans both siblings in the cut
 *   dimension (then no node below can cut that dimension: the subtree does not
 *   depend on which sibling's region it serves).
 * - Build is bounded: a split must shrink the larger side, depth is capped, and
 *   the total candidate storage has a budget; past it, leaves stay big (still correct).
 */
import { DIMS, DIM_MAX } from './dims.js';

export interface TreeInput {
  /** Number of rules (local indices 0..n-1, in chain order). */
  n: number;
  /** Boxes, interleaved: lo at [i*DIMS*2 + 2d], hi at [i*DIMS*2 + 2d + 1]. */
  box: Float64Array;
  /** 1 when the rule's box is its whole test and its target always ends the chain. */
  shadows: Uint8Array;
  /** Rules that can never match (empty box) are left out when this is 1. */
  dead: Uint8Array;
}

export interface Tree {
  root: number;
  dim: Uint8Array;
  thr: Float64Array;
  left: Int32Array;
  right: Int32Array;
  shift: Uint8Array;
  kids: Int32Array;
  leafStart: Int32Array;
  leafEnd: Int32Array;
  cand: Int32Array;
  nodes: number;
  leaves: number;
  maxLeaf: number;
  depth: number;
}

export interface TreeOptions {
  /** Stop splitting at or below this many candidates. */
  leafSize: number;
  maxDepth: number;
  /** Candidate storage budget as a multiple of n (plus a constant). */
  budgetFactor: number;
  /** Largest cut (log2 of the number of pieces) of a cut node; 0 = binary nodes only. */
  maxCutBits: number;
  /** A cut may replicate rules up to spaceFactor * m (+ pieces) entries. */
  spaceFactor: number;
}

/**
 * Cut nodes of up to 2^10 pieces: on ClassBench-style ACLs they bring trees
 * from depth ~13 binary levels (one mispredicted branch every other level on
 * distinct headers) to 3-5 levels of indexed lookups: 10k rules went from
 * ~290 to ~110-130 ns/packet on the distinct trace (bench/RESULTS-rules.md).
 * Binary splits remain where a cut does not pay.
 */
export const DEFAULT_TREE_OPTIONS: TreeOptions = { leafSize: 4, maxDepth: 40, budgetFactor: 24, maxCutBits: 10, spaceFactor: 3 };

class Grow {
  a: Int32Array;
  n = 0;
  constructor(cap: number) { this.a = new Int32Array(Math.max(16, cap)); }
  push(v: number): void {
    if (this.n === this.a.length) { const b = new Int32Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
}

export function buildTree(inp: TreeInput, opts: TreeOptions = DEFAULT_TREE_OPTIONS): Tree {
  const { n, box, shadows } = inp;
  const W = DIMS * 2;
  const nodeDim = new Grow(64), nodeL = new Grow(64), nodeR = new Grow(64);
  const nodeThr: number[] = [];
  const nodeShift: number[] = [];
  const kids = new Grow(256);
  const leafS = new Grow(64), leafE = new Grow(64);
  const cand = new Grow(n * 2);
  const budget = n * opts.budgetFactor + 4096;
  let maxLeaf = 0, maxDepth = 0;
  // Scratch for sorting endpoints.
  const los = new Float64Array(n), his = new Float64Array(n);

  const rlo = new Float64Array(DIMS), rhi = new Float64Array(DIMS);
  for (let d = 0; d < DIMS; d++) { rlo[d] = 0; rhi[d] = DIM_MAX[d]!; }

  function covers(r: number, lo: Float64Array, hi: Float64Array): boolean {
    const o = r * W;
    for (let d = 0; d < DIMS; d++) if (box[o + 2 * d]! > lo[d]! || box[o + 2 * d + 1]! < hi[d]!) return false;
    return true;
  }

  function makeLeaf(rs: Int32Array): number {
    const id = leafS.n;
    leafS.push(cand.n);
    for (let k = 0; k < rs.length; k++) cand.push(rs[k]!);
    leafE.push(cand.n);
    if (rs.length > maxLeaf) maxLeaf = rs.length;
    return ~id;
  }

  function build(rsIn: Int32Array, lo: Float64Array, hi: Float64Array, depth: number): number {
    if (depth > maxDepth) maxDepth = depth;
    // Truncate after the first rule that certainly ends the chain for the whole region.
    let rs = rsIn;
    for (let k = 0; k < rs.length; k++) {
      if (shadows[rs[k]!] === 1 && covers(rs[k]!, lo, hi)) { rs = rs.subarray(0, k + 1); break; }
    }
    const m = rs.length;
    if (m <= opts.leafSize || depth >= opts.maxDepth || cand.n > budget) return makeLeaf(rs);

    let bestD = -1, bestP = 0, bestCost = Infinity, bestL = 0, bestR = 0;
    for (let d = 0; d < DIMS; d++) {
      const lod = lo[d]!, hid = hi[d]!;
      for (let k = 0; k < m; k++) {
        const o = rs[k]! * W + 2 * d;
        const a = box[o]!, b = box[o + 1]!;
        los[k] = a > lod ? a : lod;
        his[k] = b < hid ? b : hid;
      }
      const L = los.subarray(0, m).sort();
      const H = his.subarray(0, m).sort();
      // Candidate split points p (left = [lo, p-1], right = [p, hi]) are the distinct
      // values of lo_r and hi_r + 1; nLeft(p) = #{lo_r < p}, nRight(p) = #{hi_r >= p}.
      let a = 0, b = 0, i = 0, j = 0;
      while (a < m || b < m) {
        const pa = a < m ? L[a]! : Infinity;
        const pb = b < m ? H[b]! + 1 : Infinity;
        const p = pa < pb ? pa : pb;
        while (a < m && L[a]! <= p) a++;
        while (b < m && H[b]! + 1 <= p) b++;
        if (p <= lod) continue;
        if (p > hid) break;
        while (i < m && L[i]! < p) i++;
        while (j < m && H[j]! < p) j++;
        const nl = i, nr = m - j;
        const big = nl > nr ? nl : nr;
        if (nl < m || nr < m) {
          const cost = big * 4 + (nl + nr - m);
          if (cost < bestCost) { bestCost = cost; bestD = d; bestP = p; bestL = nl; bestR = nr; }
        }
      }
    }
    const cut = opts.maxCutBits > 0 && cutWork < budget ? bestCut(rs, lo, hi) : null;
    if (cut !== null && (bestD < 0 || cut.maxChild <= Math.max(bestL, bestR))) return cutNode(rs, lo, hi, depth, cut);
    if (bestD < 0) return makeLeaf(rs);
    // Partition (order preserved).
    const left = new Int32Array(bestL), right = new Int32Array(bestR);
    let a = 0, b = 0;
    for (let k = 0; k < m; k++) {
      const r = rs[k]!; const o = r * W + 2 * bestD;
      if (box[o]! < bestP && box[o + 1]! >= lo[bestD]!) left[a++] = r;
      if (box[o + 1]! >= bestP && box[o]! <= hi[bestD]!) right[b++] = r;
    }
    const id = nodeDim.n;
    nodeDim.push(bestD); nodeL.push(0); nodeR.push(0); nodeThr.push(bestP); nodeShift.push(0);
    const lhi = hi.slice(); lhi[bestD] = bestP - 1;
    const rlo2 = lo.slice(); rlo2[bestD] = bestP;
    const lc = build(left.subarray(0, a), lo, lhi, depth + 1);
    const rc = build(right.subarray(0, b), rlo2, hi, depth + 1);
    nodeL.a[id] = lc; nodeR.a[id] = rc;
    return id;
  }

  interface Cut { d: number; shift: number; pieces: number; maxChild: number }
  const pw = (k: number): number => 2 ** k;

  /** The widest equal cut of one dimension whose replication stays within the space factor. */
  function bestCut(rs: Int32Array, lo: Float64Array, hi: Float64Array): Cut | null {
    const m = rs.length;
    let best: Cut | null = null, bestSum = Infinity;
    for (let d = 0; d < DIMS; d++) {
      const width = hi[d]! - lo[d]! + 1;
      if (width < 4) continue;
      const wbits = Math.ceil(Math.log2(width));
      // More pieces than about twice the rules only spreads them thinner: cap the cut by the node's size.
      for (let b = Math.min(opts.maxCutBits, wbits, Math.ceil(Math.log2(m)) + 1); b >= 2; b--) {
        const shift = wbits - b;
        const unit = pw(shift);
        const pieces = Math.floor((hi[d]! - lo[d]!) / unit) + 1;
        const diff = new Int32Array(pieces + 1);
        let sum = 0;
        for (let k = 0; k < m; k++) {
          const o = rs[k]! * W + 2 * d;
          const a = Math.max(box[o]!, lo[d]!), z = Math.min(box[o + 1]!, hi[d]!);
          const ca = Math.floor((a - lo[d]!) / unit), cz = Math.floor((z - lo[d]!) / unit);
          diff[ca]! += 1; diff[cz + 1]! -= 1; sum += cz - ca + 1;
        }
        if (sum > opts.spaceFactor * m + pieces) continue;
        let run = 0, mx = 0;
        for (let c = 0; c < pieces; c++) { run += diff[c]!; if (run > mx) mx = run; }
        if (mx >= m) break; // narrower cuts of this dimension cannot do better
        if (best === null || mx < best.maxChild || (mx === best.maxChild && sum < bestSum)) {
          best = { d, shift, pieces, maxChild: mx }; bestSum = sum;
        }
        break; // widest acceptable cut for this dimension
      }
    }
    return best;
  }

  let emptyLeaf = 0;
  /** Rule entries placed in children by cut nodes so far (bounded by the budget). */
  let cutWork = 0;
  function cutNode(rs: Int32Array, lo: Float64Array, hi: Float64Array, depth: number, c: Cut): number {
    const { d, shift, pieces } = c;
    const unit = pw(shift);
    const lists: number[][] = Array.from({ length: pieces }, () => []);
    for (let k = 0; k < rs.length; k++) {
      const r = rs[k]!; const o = r * W + 2 * d;
      const a = Math.max(box[o]!, lo[d]!), z = Math.min(box[o + 1]!, hi[d]!);
      const ca = Math.floor((a - lo[d]!) / unit), cz = Math.floor((z - lo[d]!) / unit);
      for (let ch = ca; ch <= cz; ch++) lists[ch]!.push(r);
      cutWork += cz - ca + 1;
    }
    const id = nodeDim.n;
    const base = kids.n;
    nodeDim.push(d + 8); nodeL.push(base); nodeR.push(pieces); nodeThr.push(lo[d]!); nodeShift.push(shift);
    for (let ch = 0; ch < pieces; ch++) kids.push(0);
    for (let ch = 0; ch < pieces; ch++) {
      const list = lists[ch]!;
      const clo = lo[d]! + ch * unit, chi = Math.min(hi[d]!, clo + unit - 1);
      if (list.length === 0) {
        if (emptyLeaf === 0) emptyLeaf = makeLeaf(new Int32Array(0)); // leaves are < 0
        kids.a[base + ch] = emptyLeaf;
        continue;
      }
      if (ch > 0 && sameSpanning(lists[ch - 1]!, list, d, clo - unit, chi)) { kids.a[base + ch] = kids.a[base + ch - 1]!; continue; }
      const clo2 = lo.slice(), chi2 = hi.slice();
      clo2[d] = clo; chi2[d] = chi;
      const child = build(Int32Array.from(list), clo2, chi2, depth + 1); // may grow kids.a
      kids.a[base + ch] = child;
    }
    return id;
  }

  /** Equal lists whose every rule spans [a, z] in dimension d. */
  function sameSpanning(x: number[], y: number[], d: number, a: number, z: number): boolean {
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) {
      if (x[k] !== y[k]) return false;
      const o = x[k]! * W + 2 * d;
      if (box[o]! > a || box[o + 1]! < z) return false;
    }
    return true;
  }

  const all = new Grow(n);
  for (let i = 0; i < n; i++) if (inp.dead[i] === 0) all.push(i);
  const root = build(all.a.subarray(0, all.n), rlo, rhi, 0);
  return {
    root,
    dim: Uint8Array.from(nodeDim.a.subarray(0, nodeDim.n)),
    thr: Float64Array.from(nodeThr),
    left: nodeL.a.slice(0, nodeL.n),
    right: nodeR.a.slice(0, nodeR.n),
    shift: Uint8Array.from(nodeShift),
    kids: kids.a.slice(0, kids.n),
    leafStart: leafS.a.slice(0, leafS.n),
    leafEnd: leafE.a.slice(0, leafE.n),
    cand: cand.a.slice(0, cand.n),
    nodes: nodeDim.n,
    leaves: leafS.n,
    maxLeaf,
    depth: maxDepth,
  };
}

/** Reference lookup (tests, explain): the leaf a key vector lands in. */
export function lookupLeaf(t: Tree, key: ArrayLike<number>): number {
  let nd = t.root;
  while (nd >= 0) {
    const m = t.dim[nd]!;
    if (m < 8) nd = key[m]! < t.thr[nd]! ? t.left[nd]! : t.right[nd]!;
    else nd = t.kids[t.left[nd]! + Math.floor((key[m - 8]! - t.thr[nd]!) / 2 ** t.shift[nd]!)]!;
  }
  return ~nd;
}
