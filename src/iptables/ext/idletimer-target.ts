/**
 * -j IDLETIMER (libxt_IDLETIMER.c, revision 1): --timeout SECONDS (u32) and
 * --label NAME (cut to 27 bytes; saved bare, so no whitespace or '"':
 * string-value.ts), both mandatory; --alarm. Kernel (idletimer_tg_checkentry):
 * timeout 0 or >= INT_MAX/1000, and a label that is no sysfs file name (empty,
 * ".", "..", with a '/', or "power") are refused.
 */
import { kernelReject } from '../errors.js';
import { checkBare, putString } from '../string-value.js';
import type { TargetExt } from './types.js';
import { needFileName } from './usage.js';
import { fcheck, once, parseUintOpt } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -j IDLETIMER (revision 1). */
export interface IdletimerTarget { kind: 'IDLETIMER'; timeout: number; label: string; alarm: boolean }
declare module '../../rules/targets.js' {
  interface TargetTypes { IDLETIMER: IdletimerTarget; }
}

export const idletimerTarget: TargetExt<IdletimerTarget> = {
  name: 'IDLETIMER',
  bind: (t) => {
    throw new BindError(`target '${t.kind}': IDLETIMER cannot be evaluated: rawgate has no sysfs/netlink channel for idle notifications`);
  },
  options: [{ name: 'timeout', hasArg: true }, { name: 'label', hasArg: true }, { name: 'alarm', hasArg: false }],
  init: () => ({ kind: 'IDLETIMER', timeout: 0, label: '', alarm: false }),
  parse(t, option, arg) {
    once('IDLETIMER', t, option);
    if (option === 'timeout') t.timeout = parseUintOpt('IDLETIMER', option, arg!, 0, 0xffffffff);
    else if (option === 'label') {
      t.label = putString(arg!, 28);
      // An empty label is the kernel's refusal (check), not a save problem.
      if (t.label !== '') checkBare('IDLETIMER', option, t.label);
    }
    else t.alarm = true;
  },
  final: (t) => fcheck('IDLETIMER', t, [{ name: 'timeout', mand: true }, { name: 'label', mand: true }]),
  save: (t) => ` --timeout ${t.timeout} --label ${t.label}${t.alarm ? ' --alarm' : ''}`,
  print: (t) => ` timeout:${t.timeout} label:${t.label}${t.alarm ? ' alarm' : ''}`,
  check(t) {
    if (t.timeout === 0 || t.timeout >= Math.floor(0x7fffffff / 1000) || t.label === 'power') throw kernelReject();
    needFileName(t.label);
  },
};
