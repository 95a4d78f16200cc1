/**
 * -j CONNSECMARK (libxt_CONNSECMARK.c): --save or --restore (one of them).
 * The kernel target is valid in the mangle and security tables only.
 */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { fcheck, given, once } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -j CONNSECMARK. */
export interface ConnsecmarkTarget { kind: 'CONNSECMARK'; mode: 'save' | 'restore' }
declare module '../../rules/targets.js' {
  interface TargetTypes { CONNSECMARK: ConnsecmarkTarget; }
}


export const connsecmarkTarget: TargetExt<ConnsecmarkTarget> = {
  name: 'CONNSECMARK',
  bind: (t) => {
    throw new BindError(`target '${t.kind}' cannot be evaluated: it needs SELinux security marks on connections`);
  },
  options: [{ name: 'save', hasArg: false }, { name: 'restore', hasArg: false }],
  init: () => ({ kind: 'CONNSECMARK', mode: 'save' }),
  parse(t, option) {
    once('CONNSECMARK', t, option);
    t.mode = option as ConnsecmarkTarget['mode'];
  },
  final(t) {
    if (!given(t, 'save') && !given(t, 'restore')) throw paramProblem('CONNSECMARK target: parameter required', 'MISSING_OPTION');
    fcheck('CONNSECMARK', t, [{ name: 'save', excl: ['restore'] }, { name: 'restore', excl: ['save'] }]);
  },
  save: (t) => ` --${t.mode}`,
  print: (t) => ` CONNSECMARK ${t.mode}`,
  check(_t, _rule, use) {
    needTable(use, ['mangle', 'security']); // xt_CONNSECMARK: mangle or security
  },
};
