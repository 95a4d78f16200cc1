/**
 * -j LED (libxt_LED.c): --led-trigger-id ID (mandatory, at most 16 bytes; the
 * trigger is "netfilter-ID"), --led-delay ms|inf, --led-always-blink. Save
 * quotes the id (escaping " and \), prints a delay only when non-zero, as
 * %d of the u32 (so inf, 0xffffffff, saves as -1; -L prints led-delay:inf).
 * Kernel: an empty id is refused. A newline, which the quoted save cannot
 * carry, is refused too (string-value.ts).
 * Evaluation: rawgate has no LED class devices, so the trigger has no LED
 * attached and the target only continues (what the kernel does in that case).
 */
import { kernelReject, paramProblem } from '../errors.js';
import { strtoui } from '../parse-num.js';
import { checkQuoted, putString } from '../string-value.js';
import type { TargetExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { Verdict } from '../../rules/verdict.js';

/** -j LED: trigger "netfilter-<id>"; delay in ms as the kernel's u32 (inf = 0xffffffff). */
export interface LedTarget { kind: 'LED'; id: string; delay: number; alwaysBlink: boolean }
declare module '../../rules/targets.js' {
  interface TargetTypes { LED: LedTarget; }
}

const quoted = (id: string) => `"${id.replace(/["\\]/g, (c) => `\\${c}`)}"`;

export const ledTarget: TargetExt<LedTarget> = {
  name: 'LED',
  bind: () => () => Verdict.CONTINUE,
  options: [
    { name: 'led-trigger-id', hasArg: true }, { name: 'led-delay', hasArg: true }, { name: 'led-always-blink', hasArg: false },
  ],
  init: () => ({ kind: 'LED', id: '', delay: 0, alwaysBlink: false }),
  parse(t, option, arg) {
    once('LED', t, option);
    if (option === 'led-trigger-id') {
      t.id = putString(arg!, 27, { max: 16 });
      checkQuoted(option, t.id);
    } else if (option === 'led-delay') {
      if (arg!.slice(0, 3).toLowerCase() === 'inf') {
        t.delay = 0xffffffff;
      } else {
        const v = strtoui(arg!, 0, 0xffffffff);
        if (v === undefined) throw paramProblem('Delay value must be within range 0..4294967295', 'BAD_VALUE');
        t.delay = v;
      }
    } else {
      t.alwaysBlink = true;
    }
  },
  final: (t) => fcheck('LED', t, [{ name: 'led-trigger-id', mand: true }]),
  save: (t) =>
    ` --led-trigger-id ${quoted(t.id)}${t.delay !== 0 ? ` --led-delay ${t.delay | 0}` : ''}${t.alwaysBlink ? ' --led-always-blink' : ''}`,
  print: (t) =>
    ` led-trigger-id:${quoted(t.id)} led-delay:${t.delay === 0xffffffff ? 'inf' : `${t.delay | 0}ms`}${t.alwaysBlink ? ' led-always-blink' : ''}`,
  check: (t) => { if (t.id === '') throw kernelReject(); },
};
