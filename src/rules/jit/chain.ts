/**
 * One chain's code: built whole, or patched from the chain's previous code.
 * Invariants:
 * - A compiled chain is a function returning a final verdict or -2; a big
 *   chain is a driver calling its segments in order (each returns -1 when the
 *   packet fell through). Segments hold their own rule objects, so they do not
 *   depend on where they sit in the chain.
 * - Patching is exact, not approximate: rules shared by identity with the old
 *   chain (a common prefix and suffix) keep their segments (tree segments
 *   clipped into views where the change cut through them); only the rules in
 *   between are compiled anew, as linear code. The result evaluates exactly as
 *   a whole build would (same rules, same order).
 * - Patching is bounded: past PATCH_MAX changed rules, or once the chain has
 *   fragmented (many views, much linear code), the chain is built whole again.
 * - No function grows with the chain: linear code is chunked, trees are data.
 */
import type { Chain, Rule } from '../model.js';
import type { Steps } from '../steps.js';
import { isWide, ruleBox, type RuleBox } from './box.js';
import { Pool, type ChainRef } from './emit.js';
import { compileLinear } from './linear.js';
import { jsComment } from './source-text.js';
import { buildTreeArt, compileWalker, type TreeArt, type TreeOffload } from './tree-segment.js';
import { DEFAULT_TREE_OPTIONS, type Tree, type TreeOptions } from './tree.js';
import { compileUnit, type ChainFn, type UnitEnv } from './unit.js';

export interface CodegenOptions {
  /** Chains (or runs) shorter than this stay linear code. */
  treeMin: number;
  /** Consecutive wide rules (box = everything) at least this long are cut out of trees into linear code. */
  wideRun: number;
  /** Linear code is split into functions of at most this many rules. */
  chunk: number;
  tree: TreeOptions;
}

export const DEFAULT_CODEGEN: CodegenOptions = { treeMin: 16, wideRun: 3, chunk: 40, tree: DEFAULT_TREE_OPTIONS };

/** A change touching more rules than this builds the chain whole. */
export const PATCH_MAX = 256;

export interface Segment {
  kind: 'linear' | 'tree';
  /** The rule objects it runs, in chain order. */
  rules: Rule[];
  fn: ChainFn;
  /** Tree segments: the art and the range [lo, hi) of its rules this segment walks. */
  art?: TreeArt;
  lo: number;
  hi: number;
}

export interface CompiledChain {
  chain: Chain;
  fn: ChainFn;
  /** Empty when the whole chain is one inline function. */
  segments: Segment[];
  /** Tree segments when the chain was last built whole. */
  builtTrees: number;
}

/** What compiling a chain needs from its table. */
export interface ChainBuilder {
  env: UnitEnv;
  opts: CodegenOptions;
  slotOf(chain: string): number;
  offload?: TreeOffload;
}

/** Where a segment sits (for stats and the benchmark's shape column). */
export interface SegmentInfo { kind: 'linear' | 'tree'; start: number; end: number; trees?: Tree[] }

export function segmentInfo(cc: CompiledChain): SegmentInfo[] {
  if (cc.segments.length === 0) return cc.chain.rules.length === 0 ? [] : [{ kind: 'linear', start: 0, end: cc.chain.rules.length }];
  let pos = 0;
  return cc.segments.map((s) => {
    const start = pos;
    pos += s.rules.length;
    return s.kind === 'tree' ? { kind: 'tree', start, end: pos, trees: s.art!.trees } : { kind: 'linear', start, end: pos };
  });
}

export function* compileChain(b: ChainBuilder, chain: Chain, old?: CompiledChain): Steps<CompiledChain> {
  // Same rules array (a policy or counter change): same code.
  if (old !== undefined && old.chain.rules === chain.rules) return { ...old, chain };
  if (old !== undefined && old.segments.length > 0 && chain.rules.length > b.opts.chunk) {
    const patched = yield* patchChain(b, chain, old);
    if (patched !== null) return patched;
  }
  return yield* buildChain(b, chain);
}

