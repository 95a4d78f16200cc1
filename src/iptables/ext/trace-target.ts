/** -j TRACE (libxt_TRACE.c): no options, no text; any table (nf_tables traces natively). */
import type { TargetExt } from './types.js';
import { Verdict } from '../../rules/verdict.js';

/** -j TRACE. */
export interface TraceTarget { kind: 'TRACE' }

declare module '../../rules/targets.js' {
  interface TargetTypes { TRACE: TraceTarget; }
}


export const traceTarget: TargetExt<TraceTarget> = {
  name: 'TRACE',
  bind: () => () => Verdict.CONTINUE,
  options: [],
  init: () => ({ kind: 'TRACE' }),
  parse() {},
  save: () => '',
  print: () => '',
};
