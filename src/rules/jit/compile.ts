/**
 * Whole-ruleset compilation in one go (start-up, tests, benchmarks): a fresh
 * JitRuntime with every chain built, run to the end synchronously. The
 * running daemon keeps one runtime and feeds it changes (runtime.ts).
 */
import type { RuleHost } from '../host.js';
import type { Ruleset } from '../model.js';
import { drain } from '../steps.js';
import { DEFAULT_CODEGEN, type CodegenOptions } from './chain.js';
import { JitRuntime, type Binder } from './runtime.js';

export type { Binder, JitStats } from './runtime.js';
export type JitCompiledRuleset = JitRuntime<unknown>;

export function compileWith<Env>(rs: Ruleset, host: RuleHost, binder: Binder<Env>, opts: CodegenOptions = DEFAULT_CODEGEN): JitRuntime<Env> {
  const rt = new JitRuntime(host, binder, opts);
  drain(rt.prepare(rs))();
  return rt;
}
