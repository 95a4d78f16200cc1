/**
 * -m tos (libxt_tos.c, revision 1): --tos value[/mask] or a symbolic name
 * (mask 0x3f), mandatory, "!"-able. The -L text has no space after "match"
 * (`tos match0x10/0x3f`); without -n a 0x3f mask prints the symbolic name.
 * TOS_SYMBOLS and parseTosValue are shared with the TOS target.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, hex2, once, parseUlong } from './xt-options.js';
import { matchTos } from '../../rules/match/ip.js';

export interface TosMatch { name: 'tos'; value: number; mask: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { tos: TosMatch; }
}

export const TOS_SYMBOLS: readonly (readonly [string, number])[] = [
  ['Minimize-Cost', 0x02], ['Maximize-Reliability', 0x04], ['Maximize-Throughput', 0x08],
  ['Minimize-Delay', 0x10], ['Normal-Service', 0x00],
];

/** tos_parse_numeric: "v[/m]" with both ≤ max; undefined when str does not start with a number. */
export function parseTosNumeric(str: string, max: number): { value: number; mask: number } | undefined {
  const m = /^(\s*\+?(?:0[xX][0-9a-fA-F]+|\d+))(.*)$/.exec(str);
  if (!m) return undefined;
  const value = parseUlong(m[1]!, 0, max);
  if (value === undefined) return undefined;
  const rest = m[2]!;
  if (rest === '') return { value, mask: max };
  const illegal = () => paramProblem(`Illegal value: "${str}"`, 'BAD_TOS');
  if (!rest.startsWith('/')) throw illegal();
  const mask = parseUlong(rest.slice(1), 0, max);
  if (mask === undefined) throw illegal();
  return { value, mask };
}

/** tos_parse_symbolic: a number (mask default `max`) or a name (mask 0x3f). */
export function parseTosValue(str: string, max = 0xff): { value: number; mask: number; symbolic: boolean } {
  const n = parseTosNumeric(str, max);
  if (n) return { ...n, symbolic: false };
  const e = TOS_SYMBOLS.find(([name]) => name.toLowerCase() === str.toLowerCase());
  if (!e) throw paramProblem(`Symbolic name "${str}" is unknown`, 'BAD_TOS');
  return { value: e[1], mask: 0x3f, symbolic: true };
}

export function tosSymbol(value: number, mask: number): string | undefined {
  if (mask !== 0x3f) return undefined;
  return TOS_SYMBOLS.find(([, v]) => v === value)?.[0];
}

export const tosMatch: MatchExt<TosMatch> = {
  name: 'tos',
  bind: (m) => (ctx) => matchTos(m, ctx),
  quiet: true,
  options: [{ name: 'tos', hasArg: true, invertible: true }],
  init: () => ({ name: 'tos', value: 0, mask: 0xff, invert: false }),
  parse(m, option, arg, invert) {
    once('tos', m, 'tos');
    const v = parseTosValue(arg!);
    m.value = v.value;
    m.mask = v.mask;
    m.invert = invert;
  },
  final: (m) => fcheck('tos', m, [{ name: 'tos', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --tos ${hex2(m.value)}/${hex2(m.mask)}`,
  print(m, numeric) {
    const sym = numeric ? undefined : tosSymbol(m.value, m.mask);
    return ` tos match${m.invert ? '!' : ''}${sym !== undefined ? ` ${sym}` : `${hex2(m.value)}/${hex2(m.mask)}`}`;
  },
};
