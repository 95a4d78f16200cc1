/**
 * -j NFLOG (libxt_NFLOG.c): --nflog-group 0..65535, --nflog-prefix,
 * --nflog-size (copy length), --nflog-threshold 0..65535 (printed when non-zero).
 * --nflog-range is accepted and dropped, as the nf_tables backend does
 * (it never worked; iptables warns). The prefix (at least 1 byte) is cut to
 * 127 bytes, as iptables-nft keeps it. Printed and saved with the same words.
 */
import { paramProblem } from '../errors.js';
import { putString, saveString } from '../string-value.js';
import type { TargetExt } from './types.js';
import { fcheck, once, parseUintOpt } from './xt-options.js';
import { targetLog } from '../../rules/target/external.js';

/** -j NFLOG. */
export interface NflogTarget { kind: 'NFLOG'; group: number; prefix: string; size?: number; threshold?: number }

declare module '../../rules/targets.js' {
  interface TargetTypes { NFLOG: NflogTarget; }
}


function dump(t: NflogTarget, pfx: string): string {
  let s = '';
  if (t.prefix !== '') s += ` ${pfx}nflog-prefix${saveString(t.prefix)}`;
  if (t.group) s += ` ${pfx}nflog-group ${t.group}`;
  if (t.size !== undefined) s += ` ${pfx}nflog-size ${t.size}`;
  if (t.threshold) s += ` ${pfx}nflog-threshold ${t.threshold}`;
  return s;
}

export const nflogTarget: TargetExt<NflogTarget> = {
  name: 'NFLOG',
  bind: (t, _rule, env, table, chain) => {
    const host = env.host;
    return (ctx) => targetLog(t, ctx, host, table, chain);
  },
  options: ['nflog-group', 'nflog-prefix', 'nflog-range', 'nflog-size', 'nflog-threshold'].map((name) => ({ name, hasArg: true })),
  init: () => ({ kind: 'NFLOG', group: 0, prefix: '' }),
  parse(t, option, arg) {
    once('NFLOG', t, option);
    switch (option) {
      case 'nflog-group': t.group = parseUintOpt('NFLOG', option, arg!, 0, 0xffff); break;
      case 'nflog-prefix':
        t.prefix = putString(arg!, 128, { min: 1 });
        if (arg!.includes('\n')) throw paramProblem('Newlines not allowed in --log-prefix', 'BAD_PREFIX');
        break;
      case 'nflog-range': parseUintOpt('NFLOG', option, arg!, 0, 0xffffffff); break;
      case 'nflog-size': t.size = parseUintOpt('NFLOG', option, arg!, 0, 0xffffffff); break;
      case 'nflog-threshold': t.threshold = parseUintOpt('NFLOG', option, arg!, 0, 0xffff); break;
    }
  },
  final: (t) => fcheck('NFLOG', t, [{ name: 'nflog-range', excl: ['nflog-size'] }, { name: 'nflog-size', excl: ['nflog-range'] }]),
  save: (t) => dump(t, '--'),
  print: (t) => dump(t, ''),
};
