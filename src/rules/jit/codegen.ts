/**
 * Source generation for one table: one function per chain, the chain cut into
 * segments. Invariants:
 * - Every chain function returns a final verdict (0 DROP, 1 ACCEPT, 2 STOLEN,
 *   3 QUEUE) or -2 (RETURN / fell off the end); segment functions return -1
 *   when the packet fell through them.
 * - A linear segment is straight if-code, rule after rule. A tree segment has
 *   one decision tree (tree.ts) per group of rules alike in address wildness
 *   (EffiCuts-style, so wide rules are not copied into every leaf); the
 *   candidates of the packet's leaves are walked merged in rule order, each
 *   tested with its box (inlined in the leaf entries) plus, for non-exact
 *   boxes, its full generated test — so the first matching rule, and every
 *   matching non-terminating rule before it, run exactly as in the interpreter.
 *   When every rule of the segment ends with a verdict and its test has no
 *   side effect (box.ts quietTest), each tree's leaf is searched for its own
 *   first match instead and the smallest rule index wins: same result, since
 *   only the winner's counters and verdict are observable.
 * - Counters live in the model: rule.pkts/bytes and chain.pkts/bytes.
 * - No function grows with the chain: linear code is chunked, trees are data.
 * - The tree keys (saddr, daddr, proto, ports) are read once per segment; no
 *   non-terminating target changes them (MARK/TOS/TTL/LOG/... never touch them).
 */
import type { Chain, Rule, Table } from '../model.js';
import { HOOK_NAMES } from '../model.js';
import { DIMS, isWide, quietTest, ruleBox, type RuleBox } from './box.js';
import { describeRule } from './describe.js';
import { Pool, ruleTest, targetCode } from './emit.js';
import { jsComment } from './source-text.js';
import { buildTree, DEFAULT_TREE_OPTIONS, type Tree, type TreeOptions } from './tree.js';

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

export interface SegmentInfo {
  kind: 'linear' | 'tree';
  start: number;
  end: number;
  /** Tree segments: one tree per group of rules alike in which addresses are wide (EffiCuts-style). */
  trees?: Tree[];
}

export interface ChainCode {
  name: string;
  fn: string;
  /** Source of the chain function plus its segment functions. */
  source: string;
  /** Chains it jumps/gotos to. */
  calls: Set<string>;
  segments: SegmentInfo[];
}

export interface TableProgram {
  pool: Pool;
  chains: Map<string, ChainCode>;
  /** Entry function source per hook (null when the table has no such built-in chain). */
  entries: (string | null)[];
  /** Names of entry functions per hook. */
  entryNames: (string | null)[];
  /** Chain objects referenced by entries (policy counters) are constants in the pool. */
  source: string;
}

const ACT_NONE = -1;
const ACT_JUMP = 16;
const ACT_GOTO = 17;
const ACT_TARGET = 18;

function ruleComment(r: Rule, idx: number): string {
  return `// #${idx + 1} ${jsComment(describeRule(r))}`;
}

export function generateTable(table: Table, opts: CodegenOptions = DEFAULT_CODEGEN): TableProgram {
  const pool = new Pool();
  const names = [...table.chains.keys()];
  const fnOf = new Map<string, string>();
  names.forEach((n, k) => fnOf.set(n, `c${k}`));
  const chainRef = (n: string): string | null => fnOf.get(n) ?? null;
  const chains = new Map<string, ChainCode>();

  for (const [name, chain] of table.chains) {
    chains.set(name, generateChain(chain, fnOf.get(name)!, pool, chainRef, opts));
  }

  const entries: (string | null)[] = [];
  const entryNames: (string | null)[] = [];
  HOOK_NAMES.forEach((hook, h) => {
    const chain = table.chains.get(hook);
    if (chain === undefined || chain.policy === null) { entries.push(null); entryNames.push(null); return; }
    const cv = pool.constant(`P${h}`, chain);
    const pol = chain.policy === 'DROP' ? 0 : 1;
    const e = `e${h}`;
    entryNames.push(e);
    entries.push([
      `// ${table.name} ${hook}: policy ${chain.policy}`,
      `function ${e}(ctx) {`,
      `  IN_ = null; OUT_ = null; S.lastDropWasPolicy = false;`,
      `  const v = ${fnOf.get(hook)}(ctx);`,
      `  if (v !== -2) return v;`,
      `  ${cv}.pkts += 1; ${cv}.bytes += ctx.ipTotLen;`,
      pol === 0 ? `  S.lastDropWasPolicy = true;\n  return 0;` : `  return 1;`,
      `}`,
    ].join('\n'));
  });

  const body = [
    `"use strict";`,
    `const S = C.self, inName = C.inName, outName = C.outName, MF = C.MF, TF = C.TF, missingChain = C.missingChain;`,
    pool.header(),
    `let IN_ = null, OUT_ = null;`,
    ...[...chains.values()].map((c) => c.source),
    ...entries.filter((e): e is string => e !== null),
    `return [${entryNames.map((e) => e ?? 'null').join(', ')}];`,
  ].join('\n');
  return { pool, chains, entries, entryNames, source: body };
}

