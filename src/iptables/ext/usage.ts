/**
 * The kernel's checkentry restrictions extensions share (xt_check_match /
 * xt_check_target): protocol, table, and the hooks a rule is reachable from.
 * Each failure is the kernel's EINVAL, which iptables-nft reports as
 * "RULE_APPEND failed (Invalid argument)".
 */
import type { HookName, Rule, TableName } from '../../rules/model.js';
import { kernelReject } from '../errors.js';
import type { UsageCheck } from './types.js';

/** The rule must say `-p <proto>` (not inverted). */
export function needProto(rule: Rule, proto: number): void {
  if (rule.proto !== proto || rule.invProto) throw kernelReject();
}

/** The extension exists only in these tables. */
export function needTable(use: UsageCheck, tables: readonly TableName[]): void {
  if (!tables.includes(use.table)) throw kernelReject();
}

/** Every hook the rule is reachable from must be one of these. */
export function needHooks(use: UsageCheck, hooks: readonly HookName[]): void {
  for (const h of use.hooks) if (!hooks.includes(h)) throw kernelReject();
}

/**
 * A name the kernel turns into a /proc or /sys file (hashlimit, recent,
 * IDLETIMER): empty, ".", ".." and any name with a '/' are refused (observed
 * on iptables 1.8.9 with kernel 6.x: EINVAL).
 */
export function needFileName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) throw kernelReject();
}
