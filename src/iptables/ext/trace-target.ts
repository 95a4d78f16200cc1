/** -j TRACE (libxt_TRACE.c): no options, no text; any table (nf_tables traces natively). */
import type { Target } from '../../rules/targets.js';
import type { TargetExt } from './types.js';
import { Verdict } from '../../rules/verdict.js';

type Trace = Extract<Target, { kind: 'TRACE' }>;

export const traceTarget: TargetExt<Trace> = {
  name: 'TRACE',
  bind: () => () => Verdict.CONTINUE,
  options: [],
  init: () => ({ kind: 'TRACE' }),
  parse() {},
  save: () => '',
  print: () => '',
};
