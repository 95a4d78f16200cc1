/** -j TRACE (libxt_TRACE.c): no options, no text; any table (nf_tables traces natively). */
import type { Target } from '../../rules/targets.js';
import type { TargetExt } from './types.js';

type Trace = Extract<Target, { kind: 'TRACE' }>;

export const traceTarget: TargetExt<Trace> = {
  name: 'TRACE',
  options: [],
  init: () => ({ kind: 'TRACE' }),
  parse() {},
  save: () => '',
  print: () => '',
};
