/**
 * Binding: turns one match or one extension target of a rule into a function
 * of the packet, with its per-rule state (limit bucket) or shared state
 * (recent lists) captured. The interpreter and the JIT both call these, so a
 * match or target behaves — and calls the host — identically in both.
 * Invariants:
 * - bindMatch / bindTarget are called once per rule at compile time; the
 *   returned functions allocate nothing per packet.
 * - Evaluation order inside a rule is the caller's: generic part first, then
 *   matches in rule order, stopping at the first that fails (stateful matches
 *   such as limit and recent only run when every earlier test passed).
 * - Each extension binds itself: its descriptor (src/iptables/ext/, found
 *   through the registry there) carries `bind`. Semantics per family live in
 *   match/* and target/* (each documenting its kernel source and rawgate's
 *   documented choices), which the descriptors call.
 */
import type { PacketContext } from '../packet/context.js';
import type { RuleHost } from './host.js';
import type { Match } from './matches.js';
import type { Rule } from './model.js';
import type { Target } from './targets.js';
import { BindError, type BindEnv, type MatchFn, type TargetFn } from './binding.js';
import { matchGeneric as genericMatch } from './match/generic.js';
import { RecentTables } from './state/recent.js';
import { findMatch, findTarget } from '../iptables/ext/index.js';

export { BindError, type BindEnv, type MatchFn, type TargetFn };

/** Generic part of a rule (-s -d -i -o -p -f), no allocation. */
export function matchGeneric(rule: Rule, ctx: PacketContext, host: RuleHost): boolean {
  return genericMatch(rule, ctx, host);
}

const recentByHost = new WeakMap<RuleHost, RecentTables>();

/** The recent lists of a host (shared by every ruleset compiled for it; listing and tests). */
export function recentTablesOf(host: RuleHost): RecentTables {
  let r = recentByHost.get(host);
  if (r === undefined) {
    r = new RecentTables();
    recentByHost.set(host, r);
  }
  return r;
}

/**
 * A binding environment. Recent lists belong to the host, so they survive a
 * ruleset replace (kernel: a list lives while any rule uses it, and a
 * replacement's rules take it over); pass `recent` to isolate them.
 */
export function createBindEnv(host: RuleHost, recent: RecentTables = recentTablesOf(host)): BindEnv {
  return { host, recent };
}

/** One match with its own state (limit bucket etc.) bound in: call once per rule at compile time. */
export function bindMatch(m: Match, rule: Rule, env: BindEnv): MatchFn {
  const ext = findMatch(m.name);
  if (ext === undefined) throw new BindError(`match '${m.name}' cannot be evaluated`);
  return ext.bind(m, rule, env);
}

/** One extension target (not none/verdict/jump/goto) bound for (table, chain) names used in logs. */
export function bindTarget(t: Target, rule: Rule, env: BindEnv, table: string, chain: string): TargetFn {
  switch (t.kind) {
    case 'none':
    case 'verdict':
    case 'jump':
    case 'goto':
      throw new BindError(`target '${t.kind}' is the evaluator's, not an extension`);
    default: {
      const ext = findTarget(t.kind);
      if (ext === undefined) throw new BindError(`target '${t.kind}' cannot be evaluated`);
      return ext.bind(t, rule, env, table, chain);
    }
  }
}
