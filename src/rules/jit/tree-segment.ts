/**
 * A tree segment: a run of rules dispatched by decision trees (tree.ts) over
 * (saddr, daddr, proto, sport, dport), built once as data (TreeArt) and walked
 * by a small generated function. The walker can be built for a sub-range
 * [lo, hi) of the art's rules (a view), which is how a change in the middle
 * of a 50,000-rule chain costs a few units instead of a rebuild: the chain
 * becomes view(0, k) + the changed rules + view(k + 1, n) over the same trees.
 * Invariants:
 * - One tree per group of rules alike in address wildness (EffiCuts-style,
 *   so wide rules are not copied into every leaf); candidates of the packet's
 *   leaves are walked merged in rule order, each tested with its box (inlined
 *   in the leaf entries) plus, for non-exact boxes, its residual test — so
 *   the first matching rule, and every matching non-terminating rule before
 *   it, run exactly as in the interpreter.
 * - When every rule ends with a verdict and its test has no side effect
 *   (box.ts quietTest), each tree's leaf is searched for its own first match
 *   and the smallest index wins: same result, since only the winner's
 *   counters and verdict are observable.
 * - The tree keys are read once per walk; no non-terminating target changes
 *   them (MARK/TOS/TTL/LOG/... never touch addresses, protocol or ports).
 * - Leaves are not truncated after covering rules, so any sub-range of an
 *   art's rules can be walked on its own.
 * - Walkers of the same art share its rule objects, bound tests and targets,
 *   so counters and match state (limit buckets, ...) are the rules' own.
 */
import type { Rule } from '../model.js';
import type { Steps } from '../steps.js';
import { DIMS, quietTest, type RuleBox } from './box.js';
import { Pool, ruleTest } from './emit.js';
import { ruleComment } from './linear.js';
import { buildTree, type Tree, type TreeInput, type TreeOptions } from './tree.js';
import { compileUnit, type ChainFn, type MatchFn, type TargetFn, type UnitEnv } from './unit.js';

const ACT_NONE = -1;
const ACT_JUMP = 16;
const ACT_GOTO = 17;
const ACT_TARGET = 18;

/** Int32 words per leaf candidate entry (see leafEntries). */
const ENTRY = 8;

/** Builds a tree elsewhere (a worker thread); absent: built inline. */
export type TreeOffload = (inp: TreeInput, opts: TreeOptions) => Promise<Tree>;
/** Groups at least this big are worth a trip to the worker. */
const OFFLOAD_MIN = 1024;

export interface TreeArt {
  rules: Rule[];
  trees: Tree[];
  groupSizes: number[];
  E: Int32Array[];
  LS: Int32Array[];
  LE: Int32Array[];
  AC: Int32Array;
  AX: Int32Array;
  RF: Uint8Array;
  RT: (MatchFn | null)[];
  TT: TargetFn[];
  pure: boolean;
  kinds: Set<number>;
  residuals: number;
  /** Chain position of rules[0] when built (comments only). */
  first: number;
  chainName: string;
}

