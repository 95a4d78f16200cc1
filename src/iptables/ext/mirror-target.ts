/**
 * -j MIRROR (the tutorial's ipt_MIRROR; gone from modern kernels, kept by
 * rawgate): no options, no text. Only from PREROUTING, INPUT and FORWARD.
 */
import type { TargetExt } from './types.js';
import { needHooks } from './usage.js';
import { targetMirror } from '../../rules/target/external.js';

/** -j MIRROR. */
export interface MirrorTarget { kind: 'MIRROR' }

declare module '../../rules/targets.js' {
  interface TargetTypes { MIRROR: MirrorTarget; }
}


export const mirrorTarget: TargetExt<MirrorTarget> = {
  name: 'MIRROR',
  bind: (_t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetMirror(ctx, host);
  },
  options: [],
  init: () => ({ kind: 'MIRROR' }),
  parse() {},
  save: () => '',
  print: () => '',
  check: (t, rule, use) => needHooks(use, ['PREROUTING', 'INPUT', 'FORWARD']),
};