function segment(chain: Chain, boxes: RuleBox[], opts: CodegenOptions): SegmentInfo[] {
  const n = chain.rules.length;
  if (n < opts.treeMin) return n === 0 ? [] : [{ kind: 'linear', start: 0, end: n }];
  const wide = boxes.map(isWide);
  const raw: SegmentInfo[] = [];
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
  const out: SegmentInfo[] = [];
  for (const s of raw) {
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === 'linear' && s.kind === 'linear') last.end = s.end;
    else out.push({ ...s });
  }
  return out;
}

function linearRules(chain: Chain, rv: string, start: number, end: number, pool: Pool, chainRef: (n: string) => string | null, calls: Set<string>, ind: string): string {
  const out: string[] = [];
  for (let i = start; i < end; i++) {
    const r = chain.rules[i]!;
    if (r.target.kind === 'jump' || r.target.kind === 'goto') calls.add(r.target.chain);
    const test = ruleTest(r, pool);
    const tgt = targetCode(r, chain.name, pool, chainRef);
    out.push(`${ind}${ruleComment(r, i)}`);
    out.push(`${ind}if (${test}) {`);
    out.push(`${ind}  ${rv}[${i}].pkts += 1; ${rv}[${i}].bytes += ctx.ipTotLen;`);
    if (tgt !== '') out.push(`${ind}  ${tgt}`);
    out.push(`${ind}}`);
  }
  return out.join('\n');
}

function generateChain(chain: Chain, fn: string, pool: Pool, chainRef: (n: string) => string | null, opts: CodegenOptions): ChainCode {
  const calls = new Set<string>();
  const boxes = chain.rules.map(ruleBox);
  const segs = segment(chain, boxes, opts);
  const rv = pool.constant(`R${fn.slice(1)}`, chain.rules);
  const head = `// chain ${jsComment(chain.name)}${chain.policy !== null ? ` (policy ${chain.policy})` : ''}: ${chain.rules.length} rules`;
  const fns: string[] = [];
  const inline = chain.rules.length <= opts.chunk && segs.every((s) => s.kind === 'linear');

  if (inline) {
    const body = segs.map((s) => linearRules(chain, rv, s.start, s.end, pool, chainRef, calls, '  ')).join('\n');
    const src = [head, `function ${fn}(ctx) {`, `  let v = 0;`, body, `  return -2;`, `}`].filter((l) => l !== '').join('\n');
    return { name: chain.name, fn, source: src, calls, segments: segs };
  }

  const callLines: string[] = [];
  let sn = 0;
  for (const s of segs) {
    if (s.kind === 'linear') {
      for (let a = s.start; a < s.end; a += opts.chunk) {
        const b = Math.min(s.end, a + opts.chunk);
        const name = `${fn}_${sn++}`;
        fns.push([`// ${jsComment(chain.name)} rules #${a + 1}..#${b}: linear`, `function ${name}(ctx) {`, `  let v = 0;`,
          linearRules(chain, rv, a, b, pool, chainRef, calls, '  '), `  return -1;`, `}`].join('\n'));
        callLines.push(`  v = ${name}(ctx); if (v !== -1) return v;`);
      }
    } else {
      const name = `${fn}_${sn++}`;
      const { src, trees } = treeSegment(chain, rv, s.start, s.end, boxes, name, pool, chainRef, calls, opts);
      s.trees = trees;
      fns.push(src);
      callLines.push(`  v = ${name}(ctx); if (v !== -1) return v;`);
    }
  }
  const src = [head, `function ${fn}(ctx) {`, `  let v = 0;`, ...callLines, `  return -2;`, `}`, ...fns].join('\n');
  return { name: chain.name, fn, source: src, calls, segments: segs };
}