export function* buildTreeArt(
  env: UnitEnv, rules: Rule[], boxes: RuleBox[], first: number, chainName: string,
  slotOf: (chain: string) => number, opts: TreeOptions, offload?: TreeOffload,
): Steps<TreeArt> {
  const n = rules.length;
  const W = DIMS * 2;
  const bx = new Float64Array(n * W);
  const dead = new Uint8Array(n), rf = new Uint8Array(n);
  const ac = new Int32Array(n), ax = new Int32Array(n);
  const kinds = new Set<number>();
  const residual: string[] = [];
  const targets: TargetFn[] = [];
  const rtPool = new Pool();
  let pure = true;

  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 1023) yield;
    const r = rules[i]!;
    const b = boxes[i]!;
    for (let d = 0; d < DIMS; d++) {
      bx[i * W + 2 * d] = b.lo[d]!; bx[i * W + 2 * d + 1] = b.hi[d]!;
      if (b.lo[d]! > b.hi[d]!) dead[i] = 1;
    }
    const t = r.target;
    if (t.kind !== 'verdict' || !quietTest(r)) pure = false;
    switch (t.kind) {
      case 'none': ac[i] = ACT_NONE; break;
      case 'verdict':
        ac[i] = t.verdict === 'ACCEPT' ? 1 : t.verdict === 'DROP' ? 0 : t.verdict === 'QUEUE' ? 3 : -2;
        break;
      case 'jump':
      case 'goto':
        ac[i] = t.kind === 'jump' ? ACT_JUMP : ACT_GOTO;
        ax[i] = slotOf(t.chain);
        break;
      default:
        ac[i] = ACT_TARGET;
        ax[i] = targets.length;
        targets.push(env.sources !== undefined ? (null as unknown as TargetFn) : env.bindTarget({ rule: r, target: t, chain: chainName }));
    }
    kinds.add(ac[i]! >= 16 ? ac[i]! : 0);
    if (!b.exact && dead[i] === 0) {
      rf[i] = 1;
      residual.push(`${ruleComment(r, first + i)}\nRT[${i}] = function (ctx) { return ${ruleTest(r, rtPool)}; };`);
    }
  }
  yield;
  const RT: (MatchFn | null)[] = residual.length === 0
    ? []
    : compileUnit<(MatchFn | null)[]>(env, rtPool, [`const RT = new Array(${n}).fill(null);`, ...residual].join('\n'), 'RT');
  yield;

  const groups = partition(bx, dead, n);
  const trees: Tree[] = [];
  for (const g of groups) {
    const m = g.length;
    const box = new Float64Array(m * W);
    for (let k = 0; k < m; k++) box.set(bx.subarray(g[k]! * W, g[k]! * W + W), k * W);
    // No shadow truncation (tree.ts can cut a leaf's list after an exact terminal rule covering
    // its region): a view starting after such a rule would miss the rules it cut. The walk stops
    // at the first match anyway, so only leaf storage grows, and little (measured: same tree shapes).
    const inp: TreeInput = { n: m, box, shadows: new Uint8Array(m), dead: new Uint8Array(m) };
    const t = offload !== undefined && m >= OFFLOAD_MIN ? (yield offload(inp, opts)) as Tree : buildTree(inp, opts);
    for (let k = 0; k < t.cand.length; k++) t.cand[k] = g[t.cand[k]!]!;
    trees.push(t);
    yield;
  }
  return {
    rules, trees, groupSizes: groups.map((g) => g.length),
    E: trees.map((t) => leafEntries(t, bx)),
    LS: trees.map((t) => t.leafStart.map((x) => x * ENTRY)),
    LE: trees.map((t) => t.leafEnd.map((x) => x * ENTRY)),
    AC: ac, AX: ax, RF: rf, RT, TT: targets, pure, kinds, residuals: residual.length, first, chainName,
  };
}

/**
 * The walker over art rules [lo, hi) as a segment function (-1 on fall-through).
 * The whole art (lo 0, hi n) is walked without range tests.
 */
