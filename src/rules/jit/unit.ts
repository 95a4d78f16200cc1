/**
 * A unit: one `new Function` module of generated code (a chain's driver, one
 * linear run of rules, a tree walker, a tree's residual tests). Units are the
 * JIT's grain of recompilation: a rule change rebuilds the units that hold it
 * and the chain's driver, never the table.
 * Invariants:
 * - A unit's source is `header + body + return`; the header binds the table's
 *   shared runtime objects (S, D, IFC, inName, outName) and the unit's own
 *   constants (Pool) and bound matches/targets (MF, TF).
 * - Chains reach each other only through D[slot], the table's dispatch array,
 *   patched at commit: a unit never holds another chain's function directly,
 *   so a changed chain does not force its callers to be rebuilt.
 * - In explain mode (`sources` set) units are recorded, not compiled or bound.
 */
import type { PacketContext } from '../../packet/context.js';
import type { Verdict } from '../verdict.js';
import type { MatchBind, Pool, TargetBind } from './emit.js';

/** A chain function: a final verdict, or -2 (RETURN / fell off the end). Segments return -1 on fall-through. */
export type ChainFn = (ctx: PacketContext) => number;
export type MatchFn = (ctx: PacketContext) => boolean;
export type TargetFn = (ctx: PacketContext) => Verdict;

/** The per-evaluation interface-name cache (reset at every hook entry). */
export interface IfaceCache { i: string | null; o: string | null }

/** What every unit of one table shares. */
export interface UnitEnv {
  readonly S: { lastDropWasPolicy: boolean };
  readonly D: ChainFn[];
  readonly IFC: IfaceCache;
  readonly inName: (ctx: PacketContext) => string;
  readonly outName: (ctx: PacketContext) => string;
  readonly table: string;
  bindMatch(b: MatchBind): MatchFn;
  bindTarget(b: TargetBind): TargetFn;
  /** Explain mode: the sources of the units, in build order; nothing is compiled. */
  readonly sources?: string[];
}

const PRELUDE = `"use strict";\nconst S = C.S, D = C.D, IFC = C.IFC, inName = C.inName, outName = C.outName, MF = C.MF, TF = C.TF;`;

export function unitSource(pool: Pool, body: string, ret: string): string {
  return `${PRELUDE}\n${pool.header()}\n${body}\nreturn ${ret};`;
}

/** Never called: what explain mode returns in place of a compiled unit. */
function notCompiled(): never {
  throw new Error('explain-mode unit called');
}

/** Compiles one unit and returns what its source returns (binding its matches and targets first). */
export function compileUnit<T>(env: UnitEnv, pool: Pool, body: string, ret: string): T {
  const source = unitSource(pool, body, ret);
  if (env.sources !== undefined) {
    env.sources.push(source);
    return notCompiled as unknown as T;
  }
  const MF = pool.matchBinds.map((b) => env.bindMatch(b));
  const TF = pool.targetBinds.map((b) => env.bindTarget(b));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('C', source) as (c: unknown) => T;
  return factory({ S: env.S, D: env.D, IFC: env.IFC, inName: env.inName, outName: env.outName, MF, TF, values: pool.values });
}