function treeSegment(
  chain: Chain, rv: string, start: number, end: number, boxes: RuleBox[], name: string,
  pool: Pool, chainRef: (n: string) => string | null, calls: Set<string>, opts: CodegenOptions,
): { src: string; trees: Tree[] } {
  const n = end - start;
  const W = DIMS * 2;
  const bx = new Float64Array(n * W);
  const shadows = new Uint8Array(n), dead = new Uint8Array(n), rf = new Uint8Array(n);
  const ac = new Int32Array(n), ax = new Int32Array(n);
  const chainIdx = new Map<string, number>();
  const chainList: string[] = [];
  const residual: string[] = [];
  const kinds = new Set<number>();
  const rt = `${name}_RT`;
  // Pure: every rule ends the chain with a verdict and its test has no side effect. Then the first
  // match of each tree can be looked for on its own and the smallest index wins (no merged walk).
  let pure = true;

  for (let i = 0; i < n; i++) {
    const r = chain.rules[start + i]!;
    const b = boxes[start + i]!;
    for (let d = 0; d < DIMS; d++) {
      bx[i * W + 2 * d] = b.lo[d]!; bx[i * W + 2 * d + 1] = b.hi[d]!;
      if (b.lo[d]! > b.hi[d]!) dead[i] = 1;
    }
    const t = r.target;
    if (t.kind !== 'verdict' || !quietTest(r)) pure = false;
    let terminal = false;
    switch (t.kind) {
      case 'none': ac[i] = ACT_NONE; break;
      case 'verdict':
        ac[i] = t.verdict === 'ACCEPT' ? 1 : t.verdict === 'DROP' ? 0 : t.verdict === 'QUEUE' ? 3 : -2;
        terminal = true;
        break;
      case 'jump':
      case 'goto': {
        calls.add(t.chain);
        ac[i] = t.kind === 'jump' ? ACT_JUMP : ACT_GOTO;
        terminal = t.kind === 'goto';
        let k = chainIdx.get(t.chain);
        if (k === undefined) { k = chainList.length; chainIdx.set(t.chain, k); chainList.push(t.chain); }
        ax[i] = k;
        break;
      }
      default:
        ac[i] = ACT_TARGET;
        ax[i] = pool.targetFn(r, t, chain.name);
    }
    kinds.add(ac[i]! >= 16 ? ac[i]! : 0);
    if (b.exact && terminal) shadows[i] = 1;
    if (!b.exact && dead[i] === 0) {
      rf[i] = 1;
      residual.push(`${ruleComment(r, start + i)}\n${rt}[${i}] = function (ctx) { return ${ruleTest(r, pool)}; };`);
    }
  }
  const groups = partition(bx, dead, n);
  const trees = groups.map((g) => buildGroupTree(g, bx, shadows, opts.tree));
  const p = (suffix: string, v: unknown): string => pool.constant(`${name}_${suffix}`, v);
  const RF = p('RF', rf), AC = p('AC', ac), AX = p('AX', ax);
  const CH = `${name}_CH`;
  const K = trees.length;

  const act: string[] = [];
  act.push(`    const a = ${AC}[i];`);
  if (kinds.has(0)) act.push(`    if (a === ${ACT_NONE}) continue;`, `    if (a < ${ACT_JUMP}) return a;`);
  if (kinds.has(ACT_JUMP)) act.push(`    if (a === ${ACT_JUMP}) { const v = ${CH}[${AX}[i]](ctx); if (v !== -2) return v; continue; }`);
  if (kinds.has(ACT_GOTO)) act.push(`    if (a === ${ACT_GOTO}) return ${CH}[${AX}[i]](ctx);`);
  if (kinds.has(ACT_TARGET)) act.push(`    if (a === ${ACT_TARGET}) { const v = TF[${AX}[i]](ctx); if (v !== -1) return v; }`);

  const header: string[] = [];
  const lookups: string[] = [];
  const treeFns: string[] = [];
  const E: string[] = [];
  trees.forEach((tree, t) => {
    const LS = p(`LS${t}`, tree.leafStart.map((x) => x * ENTRY)), LE = p(`LE${t}`, tree.leafEnd.map((x) => x * ENTRY));
    E.push(p(`E${t}`, leafEntries(tree, bx)));
    const avg = tree.leaves === 0 ? 0 : tree.cand.length / tree.leaves;
    header.push(`//   tree ${t}: ${groups[t]!.length} rules, ${tree.nodes} nodes, ${tree.leaves} leaves, depth ${tree.depth}, candidates per leaf max ${tree.maxLeaf} avg ${avg.toFixed(1)}`);
    const { fns, root } = treeCode(tree, `${name}_t${t}`, (suffix, v) => p(`${t}${suffix}`, v));
    treeFns.push(...fns);
    lookups.push(`  const l${t} = ${root};`, `  let j${t} = ${LS}[l${t}]; const e${t} = ${LE}[l${t}];`);
  });
  // Walk the candidates of all trees merged by rule index (each rule is in exactly one tree).
  // A candidate entry carries its box (see leafEntries), so a leaf is read sequentially.
  const walk: string[] = K === 1
    ? [`  for (; j0 < e0; j0 += ${ENTRY}) {`, `    const EE = ${E[0]}, b = j0, i = EE[b];`]
    : [
      `  for (;;) {`,
      `    let i = 0x7fffffff, w = -1;`,
      ...E.map((e, t) => `    if (j${t} < e${t}) { const x = ${e}[j${t}]; if (x < i) { i = x; w = ${t}; } }`),
      `    if (w < 0) return -1;`,
      `    let EE = ${E[0]}, b = j0;`,
      `    ${E.map((e, t) => `${t > 0 ? 'else ' : ''}if (w === ${t}) { ${t > 0 ? `EE = ${e}; b = j${t}; ` : ''}j${t} += ${ENTRY}; }`).join(' ')}`,
    ];
  const boxTest = (EE: string, b: string, fail: string): string[] => [
    `    if (s2 < ${EE}[${b} + 1] || s2 > ${EE}[${b} + 2] || d2 < ${EE}[${b} + 3] || d2 > ${EE}[${b} + 4]) ${fail}`,
    `    let x = ${EE}[${b} + 5]; if (p < (x >>> 16) || p > (x & 0xffff)) ${fail}`,
    `    x = ${EE}[${b} + 6]; if (sp < (x >>> 16) || sp > (x & 0xffff)) ${fail}`,
    `    x = ${EE}[${b} + 7]; if (dp < (x >>> 16) || dp > (x & 0xffff)) ${fail}`,
  ];
  // Pure segments: per tree, the first candidate that matches (candidates are in rule order, so a
  // later tree stops at the best index found so far); the smallest index is the first match.
  const pureWalk: string[] = [`  let best = 0x7fffffff;`];
  E.forEach((e, t) => {
    pureWalk.push(
      `  for (; j${t} < e${t}; j${t} += ${ENTRY}) {`,
      `    const b = j${t}, i = ${e}[b];`,
      ...(t > 0 ? [`    if (i >= best) break;`] : []),
      ...boxTest(e, 'b', 'continue;'),
      ...(residual.length > 0 ? [`    if (${RF}[i] !== 0 && !${rt}[i](ctx)) continue;`] : []),
      `    best = i; break;`,
      `  }`,
    );
  });
  pureWalk.push(
    `  if (best === 0x7fffffff) return -1;`,
    `  const r = ${rv}[best + ${start}]; r.pkts += 1; r.bytes += ctx.ipTotLen;`,
    `  return ${AC}[best];`,
  );
  const mergedWalk: string[] = [
    ...walk,
    ...boxTest('EE', 'b', 'continue;'),
    ...(residual.length > 0 ? [`    if (${RF}[i] !== 0 && !${rt}[i](ctx)) continue;`] : []),
    `    const r = ${rv}[i + ${start}]; r.pkts += 1; r.bytes += ctx.ipTotLen;`,
    ...act,
    `  }`,
    `  return -1;`,
  ];
  const src = [
    `// ${jsComment(chain.name)} rules #${start + 1}..#${end}: decision tree${K > 1 ? 's' : ''}, ${residual.length} rules with a residual test${pure ? ', verdicts only (first match per tree)' : ''}`,
    ...header,
    `const ${rt} = new Array(${n}).fill(null);`,
    ...residual,
    `const ${CH} = [${chainList.map((c) => chainRef(c) ?? 'missingChain').join(', ')}];`,
    ...treeFns,
    `function ${name}(ctx) {`,
    `  const s = ctx.saddr, d = ctx.daddr, p = ctx.proto * 2 + (ctx.l4Off >= 0 ? 1 : 0), sp = ctx.sport, dp = ctx.dport;`,
    `  const s2 = s ^ 0x80000000, d2 = d ^ 0x80000000;`,
    ...lookups,
    ...(pure ? pureWalk : mergedWalk),
    `}`,
  ].join('\n');
  return { src, trees };
}

