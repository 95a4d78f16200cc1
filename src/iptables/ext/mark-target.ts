/**
 * -j MARK (libxt_MARK.c, revision 2): --set-xmark v[/m], --set-mark v[/m],
 * --and-mark, --or-mark, --xor-mark (exactly one). Stored as the kernel's
 * (value, mask); saved as --set-xmark; listed by the form the pair has.
 */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { fcheck, hex, once, parseMarkMask, parseUintOpt, seen } from './xt-options.js';
import { targetMark } from '../../rules/target/mangle.js';

/** -j MARK. */
export interface MarkTarget { kind: 'MARK'; value: number; mask: number; form: 'set' | 'xset' | 'and' | 'or' | 'xor' }

declare module '../../rules/targets.js' {
  interface TargetTypes { MARK: MarkTarget; }
}


const OPS = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark'] as const;

/** mark_tg_print's choice of words for a (value, mask) pair; shared with CONNMARK. */
export function markPairText(value: number, mask: number): string {
  const v = value >>> 0, m = mask >>> 0;
  if (v === 0) return `and ${hex(~m)}`;
  if (v === m) return `or ${hex(v)}`;
  if (m === 0) return `xor ${hex(v)}`;
  if (m === 0xffffffff) return `set ${hex(v)}`;
  return `xset ${hex(v)}/${hex(m)}`;
}

/** Applies one of the five MARK-style options to a (value, mask) pair. */
export function markOp(ext: string, option: string, arg: string): { value: number; mask: number } {
  switch (option) {
    case 'set-xmark': return parseMarkMask(ext, option, arg);
    case 'set-mark': {
      const v = parseMarkMask(ext, option, arg);
      return { value: v.value, mask: (v.value | v.mask) >>> 0 };
    }
    case 'and-mark': return { value: 0, mask: ~parseUintOpt(ext, option, arg, 0, 0xffffffff) >>> 0 };
    case 'or-mark': { const v = parseUintOpt(ext, option, arg, 0, 0xffffffff); return { value: v, mask: v }; }
    default: return { value: parseUintOpt(ext, option, arg, 0, 0xffffffff), mask: 0 };
  }
}

export const markTarget: TargetExt<MarkTarget> = {
  name: 'MARK',
  bind: (t) => (ctx) => targetMark(t, ctx),
  options: OPS.map((name) => ({ name, hasArg: true })),
  init: () => ({ kind: 'MARK', value: 0, mask: 0xffffffff, form: 'xset' }),
  parse(t, option, arg) {
    once('MARK', t, option);
    const v = markOp('MARK', option, arg!);
    t.value = v.value;
    t.mask = v.mask;
    t.form = option === 'set-xmark' ? 'xset' : option === 'set-mark' ? 'set' : (option.slice(0, 3) as 'and' | 'or' | 'xor');
    if (option === 'or-mark') t.form = 'or';
  },
  final(t) {
    if (seen(t).size === 0) {
      throw paramProblem('MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required', 'MISSING_OPTION');
    }
    fcheck('MARK', t, OPS.map((name) => ({ name, excl: OPS })));
  },
  save: (t) => ` --set-xmark ${hex(t.value)}/${hex(t.mask)}`,
  print: (t) => ` MARK ${markPairText(t.value, t.mask)}`,
};
