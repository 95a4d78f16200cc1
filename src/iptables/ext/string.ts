/**
 * -m string (libxt_string.c, revision 1): [!] --string TEXT or [!] --hex-string
 * "a|0d0a|b" (one of them), --algo bm|kmp|fsm (mandatory; the kernel refuses
 * an unknown algorithm with ENOENT), --from / --to byte offsets (default
 * 0 and 65535, printed only when different), --icase. Patterns are at most
 * 128 bytes. Save quotes the pattern, in hex form when it holds a byte that
 * is not printable or ends in a backslash.
 */
import { kernelReject, paramProblem } from '../errors.js';
import { putString } from '../string-value.js';
import type { MatchExt } from './types.js';
import { fcheck, given as fcheckGiven, once, parseUintOpt } from './xt-options.js';
import { bindString } from '../../rules/match/payload.js';

export interface StringMatch {
  name: 'string';
  algo: string;
  /** The bytes searched for (1..128). */
  pattern: number[];
  /** Byte offsets from the IP header: the occurrence must lie within [from, to). */
  from: number; to: number;
  invert: boolean; icase: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { string: StringMatch; }
}

const MAX_PATTERN = 128;
const MAX_ALGO = 16;
const ALGOS = ['bm', 'kmp', 'fsm'];

function parseHexString(s: string): number[] {
  const bytes = Buffer.from(s);
  const slen = bytes.length;
  if (slen === 0) throw paramProblem('STRING must contain at least one char', 'BAD_VALUE');
  const out: number[] = [];
  const isx = (c: number | undefined) => c !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(c));
  let i = 0, hex = false, literal = false;
  while (i < slen) {
    if (bytes[i] === 0x5c && !hex) literal = true;
    else if (bytes[i] === 0x5c) throw paramProblem('Cannot include literals in hex data', 'BAD_VALUE');
    else if (bytes[i] === 0x7c) {
      if (hex) hex = false;
      else {
        hex = true;
        while (bytes[i + 1] === 0x20) i++;
      }
      if (i + 1 >= slen) break;
      i++;
    }
    if (literal) {
      if (i + 1 >= slen) throw paramProblem('Bad literal placement at end of string', 'BAD_VALUE');
      out.push(bytes[i + 1]!);
      i += 2;
      literal = false;
    } else if (hex) {
      if (i + 1 >= slen) throw paramProblem('Odd number of hex digits', 'BAD_VALUE');
      if (i + 2 >= slen) throw paramProblem('Invalid hex block', 'BAD_VALUE');
      if (!isx(bytes[i])) throw paramProblem(`Invalid hex char '${String.fromCharCode(bytes[i]!)}'`, 'BAD_VALUE');
      if (!isx(bytes[i + 1])) throw paramProblem(`Invalid hex char '${String.fromCharCode(bytes[i + 1]!)}'`, 'BAD_VALUE');
      out.push(parseInt(String.fromCharCode(bytes[i]!, bytes[i + 1]!), 16));
      i += bytes[i + 2] === 0x20 ? 3 : 2;
    } else {
      out.push(bytes[i]!);
      i++;
    }
    if (out.length - 1 > MAX_PATTERN) throw paramProblem(`STRING too long "${s}"`, 'BAD_VALUE');
  }
  return out;
}

function isHex(p: readonly number[]): boolean {
  return p.some((c) => c < 0x20 || c > 0x7e) || p[p.length - 1] === 0x5c;
}

function pattern(p: readonly number[]): string {
  if (isHex(p)) return ` "|${p.map((c) => c.toString(16).padStart(2, '0')).join('')}|"`;
  return ` "${p.map((c) => (c === 0x22 || c === 0x5c ? '\\' : '') + String.fromCharCode(c)).join('')}"`;
}

export const stringMatch: MatchExt<StringMatch> = {
  name: 'string',
  bind: (m) => bindString(m),
  options: [
    { name: 'from', hasArg: true }, { name: 'to', hasArg: true }, { name: 'algo', hasArg: true },
    { name: 'string', hasArg: true, invertible: true }, { name: 'hex-string', hasArg: true, invertible: true },
    { name: 'icase', hasArg: false },
  ],
  init: () => ({ name: 'string', algo: '', pattern: [], from: 0, to: 0xffff, invert: false, icase: false }),
  parse(m, option, arg, invert) {
    once('string', m, option);
    switch (option) {
      case 'from': m.from = parseUintOpt('string', option, arg!, 0, 0xffff); break;
      case 'to': m.to = parseUintOpt('string', option, arg!, 0, 0xffff); break;
      case 'algo':
        // char algo[16]: cut to 15 bytes; an unknown algorithm is the kernel's refusal (check).
        m.algo = putString(arg!, MAX_ALGO);
        break;
      case 'string': {
        const b = Buffer.from(arg!);
        if (b.length > MAX_PATTERN) throw paramProblem(`STRING too long "${arg}"`, 'BAD_VALUE');
        m.pattern = [...b];
        if (invert) m.invert = true;
        break;
      }
      case 'hex-string':
        m.pattern = parseHexString(arg!);
        if (invert) m.invert = true;
        break;
      case 'icase': m.icase = true; break;
    }
  },
  final(m) {
    if (!['string', 'hex-string'].some((o) => fcheckGiven(m, o))) {
      throw paramProblem("STRING match: You must specify `--string' or `--hex-string'", 'MISSING_OPTION');
    }
    fcheck('string', m, [
      { name: 'algo', mand: true }, { name: 'string', excl: ['hex-string'] }, { name: 'hex-string', excl: ['string'] },
    ]);
  },
  save(m) {
    let s = `${m.invert ? ' !' : ''} --${isHex(m.pattern) ? 'hex-string' : 'string'}${pattern(m.pattern)} --algo ${m.algo}`;
    if (m.from !== 0) s += ` --from ${m.from}`;
    if (m.to !== 0xffff) s += ` --to ${m.to}`;
    if (m.icase) s += ' --icase';
    return s;
  },
  print(m) {
    let s = ` STRING match ${m.invert ? '!' : ''}${pattern(m.pattern)} ALGO name ${m.algo}`;
    if (m.from !== 0) s += ` FROM ${m.from}`;
    if (m.to !== 0xffff) s += ` TO ${m.to}`;
    if (m.icase) s += ' ICASE';
    return s;
  },
  check(m) {
    if (!ALGOS.includes(m.algo)) throw kernelReject('No such file or directory', 'KERNEL_ENOENT');
    if (m.from > m.to || m.pattern.length === 0) throw kernelReject();
  },
};