/** Int32 words per leaf candidate entry. */
const ENTRY = 8;

/**
 * Leaf candidates with their boxes inlined, ENTRY words each: rule index;
 * source lo, hi and destination lo, hi with the top bit flipped (so signed
 * int32 order is unsigned order); then (lo << 16 | hi) for the protocol key,
 * source port and destination port. Reading a leaf touches a few consecutive
 * cache lines instead of one line per rule scattered over the chain.
 */
function leafEntries(tree: Tree, bx: Float64Array): Int32Array {
  const W = DIMS * 2;
  const e = new Int32Array(tree.cand.length * ENTRY);
  for (let k = 0; k < tree.cand.length; k++) {
    const i = tree.cand[k]!, o = i * W, q = k * ENTRY;
    e[q] = i;
    e[q + 1] = bx[o]! ^ 0x80000000; e[q + 2] = bx[o + 1]! ^ 0x80000000;
    e[q + 3] = bx[o + 2]! ^ 0x80000000; e[q + 4] = bx[o + 3]! ^ 0x80000000;
    e[q + 5] = (bx[o + 4]! << 16) | bx[o + 5]!;
    e[q + 6] = (bx[o + 6]! << 16) | bx[o + 7]!;
    e[q + 7] = (bx[o + 8]! << 16) | bx[o + 9]!;
  }
  return e;
}

