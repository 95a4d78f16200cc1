/**
 * The JIT: compiles a ruleset into JavaScript specialised to it (see codegen.ts
 * for the shape of the code and compile.ts for the runtime contract).
 * - compileJit: the CompileRuleset the dataplane uses; matches and targets it
 *   does not inline are bound with src/rules/bind.ts, the interpreter's own
 *   binder, so their side effects are identical by construction.
 * - explainChain: the generated source for one table's chain and every chain it
 *   reaches (`rawgate iptables --explain`), with comments naming the rules.
 * Counters are the model's fields (no sync step); syncCounters() is a no-op.
 */
import type { CompileRuleset } from '../evaluator.js';
import type { Ruleset } from '../model.js';
import { bindMatch, bindTarget, createBindEnv, type BindEnv } from '../bind.js';
import { DEFAULT_CODEGEN } from './codegen.js';
import { compileWith, type Binder, type JitCompiledRuleset } from './compile.js';

export type { JitCompiledRuleset, JitStats } from './compile.js';
export { explainChain, ExplainError } from './explain.js';

export const bindBinder: Binder<BindEnv> = {
  createEnv: createBindEnv,
  bindMatch,
  bindTarget,
};

export const compileJit: CompileRuleset = (rs, host) => compileWith(rs, host, bindBinder, DEFAULT_CODEGEN);

/** Same as compileJit, typed with the JIT's extras (stats, syncCounters). */
export function compileJitDetailed(rs: Ruleset, host: Parameters<CompileRuleset>[1]): JitCompiledRuleset {
  return compileWith(rs, host, bindBinder, DEFAULT_CODEGEN);
}
