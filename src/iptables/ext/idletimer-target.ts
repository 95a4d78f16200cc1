/**
 * -j IDLETIMER (libxt_IDLETIMER.c, revision 1): --timeout SECONDS (u32) and
 * --label NAME (cut to 27 bytes), both mandatory; --alarm. Kernel
 * (idletimer_tg_checkentry): timeout 0 or >= INT_MAX/1000, an empty label and
 * the label "power" (a sysfs name) are refused.
 */
import type { IdletimerTarget } from '../../rules/misc-exts.js';
import { kernelReject } from '../errors.js';
import type { TargetExt } from './types.js';
import { fcheck, once, parseUintOpt } from './xt-options.js';
import { putString } from './tee-target.js';

export const idletimerTarget: TargetExt<IdletimerTarget> = {
  name: 'IDLETIMER',
  options: [{ name: 'timeout', hasArg: true }, { name: 'label', hasArg: true }, { name: 'alarm', hasArg: false }],
  init: () => ({ kind: 'IDLETIMER', timeout: 0, label: '', alarm: false }),
  parse(t, option, arg) {
    once('IDLETIMER', t, option);
    if (option === 'timeout') t.timeout = parseUintOpt('IDLETIMER', option, arg!, 0, 0xffffffff);
    else if (option === 'label') t.label = putString(arg!, 28);
    else t.alarm = true;
  },
  final: (t) => fcheck('IDLETIMER', t, [{ name: 'timeout', mand: true }, { name: 'label', mand: true }]),
  save: (t) => ` --timeout ${t.timeout} --label ${t.label}${t.alarm ? ' --alarm' : ''}`,
  print: (t) => ` timeout:${t.timeout} label:${t.label}${t.alarm ? ' alarm' : ''}`,
  check(t) {
    if (t.timeout === 0 || t.timeout >= Math.floor(0x7fffffff / 1000) || t.label === '' || t.label === 'power') throw kernelReject();
  },
};
