/**
 * -j TCPOPTSTRIP (libxt_TCPOPTSTRIP.c): --strip-options list of option kinds
 * (numbers 2..255 or wscale, mss, sack-permitted, sack, timestamp, md5),
 * once. Save lists numbers ascending, -L names them unless -n; an empty set
 * prints nothing (1.8.9). Kernel: mangle table, -p tcp.
 */
import { paramProblem } from '../errors.js';
import { strtoui } from '../parse-num.js';
import type { TargetExt } from './types.js';
import { needProto, needTable } from './usage.js';
import { once } from './xt-options.js';
import { targetTcpoptstrip } from '../../rules/target/mangle.js';

/** -j TCPOPTSTRIP: 256-bit set of TCP option kinds to overwrite with NOPs. */
export interface TcpoptstripTarget { kind: 'TCPOPTSTRIP'; /** Option kinds, ascending. */ options: number[] }
declare module '../../rules/targets.js' {
  interface TargetTypes { TCPOPTSTRIP: TcpoptstripTarget; }
}

const NAMES: readonly (readonly [string, number])[] = [
  ['wscale', 3], ['mss', 2], ['sack-permitted', 4], ['sack', 5], ['timestamp', 8], ['md5', 19],
];

function list(t: TcpoptstripTarget, numeric: boolean): string {
  return t.options.map((o) => (numeric ? undefined : NAMES.find(([, n]) => n === o)?.[0]) ?? String(o)).join(',');
}

export const tcpoptstripTarget: TargetExt<TcpoptstripTarget> = {
  name: 'TCPOPTSTRIP',
  bind: (t) => (ctx) => targetTcpoptstrip(t, ctx),
  options: [{ name: 'strip-options', hasArg: true }],
  init: () => ({ kind: 'TCPOPTSTRIP', options: [] }),
  parse(t, option, arg) {
    once('TCPOPTSTRIP', t, option);
    const set = new Set(t.options);
    for (const word of arg!.split(',')) {
      let o = NAMES.find(([n]) => n === word)?.[1] ?? 0;
      if (o === 0) {
        const v = strtoui(word, 0, 255);
        if (v === undefined) throw paramProblem(`Bad TCP option value "${word}"`, 'BAD_VALUE');
        o = v;
      }
      if (o < 2) throw paramProblem('Option value may not be 0 or 1', 'BAD_VALUE');
      if (set.has(o)) throw paramProblem(`Option "${word}" already specified`, 'BAD_VALUE');
      set.add(o);
    }
    t.options = [...set].sort((a, b) => a - b);
  },
  save: (t) => (t.options.length === 0 ? '' : ` --strip-options ${list(t, true)}`),
  print: (t, numeric) => (t.options.length === 0 ? '' : ` TCPOPTSTRIP options ${list(t, numeric)}`),
  check(t, rule, use) {
    needTable(use, ['mangle']);
    needProto(rule, 6);
  },
};
