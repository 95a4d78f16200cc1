/**
 * -j NOTRACK (1.8.9: an alias of CT --notrack): saves as `-j NOTRACK`, lists
 * with target CT and text NOTRACK. Raw table only.
 */
import type { Target } from '../../rules/targets.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';

type Notrack = Extract<Target, { kind: 'NOTRACK' }>;

export const notrackTarget: TargetExt<Notrack> = {
  name: 'NOTRACK',
  listName: 'CT',
  options: [],
  init: () => ({ kind: 'NOTRACK' }),
  parse() {},
  save: () => '',
  print: () => ' NOTRACK',
  check: (t, rule, use) => needTable(use, ['raw']),
};
