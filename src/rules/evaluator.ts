/**
 * The contract both evaluators (interpreter: the reference; JIT: the fast
 * one) implement. The dataplane asks for one table's built-in chain at one
 * hook at a time, because conntrack sits between raw and mangle and the nat
 * table is consulted only for a connection's first packet.
 */
import type { PacketContext } from '../packet/context.js';
import type { Hook, Ruleset, TableName } from './model.js';
import type { RuleHost } from './host.js';
import type { Verdict } from './verdict.js';

/** Numeric table ids for the hot path. */
export const TableId = { raw: 0, mangle: 1, nat: 2, filter: 3, security: 4 } as const;
export type TableId = (typeof TableId)[keyof typeof TableId];
export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

export interface CompiledRuleset {
  /**
   * Traverse `table`'s built-in chain for `hook` (jumps, gotos, RETURN, policy),
   * bump rule/policy counters, run targets through the RuleHost, and return the
   * final verdict: ACCEPT, DROP, STOLEN or QUEUE. A table or chain that does not
   * exist returns ACCEPT and counts nothing.
   */
  evaluate(table: TableId, hook: Hook, ctx: PacketContext): Verdict;
  /** After a DROP: true when it came from a chain policy, false when from a rule. */
  lastDropWasPolicy: boolean;
  /** The model this was built from (its counters are the ones bumped). */
  readonly ruleset: Ruleset;
}

export type CompileRuleset = (rs: Ruleset, host: RuleHost) => CompiledRuleset;
