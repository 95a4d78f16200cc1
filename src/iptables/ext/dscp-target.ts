/** -j DSCP (libxt_DSCP.c): --set-dscp 0..63 or --set-dscp-class NAME; mangle only. */
import { paramProblem } from '../errors.js';
import { classToDscp } from './dscp.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { fcheck, given, hex2, once, parseUintOpt } from './xt-options.js';
import { targetDscp } from '../../rules/target/mangle.js';

/** -j DSCP. */
export interface DscpTarget { kind: 'DSCP'; dscp: number }

declare module '../../rules/targets.js' {
  interface TargetTypes { DSCP: DscpTarget; }
}


export const dscpTarget: TargetExt<DscpTarget> = {
  name: 'DSCP',
  bind: (t) => (ctx) => targetDscp(t, ctx),
  options: [{ name: 'set-dscp', hasArg: true }, { name: 'set-dscp-class', hasArg: true }],
  init: () => ({ kind: 'DSCP', dscp: 0 }),
  parse(t, option, arg) {
    once('DSCP', t, option);
    t.dscp = option === 'set-dscp' ? parseUintOpt('DSCP', option, arg!, 0, 63) : classToDscp(arg!);
  },
  final(t) {
    if (!given(t, 'set-dscp') && !given(t, 'set-dscp-class')) {
      throw paramProblem('DSCP target: Parameter --set-dscp is required', 'MISSING_OPTION');
    }
    fcheck('DSCP', t, [{ name: 'set-dscp', excl: ['set-dscp-class'] }, { name: 'set-dscp-class', excl: ['set-dscp'] }]);
  },
  save: (t) => ` --set-dscp ${hex2(t.dscp)}`,
  print: (t) => ` DSCP set ${hex2(t.dscp)}`,
  check: (t, rule, use) => needTable(use, ['mangle']),
};
