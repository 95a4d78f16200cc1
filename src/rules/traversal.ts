/**
 * The order in which a packet meets the tables, per path (the tutorial's
 * Tables 3-1, 3-2 and 3-3), derived from the hook entries (hook-entries.ts),
 * the one definition the dataplane's hook runner also runs (checked by
 * test/dataplane/traversal.test.ts).
 * Differences from the tutorial (written for 2.4/2.6.x kernels): nat INPUT
 * exists (SNAT for locally delivered packets, since 2.6.36), so 'input' ends
 * with it; the tutorial's pre-routing "mangle/nat" steps are as listed.
 */
import { TableId } from './evaluator.js';
import { Hook, HOOK_TABLES, type HookName, type TableName } from './model.js';

export type Scenario = 'forward' | 'input' | 'output';

export interface TraversalStep {
  table: TableName;
  hook: HookName;
  tableId: TableId;
  hookId: Hook;
}

/** Hooks each path crosses, in order. */
export const SCENARIO_HOOKS: Readonly<Record<Scenario, readonly HookName[]>> = {
  forward: ['PREROUTING', 'FORWARD', 'POSTROUTING'],
  input: ['PREROUTING', 'INPUT'],
  output: ['OUTPUT', 'POSTROUTING'],
};

function steps(s: Scenario): TraversalStep[] {
  const out: TraversalStep[] = [];
  for (const hook of SCENARIO_HOOKS[s]) {
    for (const table of HOOK_TABLES[hook]) out.push({ table, hook, tableId: TableId[table], hookId: Hook[hook] });
  }
  return out;
}

const TRAVERSALS: Readonly<Record<Scenario, readonly TraversalStep[]>> = {
  forward: Object.freeze(steps('forward')),
  input: Object.freeze(steps('input')),
  output: Object.freeze(steps('output')),
};

/** The ordered (table, hook) pairs a packet on path `s` traverses. */
export function traversal(s: Scenario): readonly TraversalStep[] {
  return TRAVERSALS[s];
}
