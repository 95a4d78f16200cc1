/**
 * -j AUDIT (libxt_AUDIT.c): --type accept|drop|reject (mandatory, any case).
 * No kernel restriction on table or hook. rawgate refuses to evaluate it
 * (no audit subsystem): its bind throws BindError.
 */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -j AUDIT. */
export interface AuditTarget { kind: 'AUDIT'; type: 'accept' | 'drop' | 'reject' }
declare module '../../rules/targets.js' {
  interface TargetTypes { AUDIT: AuditTarget; }
}

const TYPES = ['accept', 'drop', 'reject'] as const;

export const auditTarget: TargetExt<AuditTarget> = {
  name: 'AUDIT',
  bind: (t) => {
    throw new BindError(`target '${t.kind}' cannot be evaluated: it needs the kernel audit subsystem (its records would need an audit sink in the rule host)`);
  },
  options: [{ name: 'type', hasArg: true }],
  init: () => ({ kind: 'AUDIT', type: 'accept' }),
  parse(t, option, arg) {
    once('AUDIT', t, 'type');
    const v = TYPES.find((x) => x === arg!.toLowerCase());
    if (v === undefined) throw paramProblem(`Bad action type value "${arg}"`, 'BAD_VALUE');
    t.type = v;
  },
  final: (t) => fcheck('AUDIT', t, [{ name: 'type', mand: true }]),
  save: (t) => ` --type ${t.type}`,
  print: (t) => ` AUDIT ${t.type}`,
};
