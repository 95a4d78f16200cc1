/**
 * The JIT's running form: a CompiledRuleset that is changed in place, a chain
 * at a time. prepare(rs) compiles what differs from the ruleset in force (in
 * steps, see steps.ts) and returns commit(), which swaps the new chains in
 * with a few array stores; until commit() nothing the packet path reads has
 * changed, and a prepare that fails (a rule that cannot bind) changes nothing.
 * Invariants:
 * - Per table: D[slot] is the function of the chain named slots[slot] (or
 *   missingChain); slots are never reused within a table's life, so code
 *   compiled against a slot stays right however chains come and go.
 * - A chain object that is the same (===) as the one in force keeps its code;
 *   one that changed is patched from its old code (chain.ts) or built whole.
 *   Unchanged rules keep their bound matches and targets, and so their state
 *   (limit buckets, quotas, ...), as the kernel keeps them across iptables -A.
 * - Counters are the model's own fields (rule.pkts/bytes, chain.pkts/bytes).
 * - lastDropWasPolicy is reset at every hook entry and set only by a DROP policy.
 * - commit() must run between batches; the control plane runs on the event
 *   loop, and batches run synchronously within one callback, so it always does.
 */
import type { PacketContext } from '../../packet/context.js';
import type { CompiledRuleset } from '../evaluator.js';
import { TABLE_NAMES } from '../evaluator.js';
import type { RuleHost } from '../host.js';
import type { Match } from '../matches.js';
import { HOOK_NAMES, type Chain, type Hook, type Rule, type Ruleset, type Table } from '../model.js';
import type { Steps } from '../steps.js';
import { assertJumpsLoadable } from '../jumps.js';
import type { Target } from '../targets.js';
import { Verdict } from '../verdict.js';
import { compileChain, DEFAULT_CODEGEN, segmentInfo, type CodegenOptions, type CompiledChain, type SegmentInfo } from './chain.js';
import type { TreeOffload } from './tree-segment.js';
import type { ChainFn, IfaceCache, MatchFn, TargetFn, UnitEnv } from './unit.js';

/** What the compiler needs from bind.ts (the interpreter's own binder in production). */
export interface Binder<Env> {
  createEnv(host: RuleHost): Env;
  bindMatch(m: Match, rule: Rule, env: Env): MatchFn;
  bindTarget(t: Target, rule: Rule, env: Env, table: string, chain: string): TargetFn;
}

export interface JitStats {
  /** Per table, per chain: its segments (linear or tree, with the trees). */
  tables: Map<string, { chains: Map<string, { segments: SegmentInfo[] }> }>;
  /** Time of the last prepare (all its steps), ms. */
  compileMs: number;
  /** Chains compiled by the last prepare (built whole or patched); the rest kept their code. */
  chainsCompiled: number;
}

type Entry = (ctx: PacketContext) => number;

/** A jump to a chain that does not exist (the model forbids it; iptables refuses it). */
function missingChain(): number {
  return Verdict.DROP;
}

class TableCode {
  readonly D: ChainFn[] = [];
  readonly slots = new Map<string, number>();
  chains = new Map<string, CompiledChain>();
  /** Built-in chain objects by hook (their policy and policy counters), null when absent. */
  readonly builtins: (Chain | null)[] = [null, null, null, null, null];
  readonly entries: (Entry | null)[] = [null, null, null, null, null];
  readonly IFC: IfaceCache = { i: null, o: null };
  readonly env: UnitEnv;

  constructor(readonly name: string, rt: JitRuntime<unknown>, bind: Pick<UnitEnv, 'bindMatch' | 'bindTarget'>, sources?: string[]) {
    const host = rt.host;
    this.env = {
      S: rt, D: this.D, IFC: this.IFC, table: name,
      inName: (ctx) => (ctx.inIf >= 0 ? host.ifName(ctx.inIf) : ''),
      outName: (ctx) => (ctx.outIf >= 0 ? host.ifName(ctx.outIf) : ''),
      bindMatch: bind.bindMatch, bindTarget: bind.bindTarget,
      ...(sources !== undefined ? { sources } : {}),
    };
  }

  slotOf(name: string): number {
    let s = this.slots.get(name);
    if (s === undefined) {
      s = this.D.length;
      this.slots.set(name, s);
      this.D.push(missingChain);
    }
    return s;
  }

  *prepare(table: Table, opts: CodegenOptions, offload: TreeOffload | undefined, stats: { chainsCompiled: number }): Steps<() => void> {
    const next = new Map<string, CompiledChain>();
    const builder = { env: this.env, opts, slotOf: (c: string) => this.slotOf(c), ...(offload !== undefined ? { offload } : {}) };
    for (const [name, chain] of table.chains) {
      const old = this.chains.get(name);
      if (old !== undefined && old.chain === chain) { next.set(name, old); continue; }
      next.set(name, yield* compileChain(builder, chain, old));
      stats.chainsCompiled++;
      yield;
    }
    return () => {
      for (const [name, cc] of next) this.D[this.slotOf(name)] = cc.fn;
      for (const name of this.chains.keys()) if (!next.has(name)) this.D[this.slots.get(name)!] = missingChain;
      this.chains = next;
      HOOK_NAMES.forEach((hook, h) => {
        const c = table.chains.get(hook);
        this.builtins[h] = c !== undefined && c.policy !== null ? c : null;
      });
    };
  }
}

