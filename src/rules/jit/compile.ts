/**
 * The JIT's compiler proper, parameterised by the binder that turns the
 * matches and targets it does not inline into functions (src/rules/bind.ts in
 * production, so side effects are the interpreter's by construction).
 * Invariants:
 * - One `new Function` module per table; evaluate() dispatches to the entry
 *   for (table, hook) or returns ACCEPT when there is none.
 * - Counters are the model's own fields (rule.pkts/bytes, chain.pkts/bytes):
 *   nothing to sync before -L reads them.
 * - lastDropWasPolicy is reset at every evaluate() entry and set only by a
 *   DROP policy.
 */
import type { PacketContext } from '../../packet/context.js';
import type { CompiledRuleset } from '../evaluator.js';
import { TABLE_NAMES } from '../evaluator.js';
import type { RuleHost } from '../host.js';
import type { Match } from '../matches.js';
import type { Hook, Rule, Ruleset } from '../model.js';
import type { Target } from '../targets.js';
import { Verdict } from '../verdict.js';
import { DEFAULT_CODEGEN, generateTable, type CodegenOptions, type TableProgram } from './codegen.js';

export type MatchFn = (ctx: PacketContext) => boolean;
export type TargetFn = (ctx: PacketContext) => Verdict;

/** What the compiler needs from bind.ts. */
export interface Binder<Env> {
  createEnv(host: RuleHost): Env;
  bindMatch(m: Match, rule: Rule, env: Env): MatchFn;
  bindTarget(t: Target, rule: Rule, env: Env, table: string, chain: string): TargetFn;
}

export interface JitStats {
  /** Per table: per chain, its segments (linear or tree, with the tree's size). */
  tables: Map<string, TableProgram>;
  compileMs: number;
}

export interface JitCompiledRuleset extends CompiledRuleset {
  /** Counters are already the model's; kept for callers that expect a sync step (no-op). */
  syncCounters(): void;
  /** Generated programs, for explain and diagnostics. */
  readonly stats: JitStats;
}

type Entry = ((ctx: PacketContext) => Verdict) | null;

/** A jump/goto to a chain that does not exist in the table (the model forbids it; iptables refuses it). */
function missingChain(): Verdict {
  return Verdict.DROP;
}

export function compileWith<Env>(
  rs: Ruleset, host: RuleHost, binder: Binder<Env>, opts: CodegenOptions = DEFAULT_CODEGEN,
): JitCompiledRuleset {
  const t0 = performance.now();
  const env = binder.createEnv(host);
  const entries: Entry[] = new Array(TABLE_NAMES.length * 5).fill(null);
  const tables = new Map<string, TableProgram>();
  const self = {
    lastDropWasPolicy: false,
    ruleset: rs,
    stats: { tables, compileMs: 0 } as JitStats,
    evaluate(table: number, hook: Hook, ctx: PacketContext): Verdict {
      const f = entries[table * 5 + hook];
      if (f === null || f === undefined) {
        // No such table or built-in chain: ACCEPT, and no DROP of this call came from a policy.
        self.lastDropWasPolicy = false;
        return Verdict.ACCEPT;
      }
      return f(ctx);
    },
    syncCounters(): void { /* counters are the model's */ },
  };
  const inName = (ctx: PacketContext): string => (ctx.inIf >= 0 ? host.ifName(ctx.inIf) : '');
  const outName = (ctx: PacketContext): string => (ctx.outIf >= 0 ? host.ifName(ctx.outIf) : '');

  TABLE_NAMES.forEach((tname, tid) => {
    const table = rs.tables.get(tname);
    if (table === undefined) return;
    const prog = generateTable(table, opts);
    tables.set(tname, prog);
    const MF = prog.pool.matchBinds.map((b) => binder.bindMatch(b.match, b.rule, env));
    const TF = prog.pool.targetBinds.map((b) => binder.bindTarget(b.target, b.rule, env, tname, b.chain));
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function('C', prog.source) as (c: unknown) => Entry[];
    const hooks = factory({ self, inName, outName, MF, TF, missingChain, values: prog.pool.values });
    for (let h = 0; h < 5; h++) entries[tid * 5 + h] = hooks[h] ?? null;
  });
  self.stats.compileMs = performance.now() - t0;
  return self;
}
