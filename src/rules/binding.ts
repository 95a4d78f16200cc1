/**
 * What binding produces and needs, apart from bind.ts so that the extension
 * modules (which carry their own binding) can use it without importing the
 * registry that imports them.
 */
import type { PacketContext } from '../packet/context.js';
import type { RuleHost } from './host.js';
import type { RecentTables } from './state/recent.js';
import type { Verdict } from './verdict.js';

export interface BindEnv { host: RuleHost; recent: RecentTables }
export type MatchFn = (ctx: PacketContext) => boolean;
/** CONTINUE for non-terminating targets, else a final verdict (ACCEPT, DROP, STOLEN, QUEUE). */
export type TargetFn = (ctx: PacketContext) => Verdict;

/** Thrown at bind time for a match/target the evaluator cannot run (the text layer should refuse it first). */
export class BindError extends Error {
  readonly code = 'BIND_UNSUPPORTED';
  constructor(message: string) {
    super(message);
    this.name = 'BindError';
  }
}
