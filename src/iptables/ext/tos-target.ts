/**
 * -j TOS (libxt_TOS.c, revision 1): --set-tos value[/mask] or a symbolic
 * name (mask 0x3f), --and-tos, --or-tos, --xor-tos; one of them. Saved as
 * --set-tos V/M. The -L text without -n names a symbolic value with iptables'
 * quirk " TOS setName" (two spaces before, none after "set"). Mangle only.
 */
import { paramProblem } from '../errors.js';
import { parseTosValue, tosSymbol } from './tos.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { fcheck, hex2, once, parseUintOpt, seen } from './xt-options.js';
import { targetTos } from '../../rules/target/mangle.js';

/** -j TOS. */
export interface TosTarget { kind: 'TOS'; value: number; mask: number; form: 'set' | 'and' | 'or' | 'xor' | 'symbolic' }

declare module '../../rules/targets.js' {
  interface TargetTypes { TOS: TosTarget; }
}


const OPS = ['set-tos', 'and-tos', 'or-tos', 'xor-tos'] as const;

export const tosTarget: TargetExt<TosTarget> = {
  name: 'TOS',
  bind: (t) => (ctx) => targetTos(t, ctx),
  options: OPS.map((name) => ({ name, hasArg: true })),
  init: () => ({ kind: 'TOS', value: 0, mask: 0xff, form: 'set' }),
  parse(t, option, arg) {
    once('TOS', t, option);
    if (option === 'set-tos') {
      const v = parseTosValue(arg!);
      t.value = v.value; t.mask = v.mask; t.form = v.symbolic ? 'symbolic' : 'set';
      return;
    }
    const bits = parseUintOpt('TOS', option, arg!, 0, 0xff);
    if (option === 'and-tos') { t.value = 0; t.mask = ~bits & 0xff; t.form = 'and'; }
    else if (option === 'or-tos') { t.value = bits; t.mask = bits; t.form = 'or'; }
    else { t.value = bits; t.mask = 0; t.form = 'xor'; }
  },
  final(t) {
    if (seen(t).size === 0) throw paramProblem('TOS: An action is required', 'MISSING_OPTION');
    fcheck('TOS', t, OPS.map((name) => ({ name, excl: OPS })));
  },
  save: (t) => ` --set-tos ${hex2(t.value)}/${hex2(t.mask)}`,
  print(t, numeric) {
    if (numeric) return ` TOS set ${hex2(t.value)}/${hex2(t.mask)}`;
    const sym = tosSymbol(t.value, t.mask);
    if (sym !== undefined) return `  TOS set${sym}`;
    if (t.value === 0) return ` TOS and ${hex2(~t.mask & 0xff)}`;
    if (t.value === t.mask) return ` TOS or ${hex2(t.value)}`;
    if (t.mask === 0) return ` TOS xor ${hex2(t.value)}`;
    return ` TOS set ${hex2(t.value)}/${hex2(t.mask)}`;
  },
  check: (t, rule, use) => needTable(use, ['mangle']),
};
