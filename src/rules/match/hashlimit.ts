/**
 * -m hashlimit binding: the rule's table comes from the host's hashlimit
 * tables (shared by name, surviving a ruleset replace like recent lists);
 * the semantics are in state/hashlimit.ts.
 */
import type { PacketContext } from '../../packet/context.js';
import type { RuleHost } from '../host.js';
import type { HashlimitMatch } from '../../iptables/ext/hashlimit.js';
import { HashlimitTables } from '../state/hashlimit.js';

const byHost = new WeakMap<RuleHost, HashlimitTables>();

export function hashlimitTablesOf(host: RuleHost): HashlimitTables {
  let t = byHost.get(host);
  if (t === undefined) byHost.set(host, (t = new HashlimitTables()));
  return t;
}

export function bindHashlimit(m: HashlimitMatch, host: RuleHost): (ctx: PacketContext) => boolean {
  const table = hashlimitTablesOf(host).get(m);
  return (ctx) => table.packet(ctx, Math.floor(host.nowMs()));
}