function ref(b: ChainBuilder): ChainRef {
  return (name) => `D[${b.slotOf(name)}]`;
}

function head(chain: Chain, segments: number): string {
  return `// chain ${jsComment(chain.name)}${chain.policy !== null ? ` (policy ${chain.policy})` : ''}: ${chain.rules.length} rules${segments > 0 ? `, ${segments} segments` : ''}`;
}

function* buildChain(b: ChainBuilder, chain: Chain): Steps<CompiledChain> {
  const rules = chain.rules;
  const n = rules.length;
  const boxes: RuleBox[] = new Array(n);
  for (let i = 0; i < n; i++) {
    boxes[i] = ruleBox(rules[i]!);
    if ((i & 1023) === 1023) yield;
  }
  const segs = segment(boxes, b.opts);
  if (n <= b.opts.chunk && segs.every((s) => s.kind === 'linear')) {
    const fn = compileLinear(b.env, rules.slice(), 0, chain.name, ref(b), true, head(chain, 0));
    return { chain, fn, segments: [], builtTrees: 0 };
  }
  const out: Segment[] = [];
  for (const s of segs) {
    if (s.kind === 'linear') {
      out.push(...linearSegments(b, chain.name, rules.slice(s.start, s.end), s.start));
    } else {
      const art = yield* buildTreeArt(b.env, rules.slice(s.start, s.end), boxes.slice(s.start, s.end), s.start, chain.name, (c) => b.slotOf(c), b.opts.tree, b.offload);
      out.push({ kind: 'tree', rules: art.rules, fn: compileWalker(b.env, art, 0, art.rules.length), art, lo: 0, hi: art.rules.length });
    }
    yield;
  }
  return { chain, fn: compileDriver(b.env, chain, out), segments: out, builtTrees: out.filter((s) => s.kind === 'tree').length };
}

function linearSegments(b: ChainBuilder, chainName: string, rules: Rule[], first: number): Segment[] {
  const out: Segment[] = [];
  for (let a = 0; a < rules.length; a += b.opts.chunk) {
    const part = rules.slice(a, a + b.opts.chunk);
    const comment = `// rules #${first + a + 1}..#${first + a + part.length} (positions when built): linear`;
    out.push({ kind: 'linear', rules: part, fn: compileLinear(b.env, part, first + a, chainName, ref(b), false, comment), lo: 0, hi: part.length });
  }
  return out;
}

function compileDriver(env: UnitEnv, chain: Chain, segs: Segment[]): ChainFn {
  const pool = new Pool();
  const SG = pool.constant('SG', segs.map((s) => s.fn));
  const body = [head(chain, segs.length), 'function chain(ctx) {', '  let v = 0;',
    ...segs.map((_, k) => `  v = ${SG}[${k}](ctx); if (v !== -1) return v;`), '  return -2;', '}'].join('\n');
  return compileUnit<ChainFn>(env, pool, body, 'chain');
}

/** A piece of the patched chain: an old segment kept whole, a view of an old tree, or rules to compile. */
type Piece = { seg: Segment } | { art: TreeArt; lo: number; hi: number } | { rules: Rule[] };

