/**
 * The JIT: compiles a ruleset into JavaScript specialised to it, a chain at a
 * time (see chain.ts for the shape of the code, runtime.ts for the running
 * form and how changes are applied, unit.ts for what user text may enter it).
 * - compileJit: the CompileRuleset for a whole ruleset in one go; matches and
 *   targets it does not inline are bound with src/rules/bind.ts, the
 *   interpreter's own binder, so their side effects are identical by construction.
 * - createJitRuntime: the runtime the daemon keeps and changes incrementally.
 * - explainChain: the generated source for one chain and every chain it reaches.
 * Counters are the model's fields (no sync step).
 */
import type { CompileRuleset } from '../evaluator.js';
import type { RuleHost } from '../host.js';
import type { Ruleset } from '../model.js';
import { bindMatch, bindTarget, createBindEnv, type BindEnv } from '../bind.js';
import { DEFAULT_CODEGEN } from './chain.js';
import { compileWith, type Binder } from './compile.js';
import { JitRuntime } from './runtime.js';
import type { TreeOffload } from './tree-segment.js';

export type { JitCompiledRuleset, JitStats } from './compile.js';
export { JitRuntime } from './runtime.js';
export { explainChain, ExplainError } from './explain.js';
export type { TreeOffload } from './tree-segment.js';

export const bindBinder: Binder<BindEnv> = {
  createEnv: createBindEnv,
  bindMatch,
  bindTarget,
};

export const compileJit: CompileRuleset = (rs, host) => compileWith(rs, host, bindBinder, DEFAULT_CODEGEN);

/** Same as compileJit, typed with the JIT's extras (stats). */
export function compileJitDetailed(rs: Ruleset, host: RuleHost): JitRuntime<BindEnv> {
  return compileWith(rs, host, bindBinder, DEFAULT_CODEGEN);
}

/** An empty runtime for the daemon: feed it rulesets with prepare() and commit. */
export function createJitRuntime(host: RuleHost, offload?: TreeOffload): JitRuntime<BindEnv> {
  return new JitRuntime(host, bindBinder, DEFAULT_CODEGEN, offload);
}
