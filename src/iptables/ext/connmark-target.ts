/**
 * -j CONNMARK (libxt_CONNMARK.c, revision 1 texts): --set-xmark/--set-mark/
 * --and-mark/--or-mark/--xor-mark (set the connection mark), --save-mark and
 * --restore-mark with --nfmask/--ctmask (or --mask for both). `form` keeps the
 * option that chose the mode.
 */
import { paramProblem } from '../errors.js';
import { markOp, markPairText } from './mark-target.js';
import type { TargetExt } from './types.js';
import { fcheck, given, hex, once, parseUintOpt } from './xt-options.js';
import { targetConntrack } from '../../rules/target/external.js';

/** -j CONNMARK. */
export interface ConnmarkTarget {
  kind: 'CONNMARK';
  mode: 'set' | 'save' | 'restore';
  ctmark: number;
  ctmask: number;
  nfmask: number;
  form: string;
}

declare module '../../rules/targets.js' {
  interface TargetTypes { CONNMARK: ConnmarkTarget; }
}


const OPS = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark', 'save-mark', 'restore-mark'] as const;
const ALL = 0xffffffff;

export const connmarkTarget: TargetExt<ConnmarkTarget> = {
  name: 'CONNMARK',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetConntrack(t, ctx, host);
  },
  options: [
    ...OPS.map((name) => ({ name, hasArg: !name.endsWith('e-mark') })),
    { name: 'ctmask', hasArg: true }, { name: 'nfmask', hasArg: true }, { name: 'mask', hasArg: true },
  ],
  init: () => ({ kind: 'CONNMARK', mode: 'set', ctmark: 0, ctmask: ALL, nfmask: ALL, form: '' }),
  parse(t, option, arg) {
    once('CONNMARK', t, option);
    switch (option) {
      case 'save-mark': t.mode = 'save'; t.form = option; return;
      case 'restore-mark': t.mode = 'restore'; t.form = option; return;
      case 'ctmask': t.ctmask = parseUintOpt('CONNMARK', option, arg!, 0, ALL); return;
      case 'nfmask': t.nfmask = parseUintOpt('CONNMARK', option, arg!, 0, ALL); return;
      case 'mask': t.ctmask = t.nfmask = parseUintOpt('CONNMARK', option, arg!, 0, ALL); return;
    }
    const v = markOp('CONNMARK', option, arg!);
    t.mode = 'set';
    t.ctmark = v.value;
    t.ctmask = v.mask;
    t.form = option;
  },
  final(t) {
    if (!OPS.some((o) => given(t, o))) throw paramProblem('CONNMARK target: No operation specified', 'MISSING_OPTION');
    fcheck('CONNMARK', t, [
      ...OPS.map((name) => ({ name, excl: OPS })),
      { name: 'ctmask', excl: ['mask'], also: [] }, { name: 'nfmask', excl: ['mask'] },
      { name: 'mask', excl: ['ctmask', 'nfmask'] },
    ]);
  },
  save(t) {
    if (t.mode === 'set') return ` --set-xmark ${hex(t.ctmark)}/${hex(t.ctmask)}`;
    return ` --${t.mode}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}`;
  },
  print(t) {
    const ct = t.ctmask >>> 0, nf = t.nfmask >>> 0;
    if (t.mode === 'set') return ` CONNMARK ${markPairText(t.ctmark, t.ctmask)}`;
    if (t.mode === 'save') {
      if (nf === ALL && ct === ALL) return ' CONNMARK save';
      if (nf === ct) return ` CONNMARK save mask ${hex(nf)}`;
      return ` CONNMARK save nfmask ${hex(nf)} ctmask ~${hex(ct)}`;
    }
    if (ct === ALL && nf === ALL) return ' CONNMARK restore';
    if (ct === nf) return ` CONNMARK restore mask ${hex(ct)}`;
    return ` CONNMARK restore ctmask ${hex(ct)} nfmask ~${hex(nf)}`;
  },
};
