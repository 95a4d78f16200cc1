/**
 * -j NOTRACK (1.8.9: an alias of CT --notrack): saves as `-j NOTRACK`, lists
 * with target CT and text NOTRACK. Raw table only.
 */
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { targetConntrack } from '../../rules/target/external.js';

/** -j NOTRACK. */
export interface NotrackTarget { kind: 'NOTRACK' }

declare module '../../rules/targets.js' {
  interface TargetTypes { NOTRACK: NotrackTarget; }
}


export const notrackTarget: TargetExt<NotrackTarget> = {
  name: 'NOTRACK',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetConntrack(t, ctx, host);
  },
  listName: 'CT',
  options: [],
  init: () => ({ kind: 'NOTRACK' }),
  parse() {},
  save: () => '',
  print: () => ' NOTRACK',
  check: (t, rule, use) => needTable(use, ['raw']),
};
