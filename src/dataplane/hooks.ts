/**
 * Hook sequencing: which tables run at each hook, in the kernel's priority
 * order, for the packet's three paths (the tutorial's Tables 3-1, 3-2, 3-3).
 * Invariant: the nat table is consulted only for a connection's first packet;
 * until connection tracking exists (roadmap: conntrack-nat) the dataplane
 * never calls it, so nat rules load, list and save but translate nothing.
 */
import { Hook } from '../rules/model.js';
import { TableId } from '../rules/evaluator.js';
import type { CompiledRuleset } from '../rules/evaluator.js';
import type { PacketContext } from '../packet/context.js';
import { Verdict } from '../rules/verdict.js';

/** Tables per hook, in order, excluding nat (see module comment). */
const PRE = [TableId.raw, TableId.mangle] as const;
const IN = [TableId.mangle, TableId.filter, TableId.security] as const;
const FWD = [TableId.mangle, TableId.filter, TableId.security] as const;
const OUT = [TableId.raw, TableId.mangle, TableId.filter, TableId.security] as const;
const POST = [TableId.mangle] as const;

export const HOOK_SEQUENCE: Readonly<Record<Hook, readonly TableId[]>> = {
  [Hook.PREROUTING]: PRE,
  [Hook.INPUT]: IN,
  [Hook.FORWARD]: FWD,
  [Hook.OUTPUT]: OUT,
  [Hook.POSTROUTING]: POST,
};

/**
 * Run every table registered at `hook`; the first final verdict other than
 * ACCEPT ends the hook (ACCEPT in one table moves on to the next table).
 */
export function runHook(rs: CompiledRuleset, hook: Hook, ctx: PacketContext): number {
  ctx.hook = hook;
  const tables = HOOK_SEQUENCE[hook];
  for (let i = 0; i < tables.length; i++) {
    const v = rs.evaluate(tables[i], hook, ctx);
    if (v !== Verdict.ACCEPT) return v;
  }
  return Verdict.ACCEPT;
}