const KEY_VARS = ['s', 'd', 'p', 'sp', 'dp'];
/**
 * The tree walk for one tree, as a function of the key variables returning the
 * leaf index. Trees are data (typed arrays), not code: a walk touches ~17 bytes
 * per level, and compiling stays cheap for big trees (measured: emitting the
 * tree as nested ifs was no faster and compiled slower).
 */
function treeCode(tree: Tree, prefix: string, constant: (suffix: string, v: unknown) => string): { fns: string[]; root: string } {
  const args = KEY_VARS.join(', ');
  if (tree.root < 0) return { fns: [], root: String(~tree.root) };
  const D = constant('D', tree.dim), T = constant('T', tree.thr), L = constant('L', tree.left), R = constant('R', tree.right);
  const cuts = tree.dim.some((m) => m >= 8);
  const SH = cuts ? constant('SH', tree.shift) : '', KD = cuts ? constant('K', tree.kids) : '';
  return {
    root: `${prefix}(${args})`,
    fns: [[
      `function ${prefix}(${args}) {`,
      `  let n = ${tree.root};`,
      `  while (n >= 0) {`,
      cuts
        ? `    const m = ${D}[n], k = m & 7, v = k === 0 ? s : k === 1 ? d : k === 2 ? p : k === 3 ? sp : dp;\n    n = m < 8 ? (v < ${T}[n] ? ${L}[n] : ${R}[n]) : ${KD}[${L}[n] + ((v - ${T}[n]) >>> ${SH}[n])];`
        : `    const m = ${D}[n];\n    n = (m === 0 ? s : m === 1 ? d : m === 2 ? p : m === 3 ? sp : dp) < ${T}[n] ? ${L}[n] : ${R}[n];`,
      `  }`,
      `  return ~n;`,
      `}`,
    ].join('\n')],
  };
}

/**
 * Groups of live rules (ascending) alike in whether their source / destination
 * address is wide (covers half the space or more). A tree per group keeps rules
 * wide in one address from being copied into every leaf of a tree that splits on
 * it. Groups too small to deserve a tree are merged.
 */
function partition(bx: Float64Array, dead: Uint8Array, n: number): Int32Array[] {
  const W = DIMS * 2;
  const half = 2 ** 31;
  const byKey: number[][] = [[], [], [], []];
  for (let i = 0; i < n; i++) {
    if (dead[i] === 1) continue;
    const o = i * W;
    const key = (bx[o + 1]! - bx[o]! >= half ? 1 : 0) | (bx[o + 3]! - bx[o + 2]! >= half ? 2 : 0);
    byKey[key]!.push(i);
  }
  const min = Math.max(16, n >> 5);
  const out: number[][] = [];
  const small: number[] = [];
  for (const g of byKey) {
    if (g.length >= min) out.push(g);
    else small.push(...g);
  }
  if (small.length > 0) {
    // Candidate lists must stay in rule order: merged groups are re-sorted.
    if (out.length === 0) out.push(small.sort((a, b) => a - b));
    else out[out.length - 1] = [...out[out.length - 1]!, ...small].sort((a, b) => a - b);
  }
  if (out.length === 0) out.push([]);
  return out.map((g) => Int32Array.from(g));
}

/** A tree over one group, its candidates mapped back to segment rule indices. */
function buildGroupTree(g: Int32Array, bx: Float64Array, shadows: Uint8Array, opts: TreeOptions): Tree {
  const W = DIMS * 2;
  const m = g.length;
  const box = new Float64Array(m * W);
  const sh = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    box.set(bx.subarray(g[k]! * W, g[k]! * W + W), k * W);
    sh[k] = shadows[g[k]!]!;
  }
  const t = buildTree({ n: m, box, shadows: sh, dead: new Uint8Array(m) }, opts);
  for (let k = 0; k < t.cand.length; k++) t.cand[k] = g[t.cand[k]!]!;
  return t;
}