function* patchChain(b: ChainBuilder, chain: Chain, old: CompiledChain): Steps<CompiledChain | null> {
  const O = old.chain.rules, N = chain.rules;
  const min = Math.min(O.length, N.length);
  let P = 0;
  while (P < min && O[P] === N[P]) P++;
  let S = 0;
  while (S < min - P && O[O.length - 1 - S] === N[N.length - 1 - S]) S++;
  const mid = N.length - P - S;
  if (mid > PATCH_MAX) return null;

  const pieces: Piece[] = [];
  const keep = (from: number, to: number): void => {
    let pos = 0;
    for (const seg of old.segments) {
      const a = pos, z = pos + seg.rules.length;
      pos = z;
      const x = Math.max(a, from), y = Math.min(z, to);
      if (x >= y) continue;
      if (x === a && y === z) pieces.push({ seg });
      else if (seg.kind === 'tree') pieces.push({ art: seg.art!, lo: seg.lo + (x - a), hi: seg.lo + (y - a) });
      else pieces.push({ rules: seg.rules.slice(x - a, y - a) });
    }
  };
  keep(0, P);
  if (mid > 0) pieces.push({ rules: N.slice(P, P + mid) });
  keep(O.length - S, O.length);

  // New linear rules absorb the linear segments right next to them, so repeated appends
  // do not leave a trail of one-rule segments.
  const merged: Piece[] = [];
  for (const p of pieces) {
    const last = merged[merged.length - 1];
    const linRules = (q: Piece | undefined): Rule[] | null => (q === undefined ? null : 'rules' in q ? q.rules : 'seg' in q && q.seg.kind === 'linear' ? q.seg.rules : null);
    const a = linRules(last), c = linRules(p);
    if (a !== null && c !== null && ('rules' in p || 'rules' in last!) && a.length + c.length <= 2 * b.opts.chunk) {
      merged[merged.length - 1] = { rules: [...a, ...c] };
    } else merged.push(p);
  }

  const trees = merged.filter((p) => 'art' in p || ('seg' in p && p.seg.kind === 'tree')).length;
  let linear = 0;
  for (const p of merged) linear += 'rules' in p ? p.rules.length : 'seg' in p && p.seg.kind === 'linear' ? p.seg.rules.length : 0;
  if (old.builtTrees > 0 && (trees > 2 * old.builtTrees + 2 || linear > Math.max(4 * b.opts.chunk, N.length >> 3))) return null;

  const out: Segment[] = [];
  let pos = 0;
  for (const p of merged) {
    if ('seg' in p) {
      out.push(p.seg);
      pos += p.seg.rules.length;
    } else if ('art' in p) {
      out.push({ kind: 'tree', rules: p.art.rules.slice(p.lo, p.hi), fn: compileWalker(b.env, p.art, p.lo, p.hi), art: p.art, lo: p.lo, hi: p.hi });
      pos += p.hi - p.lo;
    } else {
      out.push(...linearSegments(b, chain.name, p.rules, pos));
      pos += p.rules.length;
    }
    yield;
  }
  return { chain, fn: compileDriver(b.env, chain, out), segments: out, builtTrees: old.builtTrees };
}

/**
 * Cuts a chain into linear and tree segments: runs of wide rules (which no tree
 * can dispatch on) stay linear, the rest go to trees when long enough.
 */
export function segment(boxes: RuleBox[], opts: CodegenOptions): Array<{ kind: 'linear' | 'tree'; start: number; end: number }> {
  const n = boxes.length;
  if (n < opts.treeMin) return n === 0 ? [] : [{ kind: 'linear', start: 0, end: n }];
  const wide = boxes.map(isWide);
  const raw: Array<{ kind: 'linear' | 'tree'; start: number; end: number }> = [];
  let i = 0;
  while (i < n) {
    let j = i;
    if (wide[i]) {
      while (j < n && wide[j]) j++;
      if (j - i >= opts.wideRun || i === 0 || j === n) { raw.push({ kind: 'linear', start: i, end: j }); i = j; continue; }
    }
    // A tree run: up to the next wide run long enough to cut (or a trailing wide run).
    j = i;
    while (j < n) {
      if (wide[j]) {
        let k = j; while (k < n && wide[k]) k++;
        if (k - j >= opts.wideRun || k === n) break;
        j = k;
      } else j++;
    }
    raw.push({ kind: j - i >= opts.treeMin ? 'tree' : 'linear', start: i, end: j });
    i = j;
  }
  // Merge adjacent linear segments.
  const out: Array<{ kind: 'linear' | 'tree'; start: number; end: number }> = [];
  for (const s of raw) {
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === 'linear' && s.kind === 'linear') last.end = s.end;
    else out.push({ ...s });
  }
  return out;
}
