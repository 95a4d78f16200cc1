/**
 * -j CLASSIFY (libxt_CLASSIFY.c): --set-class MAJOR:MINOR (hex, sscanf
 * "%x:%x"), the tc priority (major << 16 | minor). Any table (the
 * nf_tables backend), from OUTPUT, FORWARD and POSTROUTING only.
 */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { needHooks } from './usage.js';
import { fcheck, once } from './xt-options.js';
import { targetClassify } from '../../rules/target/mangle.js';

/** -j CLASSIFY. */
export interface ClassifyTarget { kind: 'CLASSIFY'; priority: number }

declare module '../../rules/targets.js' {
  interface TargetTypes { CLASSIFY: ClassifyTarget; }
}


/** sscanf("%x"): optional blanks and sign, optional 0x, hex digits; returns [value, rest]. */
function scanHex(s: string): [number, string] | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(s);
  if (!m) return undefined;
  let v = BigInt.asUintN(32, BigInt(`0x${m[2]}`));
  if (m[1] === '-') v = BigInt.asUintN(32, -v);
  return [Number(v), s.slice(m[0].length)];
}

function parseClass(s: string): number | undefined {
  const a = scanHex(s);
  if (!a || !a[1].startsWith(':')) return undefined;
  const b = scanHex(a[1].slice(1));
  if (!b) return undefined;
  return (((a[0] << 16) & 0xffff0000) | (b[0] & 0xffff)) >>> 0;
}

export const classifyTarget: TargetExt<ClassifyTarget> = {
  name: 'CLASSIFY',
  bind: (t) => (ctx) => targetClassify(t, ctx),
  options: [{ name: 'set-class', hasArg: true }],
  init: () => ({ kind: 'CLASSIFY', priority: 0 }),
  parse(t, option, arg) {
    once('CLASSIFY', t, option);
    const p = parseClass(arg!);
    if (p === undefined) throw paramProblem(`Bad class value "${arg}"`, 'BAD_CLASS');
    t.priority = p;
  },
  final: (t) => fcheck('CLASSIFY', t, [{ name: 'set-class', mand: true }]),
  save: (t) => ` --set-class ${(t.priority >>> 16).toString(16).padStart(4, '0')}:${(t.priority & 0xffff).toString(16).padStart(4, '0')}`,
  print: (t) => ` CLASSIFY set ${(t.priority >>> 16).toString(16)}:${(t.priority & 0xffff).toString(16)}`,
  check: (t, rule, use) => needHooks(use, ['OUTPUT', 'FORWARD', 'POSTROUTING']),
};
