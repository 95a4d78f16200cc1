/**
 * -j REJECT (libipt_REJECT.c): --reject-with TYPE; names and aliases match as
 * case-insensitive prefixes in table order (so "icmp" is icmp-net-unreachable).
 * Always saved and listed with its type. Kernel: filter table, INPUT/FORWARD/
 * OUTPUT only; tcp-reset needs -p tcp.
 */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { needHooks, needProto, needTable } from './usage.js';
import { once } from './xt-options.js';
import { targetReject } from '../../rules/target/external.js';

export type RejectWith =
  | 'icmp-net-unreachable' | 'icmp-host-unreachable' | 'icmp-port-unreachable'
  | 'icmp-proto-unreachable' | 'icmp-net-prohibited' | 'icmp-host-prohibited'
  | 'icmp-admin-prohibited' | 'tcp-reset';

/** -j REJECT. */
export interface RejectTarget { kind: 'REJECT'; with: RejectWith }

declare module '../../rules/targets.js' {
  interface TargetTypes { REJECT: RejectTarget; }
}


/** In IPT_* enum order; echo-reply (4) is no longer supported. */
const TABLE: readonly (readonly [RejectWith | null, string])[] = [
  ['icmp-net-unreachable', 'net-unreach'], ['icmp-host-unreachable', 'host-unreach'],
  ['icmp-proto-unreachable', 'proto-unreach'], ['icmp-port-unreachable', 'port-unreach'],
  [null, ''], ['icmp-net-prohibited', 'net-prohib'], ['icmp-host-prohibited', 'host-prohib'],
  ['tcp-reset', 'tcp-rst'], ['icmp-admin-prohibited', 'admin-prohib'],
];

export const rejectTarget: TargetExt<RejectTarget> = {
  name: 'REJECT',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetReject(t, ctx, host);
  },
  options: [{ name: 'reject-with', hasArg: true }],
  init: () => ({ kind: 'REJECT', with: 'icmp-port-unreachable' }),
  parse(t, option, arg) {
    once('REJECT', t, 'reject-with');
    const a = arg!.toLowerCase();
    for (const [name, alias] of TABLE) {
      if (name && (name.startsWith(a) || alias.startsWith(a))) { t.with = name; return; }
    }
    // (iptables first prints "--reject-with echo-reply no longer supported" for that name.)
    throw paramProblem(`unknown reject type "${arg}"`, 'BAD_REJECT');
  },
  save: (t) => ` --reject-with ${t.with}`,
  print: (t) => ` reject-with ${t.with}`,
  check(t, rule, use) {
    needTable(use, ['filter']);
    needHooks(use, ['INPUT', 'FORWARD', 'OUTPUT']);
    if (t.with === 'tcp-reset') needProto(rule, 6);
  },
};
