/**
 * Rules benchmark (`npm run bench:rules`): interpreter vs JIT on ClassBench-style
 * ACL rulesets (scripts/classbench) of 10 .. 50,000 rules in filter FORWARD,
 * with packets that hit rules throughout the set (and ~15% misses that end at
 * the default rule). Reports ns/packet (median of runs), the ratio, compile
 * time, and memory held by the compiled form (heap used + array buffers). Prints a Markdown table.
 * Run with --expose-gc for the memory column. Options: --sizes 10,100 --runs 5.
 */
import { PacketContext } from '../src/packet/context.js';
import type { CompiledRuleset, CompileRuleset } from '../src/rules/evaluator.js';
import { TableId } from '../src/rules/evaluator.js';
import { interpret } from '../src/rules/interpreter.js';
import { compileJitDetailed } from '../src/rules/jit/index.js';
import { Hook, type Ruleset } from '../src/rules/model.js';
import { generateAcl, generateTrace, PKT_FIELDS, type Trace } from '../scripts/classbench/generate.js';
import { nullHost } from './rule-host.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const SIZES = opt('--sizes', '10,100,1000,10000,50000').split(',').map(Number);
const RUNS = Number(opt('--runs', '5'));
const RUN_MS = Number(opt('--run-ms', '150'));
const TRACE = 1 << 14;

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => { gc?.(); gc?.(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
const median = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]!; };

type Pass = (c: CompiledRuleset, ctx: PacketContext, t: Trace, start: number, count: number) => number;

/**
 * One timed pass: `count` packets from the trace through filter FORWARD; returns ns/packet.
 * Built with new Function per evaluator so each gets its own call-site feedback (a shared
 * loop would make c.evaluate megamorphic and penalise whichever runs second).
 */
function makePass(): Pass {
  return new Function('hr', `return function pass(c, ctx, t, start, count) {
    const f = t.f, mask = t.count - 1;
    const t0 = hr();
    let acc = 0;
    for (let k = 0; k < count; k++) {
      const o = ((start + k) & mask) * ${PKT_FIELDS};
      ctx.saddr = f[o]; ctx.daddr = f[o + 1]; ctx.proto = f[o + 2]; ctx.sport = f[o + 3]; ctx.dport = f[o + 4];
      ctx.l4Off = f[o + 5] === 1 ? 34 : -1; ctx.ipTotLen = f[o + 6];
      acc += c.evaluate(${TableId.filter}, ${Hook.FORWARD}, ctx);
    }
    const ns = Number(hr() - t0) / count;
    if (acc < 0) console.log('');
    return ns;
  };`)(() => process.hrtime.bigint()) as Pass;
}

/** Median ns/packet over RUNS runs of about RUN_MS each (after a warm-up). */
function measure(c: CompiledRuleset, t: Trace): number {
  const ctx = new PacketContext();
  const pass = makePass();
  let n = 256;
  // Warm up and size the run so it lasts about RUN_MS.
  for (;;) {
    const t0 = performance.now();
    pass(c, ctx, t, 0, n);
    const ms = performance.now() - t0;
    if (ms > RUN_MS / 4 || n >= 1 << 22) { n = Math.max(256, Math.round(n * RUN_MS / Math.max(ms, 0.01))); break; }
    n *= 4;
  }
  const r: number[] = [];
  for (let i = 0; i < RUNS; i++) r.push(pass(c, ctx, t, i * 7919, n));
  return median(r);
}

function timeCompile(compile: CompileRuleset, rs: Ruleset): { ms: number; heapMb: number; c: CompiledRuleset } {
  const before = heap();
  const t0 = performance.now();
  const c = compile(rs, nullHost());
  const ms = performance.now() - t0;
  const heapMb = (heap() - before) / 1048576;
  return { ms, heapMb, c };
}

interface Row {
  rules: number; interp: number; jit: number; interpFlows: number; jitFlows: number;
  jitMs: number; interpMs: number; jitMb: number; shape: string;
}
const FLOWS = 1024;

function main(): void {
  const rows: Row[] = [];
  for (const n of SIZES) {
    const rs = generateAcl({ rules: n, seed: 1 });
    const rules = rs.tables.get('filter')!.chains.get('FORWARD')!.rules;
    const trace = generateTrace(rules, TRACE, 2);
    const flows = generateTrace(rules, TRACE, 2, 0.15, FLOWS);
    const ci = timeCompile(interpret, rs);
    const interpNs = measure(ci.c, trace);
    const interpFlows = measure(ci.c, flows);
    // Compile the JIT a few times (first compile pays for warming the compiler itself); report the median.
    const compiles: number[] = [];
    let cj = timeCompile(compileJitDetailed as CompileRuleset, rs);
    compiles.push(cj.ms);
    for (let i = 0; i < (n <= 10000 ? 2 : 0); i++) { cj = timeCompile(compileJitDetailed as CompileRuleset, rs); compiles.push(cj.ms); }
    const jit = cj.c as ReturnType<typeof compileJitDetailed>;
    const jitNs = measure(jit, trace);
    const jitFlows = measure(jit, flows);
    const segs = jit.stats.tables.get('filter')!.chains.get('FORWARD')!.segments;
    const shape = segs.map((s) => (s.trees !== undefined
      ? `${s.trees.length} trees over ${s.end - s.start} rules (${s.trees.reduce((a, t) => a + t.nodes, 0)} nodes, depth ≤ ${Math.max(...s.trees.map((t) => t.depth))})`
      : `linear ${s.end - s.start}`)).join(' + ');
    rows.push({ rules: n, interp: interpNs, jit: jitNs, interpFlows, jitFlows, jitMs: median(compiles), interpMs: ci.ms, jitMb: cj.heapMb, shape });
    console.error(`${n} rules: interpreter ${interpNs.toFixed(1)} / ${interpFlows.toFixed(1)} ns/pkt, JIT ${jitNs.toFixed(1)} / ${jitFlows.toFixed(1)} ns/pkt, compile ${median(compiles).toFixed(1)} ms`);
  }
  console.log(`\nRules benchmark: ClassBench-style ACL in filter FORWARD (seed 1). Two traces of ${TRACE} packets (~85% drawn inside a`);
  console.log(`random rule's box, the rest random): "distinct" = every packet a new header (cache-hostile worst case); "flows" =`);
  console.log(`${FLOWS} flows with heavy-tailed popularity (ClassBench-like locality). Median of ${RUNS} runs; Node ${process.version}, ${process.arch};`);
  console.log('ns/packet includes copying 7 header fields into the context. Memory = heap used + array buffers held by the compiled form.\n');
  console.log('| rules | interpreter ns/pkt (distinct) | JIT ns/pkt (distinct) | speed-up | interpreter ns/pkt (flows) | JIT ns/pkt (flows) | speed-up | JIT compile ms | JIT memory MB | JIT shape of the chain |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(`| ${r.rules.toLocaleString('en-US')} | ${r.interp.toFixed(0)} | ${r.jit.toFixed(0)} | ${(r.interp / r.jit).toFixed(1)}× | ${r.interpFlows.toFixed(0)} | ${r.jitFlows.toFixed(0)} | ${(r.interpFlows / r.jitFlows).toFixed(1)}× | ${r.jitMs.toFixed(0)} | ${gc ? r.jitMb.toFixed(2) : 'n/a (no --expose-gc)'} | ${r.shape} |`);
  }
}

main();