export function compileWalker(env: UnitEnv, art: TreeArt, lo: number, hi: number): ChainFn {
  const pool = new Pool();
  const c = (name: string, v: unknown): string => pool.constant(name, v);
  const RS = c('RS', art.rules), AC = c('AC', art.AC), AX = c('AX', art.AX), RF = c('RF', art.RF);
  const RT = art.residuals > 0 ? c('RT', art.RT) : 'null';
  const TT = art.kinds.has(ACT_TARGET) ? c('TT', art.TT) : 'null';
  const clipped = lo > 0 || hi < art.rules.length;
  const K = art.trees.length;

  const act: string[] = [`    const a = ${AC}[i];`];
  if (art.kinds.has(0)) act.push(`    if (a === ${ACT_NONE}) continue;`, `    if (a < ${ACT_JUMP}) return a;`);
  if (art.kinds.has(ACT_JUMP)) act.push(`    if (a === ${ACT_JUMP}) { const v = D[${AX}[i]](ctx); if (v !== -2) return v; continue; }`);
  if (art.kinds.has(ACT_GOTO)) act.push(`    if (a === ${ACT_GOTO}) return D[${AX}[i]](ctx);`);
  if (art.kinds.has(ACT_TARGET)) act.push(`    if (a === ${ACT_TARGET}) { const v = ${TT}[${AX}[i]](ctx); if (v !== -1) return v; }`);

  const header: string[] = [];
  const lookups: string[] = [];
  const treeFns: string[] = [];
  const E: string[] = [];
  art.trees.forEach((tree, t) => {
    const LS = c(`LS${t}`, art.LS[t]), LE = c(`LE${t}`, art.LE[t]);
    E.push(c(`E${t}`, art.E[t]));
    const avg = tree.leaves === 0 ? 0 : tree.cand.length / tree.leaves;
    header.push(`//   tree ${t}: ${art.groupSizes[t]} rules, ${tree.nodes} nodes, ${tree.leaves} leaves, depth ${tree.depth}, candidates per leaf max ${tree.maxLeaf} avg ${avg.toFixed(1)}`);
    const { fns, root } = treeCode(tree, `t${t}`, (suffix, v) => c(`T${t}${suffix}`, v));
    treeFns.push(...fns);
    lookups.push(`  const l${t} = ${root};`, `  let j${t} = ${LS}[l${t}]; const e${t} = ${LE}[l${t}];`);
  });
  const boxTest = (EE: string, b: string, fail: string): string[] => [
    `    if (s2 < ${EE}[${b} + 1] || s2 > ${EE}[${b} + 2] || d2 < ${EE}[${b} + 3] || d2 > ${EE}[${b} + 4]) ${fail}`,
    `    let x = ${EE}[${b} + 5]; if (p < (x >>> 16) || p > (x & 0xffff)) ${fail}`,
    `    x = ${EE}[${b} + 6]; if (sp < (x >>> 16) || sp > (x & 0xffff)) ${fail}`,
    `    x = ${EE}[${b} + 7]; if (dp < (x >>> 16) || dp > (x & 0xffff)) ${fail}`,
  ];
  const residualTest = art.residuals > 0 ? [`    if (${RF}[i] !== 0 && !${RT}[i](ctx)) continue;`] : [];
  // Pure: per tree, the first candidate that matches (candidates are in rule order, so a later
  // tree stops at the best index found so far); the smallest index is the first match.
  const pureWalk: string[] = [`  let best = 0x7fffffff;`];
  E.forEach((e, t) => {
    pureWalk.push(
      `  for (; j${t} < e${t}; j${t} += ${ENTRY}) {`,
      `    const b = j${t}, i = ${e}[b];`,
      ...(clipped ? [`    if (i < ${lo}) continue;`, `    if (i >= ${hi}) break;`] : []),
      ...(t > 0 ? [`    if (i >= best) break;`] : []),
      ...boxTest(e, 'b', 'continue;'),
      ...residualTest,
      `    best = i; break;`,
      `  }`,
    );
  });
  pureWalk.push(
    `  if (best === 0x7fffffff) return -1;`,
    `  const r = ${RS}[best]; r.pkts += 1; r.bytes += ctx.ipTotLen;`,
    `  return ${AC}[best];`,
  );
  // Otherwise: the candidates of all trees merged by rule index (each rule is in exactly one tree).
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
  const mergedWalk: string[] = [
    ...walk,
    ...(clipped ? [`    if (i < ${lo}) continue;`, `    if (i >= ${hi}) return -1;`] : []),
    ...boxTest('EE', 'b', 'continue;'),
    ...residualTest,
    `    const r = ${RS}[i]; r.pkts += 1; r.bytes += ctx.ipTotLen;`,
    ...act,
    `  }`,
    `  return -1;`,
  ];
  const body = [
    `// rules #${art.first + lo + 1}..#${art.first + hi} (positions when built): decision tree${K > 1 ? 's' : ''}, ${art.residuals} rules with a residual test${art.pure ? ', verdicts only (first match per tree)' : ''}${clipped ? `, view of rules ${lo}..${hi - 1} of ${art.rules.length}` : ''}`,
    ...header,
    ...treeFns,
    `function walk(ctx) {`,
    `  const s = ctx.saddr, d = ctx.daddr, p = ctx.proto * 2 + (ctx.l4Off >= 0 ? 1 : 0), sp = ctx.sport, dp = ctx.dport;`,
    `  const s2 = s ^ 0x80000000, d2 = d ^ 0x80000000;`,
    ...lookups,
    ...(art.pure ? pureWalk : mergedWalk),
    `}`,
  ].join('\n');
  return compileUnit<ChainFn>(env, pool, body, 'walk');
}

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
 * The walk of one tree, as a function of the key variables returning the leaf
 * index. Trees are data (typed arrays), not code: a walk touches ~17 bytes per
 * level, and compiling stays cheap for big trees (measured: emitting the tree as
 * nested ifs was no faster and compiled slower).
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
