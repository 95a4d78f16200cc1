/**
 * The hook runner: runs a hook's entries (src/rules/hook-entries.ts) in
 * priority order and returns one verdict with one drop reason, as pf_test()
 * sets REASON_SET: the pipeline never works out why a packet died.
 * Invariants:
 * - The entry lists are flattened once into typed arrays; run() allocates
 *   nothing and calls each stage through one monomorphic interface.
 * - ACCEPT from an entry moves on to the next; anything else ends the hook.
 *   After a verdict other than ACCEPT, `reason` says why (a DropReason), and
 *   DropReason.NONE means the packet was consumed, not dropped (a fragment
 *   held for reassembly): the stage already owns or freed its bytes.
 * - Stages that are not there yet (NAT before it lands) are PASS_STAGE.
 */
import { Hook, HOOK_NAMES } from '../rules/model.js';
import { EntryKind, HOOK_ENTRIES } from '../rules/hook-entries.js';
import { TableId } from '../rules/evaluator.js';
import type { CompiledRuleset } from '../rules/evaluator.js';
import type { PacketContext } from '../packet/context.js';
import { Verdict } from '../rules/verdict.js';
import { DropReason } from '../packet/drop-reason.js';

/** A non-table hook entry (defrag, conntrack, NAT, confirm). */
export interface HookStage {
  /** Verdict for the packet in ctx at `hook`; on anything but ACCEPT, `reason` says why. `rules`: the ruleset in force (NAT consults its nat table). */
  enter(hook: number, ctx: PacketContext, rules: CompiledRuleset): number;
  reason: number;
  /** The packet being processed died (dropped anywhere): forget what was made for it (an unconfirmed connection). */
  abandon?(): void;
}

/** A stage that lets everything through (an entry whose layer is off or not built). */
export const PASS_STAGE: HookStage = { enter: () => Verdict.ACCEPT, reason: DropReason.NONE };

export interface HookStages {
  defrag: HookStage;
  conntrack: HookStage;
  nat: HookStage;
  confirm: HookStage;
}

const MAX_ENTRIES = 8;
/** kind and table id per (hook, position); -1 ends a hook's list. */
const KINDS = new Int8Array(HOOK_NAMES.length * MAX_ENTRIES).fill(-1);
const TABLES = new Int8Array(HOOK_NAMES.length * MAX_ENTRIES).fill(-1);
for (const name of HOOK_NAMES) {
  const entries = HOOK_ENTRIES[name];
  if (entries.length >= MAX_ENTRIES) throw new Error(`hook ${name} has too many entries`);
  entries.forEach((e, i) => {
    KINDS[Hook[name] * MAX_ENTRIES + i] = e.kind;
    TABLES[Hook[name] * MAX_ENTRIES + i] = e.table === null ? -1 : TableId[e.table];
  });
}

export class HookRunner {
  /** Why the last run() ended with a verdict other than ACCEPT. */
  reason: number = DropReason.NONE;
  rules: CompiledRuleset;

  constructor(rules: CompiledRuleset, private readonly stages: HookStages) {
    this.rules = rules;
  }

  run(hook: Hook, ctx: PacketContext): number {
    ctx.hook = hook;
    const base = hook * MAX_ENTRIES;
    const s = this.stages;
    for (let i = base; ; i++) {
      const kind = KINDS[i];
      let v: number;
      switch (kind) {
        case -1: return Verdict.ACCEPT;
        case EntryKind.TABLE:
          v = this.rules.evaluate(TABLES[i] as TableId, hook, ctx);
          if (v !== Verdict.ACCEPT) {
            this.reason = this.tableReason(v);
            return v;
          }
          continue;
        case EntryKind.DEFRAG: v = s.defrag.enter(hook, ctx, this.rules); if (v !== Verdict.ACCEPT) { this.reason = s.defrag.reason; return v; } continue;
        case EntryKind.CONNTRACK: v = s.conntrack.enter(hook, ctx, this.rules); if (v !== Verdict.ACCEPT) { this.reason = s.conntrack.reason; return v; } continue;
        case EntryKind.NAT: v = s.nat.enter(hook, ctx, this.rules); if (v !== Verdict.ACCEPT) { this.reason = s.nat.reason; return v; } continue;
        default: v = s.confirm.enter(hook, ctx, this.rules); if (v !== Verdict.ACCEPT) { this.reason = s.confirm.reason; return v; } continue;
      }
    }
  }

  /** The packet being processed died: stages forget what they made for it. */
  abandon(): void {
    this.stages.conntrack.abandon?.();
  }

  private tableReason(v: number): number {
    if (v === Verdict.STOLEN) return DropReason.REJECTED;
    if (v === Verdict.QUEUE) return DropReason.QUEUE_NO_LISTENER;
    return this.rules.lastDropWasPolicy ? DropReason.POLICY_DROP : DropReason.FILTER_DROP;
  }
}