export class JitRuntime<Env> implements CompiledRuleset {
  lastDropWasPolicy = false;
  ruleset: Ruleset = { tables: new Map() };
  private readonly tables: (TableCode | null)[] = TABLE_NAMES.map(() => null);
  private readonly entries: (Entry | null)[] = new Array(TABLE_NAMES.length * 5).fill(null);
  private readonly bindEnv: Env;
  private lastStats = { compileMs: 0, chainsCompiled: 0 };

  constructor(
    readonly host: RuleHost,
    private readonly binder: Binder<Env>,
    private readonly opts: CodegenOptions = DEFAULT_CODEGEN,
    private readonly offload?: TreeOffload,
    /** Explain mode: record unit sources instead of compiling. */
    private readonly sources?: string[],
  ) {
    this.bindEnv = binder.createEnv(host);
  }

  evaluate(table: number, hook: Hook, ctx: PacketContext): Verdict {
    const f = this.entries[table * 5 + hook];
    if (f === null || f === undefined) {
      // No such table or built-in chain: ACCEPT, and no DROP of this call came from a policy.
      this.lastDropWasPolicy = false;
      return Verdict.ACCEPT;
    }
    return f(ctx) as Verdict;
  }

  get stats(): JitStats {
    const tables: JitStats['tables'] = new Map();
    this.tables.forEach((tc) => {
      if (tc === null) return;
      const chains = new Map<string, { segments: SegmentInfo[] }>();
      for (const [name, cc] of tc.chains) chains.set(name, { segments: segmentInfo(cc) });
      tables.set(tc.name, { chains });
    });
    return { tables, ...this.lastStats };
  }

  /** Counters are the model's own fields: nothing to sync (kept for callers that expect the step). */
  syncCounters(): void { /* counters are the model's */ }

  /** Compiles what `rs` changes; the returned commit() puts it in force. */
  *prepare(rs: Ruleset): Steps<() => void> {
    const t0 = performance.now();
    const stats = { chainsCompiled: 0 };
    const commits: Array<() => void> = [];
    for (let tid = 0; tid < TABLE_NAMES.length; tid++) {
      const name = TABLE_NAMES[tid]!;
      const table = rs.tables.get(name);
      if (table === undefined) {
        commits.push(() => {
          this.tables[tid] = null;
          for (let h = 0; h < 5; h++) this.entries[tid * 5 + h] = null;
        });
        continue;
      }
      assertJumpsLoadable(table);
      const tc = this.tables[tid] ?? new TableCode(name, this, {
        bindMatch: (b) => this.binder.bindMatch(b.match, b.rule, this.bindEnv),
        bindTarget: (b) => this.binder.bindTarget(b.target, b.rule, this.bindEnv, name, b.chain),
      }, this.sources);
      const commitTable = yield* tc.prepare(table, this.opts, this.offload, stats);
      commits.push(() => {
        commitTable();
        this.tables[tid] = tc;
        for (let h = 0; h < 5; h++) this.entries[tid * 5 + h] = tc.builtins[h] !== null ? (tc.entries[h] ??= this.entry(tc, h)) : null;
      });
    }
    const elapsed = performance.now() - t0;
    return () => {
      for (const c of commits) c();
      this.ruleset = rs;
      this.lastStats = { compileMs: elapsed, chainsCompiled: stats.chainsCompiled };
    };
  }

  /** The hook entry of one table: its built-in chain, then the policy (counted on the chain object). */
  private entry(tc: TableCode, h: number): Entry {
    const D = tc.D, B = tc.builtins, IFC = tc.IFC, slot = tc.slotOf(HOOK_NAMES[h]!);
    return (ctx) => {
      IFC.i = null; IFC.o = null; this.lastDropWasPolicy = false;
      const v = D[slot]!(ctx);
      if (v !== -2) return v;
      const c = B[h]!;
      c.pkts += 1; c.bytes += ctx.ipTotLen;
      if (c.policy === 'DROP') { this.lastDropWasPolicy = true; return Verdict.DROP; }
      return Verdict.ACCEPT;
    };
  }

  /** Chain names by slot in one table (explain output). */
  slotNames(table: string): Array<[string, number]> {
    const tc = this.tables[TABLE_NAMES.indexOf(table as (typeof TABLE_NAMES)[number])];
    return tc === null || tc === undefined ? [] : [...tc.slots];
  }
}
