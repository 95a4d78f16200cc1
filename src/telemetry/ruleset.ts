/**
 * The ruleset in force, as the control-plane metrics report it: generation,
 * evaluator (JIT or interpreter), compile time, last load result and when.
 *
 * Process state, not per Telemetry: there is one dataplane per process, and
 * the dataplane reports through the two setters below without holding a
 * Telemetry (its rule evaluator, `Rules` in src/dataplane/index.ts, calls
 * rulesetCommitted() from the commit of a prepared ruleset). Every Telemetry
 * reads this state at scrape time (src/telemetry/metrics.ts). A refused
 * ruleset is reported through Telemetry.rulesetApplies (the control handler's
 * `inc({ result: 'error' })`), which calls rulesetRefused().
 */

export type RulesetEvaluator = 'jit' | 'interpreter';

export const RULESET_EVALUATORS: readonly RulesetEvaluator[] = ['jit', 'interpreter'];

export interface RulesetStatus {
  /** 0 before the first ruleset is in force; 1 for the one loaded at start; +1 per ruleset put in force since. */
  generation: number;
  /** The evaluator running the ruleset in force; null before the first. */
  evaluator: RulesetEvaluator | null;
  /** Seconds the ruleset in force took from the start of its compile to its commit. */
  compileSeconds: number;
  /** Result of the last load (a ruleset put in force, or one refused); null before any. */
  lastLoadOk: boolean | null;
  /** Unix time (seconds) of the last load, successful or not; 0 before any. */
  lastLoadTime: number;
  /** Unix time (seconds) of the last successful load; 0 before any. */
  lastSuccessTime: number;
}

const initial = (): RulesetStatus => ({
  generation: 0, evaluator: null, compileSeconds: 0, lastLoadOk: null, lastLoadTime: 0, lastSuccessTime: 0,
});

/** Read-only outside this module; tests reset it with resetRulesetStatus(). */
export const rulesetStatus: RulesetStatus = initial();

/**
 * A ruleset is now in force. `compileStartMs` is performance.now() when its
 * compile began (the compile time reported is from then to now).
 */
export function rulesetCommitted(evaluator: RulesetEvaluator, compileStartMs: number): void {
  const now = Date.now() / 1000;
  rulesetStatus.generation++;
  rulesetStatus.evaluator = evaluator;
  rulesetStatus.compileSeconds = Math.max(0, performance.now() - compileStartMs) / 1000;
  rulesetStatus.lastLoadOk = true;
  rulesetStatus.lastLoadTime = now;
  rulesetStatus.lastSuccessTime = now;
}

/** A change was accepted by the control handler (counted there); it is in force. */
export function rulesetAccepted(): void {
  const now = Date.now() / 1000;
  rulesetStatus.lastLoadOk = true;
  rulesetStatus.lastLoadTime = now;
  rulesetStatus.lastSuccessTime = now;
}

/** A new ruleset was refused (did not compile or bind); the previous one stays in force. */
export function rulesetRefused(): void {
  rulesetStatus.lastLoadOk = false;
  rulesetStatus.lastLoadTime = Date.now() / 1000;
}

/** For tests: back to "no ruleset yet". */
export function resetRulesetStatus(): void {
  Object.assign(rulesetStatus, initial());
}
