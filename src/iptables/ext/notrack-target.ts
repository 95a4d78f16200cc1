/**
 * -j NOTRACK (1.8.9: an alias of CT --notrack): saves as `-j NOTRACK`, lists
 * with target CT and text NOTRACK. Raw table only.
 */
import type { Target } from '../../rules/targets.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { targetConntrack } from '../../rules/target/external.js';

type Notrack = Extract<Target, { kind: 'NOTRACK' }>;

export const notrackTarget: TargetExt<Notrack> = {
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
