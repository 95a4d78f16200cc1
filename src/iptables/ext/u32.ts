/**
 * -m u32 (libxt_u32.c): [!] --u32 tests, mandatory. The test language
 * ("location = ranges" joined by "&&"; location: number, then "&", "<<",
 * ">>" or "@" number) is parsed with u32_parse's exact messages and limits
 * (XT_U32_MAXSIZE: at most 11 tests, numbers and ranges each); numbers are
 * xtables_strtoui base 0 (leading blanks, no '-'). Save/print write every
 * number as 0x%x (u32_dump).
 */
import { paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { matchU32 } from '../../rules/match/u32.js';

/** One u32 test: location (first number, then operator/number pairs) = value ranges. */
export interface U32Test {
  /** location[0].number, then the following numbers. */
  nums: number[];
  /** ops[i] is the operator before nums[i] (ops[0] unused): XT_U32_AND 0, LEFTSH 1, RIGHTSH 2, AT 3. */
  ops: number[];
  values: { min: number; max: number }[];
}

export interface U32Match { name: 'u32'; tests: U32Test[]; invert: boolean }
declare module '../../rules/matches.js' {
  interface MatchTypes { u32: U32Match; }
}

const MAXSIZE = 10;
export const U32_AND = 0, U32_LEFTSH = 1, U32_RIGHTSH = 2, U32_AT = 3;
const OP_TEXT = ['&', '<<', '>>', '@'];

const err = (msg: string) => paramProblem(`u32: ${msg}`, 'BAD_VALUE');
const isSpace = (c: string | undefined) => c !== undefined && ' \t\n\v\f\r'.includes(c);

/** Parses the --u32 argument (throws iptables' errors). */
export function parseU32(arg: string): U32Test[] {
  const tests: U32Test[] = [];
  let ct: U32Test = { nums: [], ops: [], values: [] };
  let i = 0, state = 0;
  const num = (pos: number): number => {
    const rest = arg.slice(i);
    const [v, used] = strtoulPrefix(rest, 0);
    if (used === 0 || /^\s*-/.test(rest) || v < 0n || v > 0xffffffffn) {
      throw err(`at char ${pos}: not a number or out of range`);
    }
    i += used;
    return Number(v);
  };
  for (;;) {
    while (isSpace(arg[i])) i++;
    if (i >= arg.length) {
      if (state === 0) throw err('abrupt end of input after location specifier');
      if (ct.values.length === 0) throw err('test ended with no value specified');
      tests.push(ct);
      if (tests.length > MAXSIZE) throw err(`at char ${i}: too many "&&"s`);
      return tests;
    }
    const c = arg[i];
    if (state === 0) {
      if (c === '=') {
        if (ct.nums.length === 0) throw err(`at char ${i}: location spec missing`);
        i++;
        state = 1;
        continue;
      }
      let op = 0;
      if (ct.nums.length !== 0) {
        if (c === '&') op = U32_AND;
        else if (c === '<') {
          if (arg[++i] !== '<') throw err(`at char ${i}: a second '<' was expected`);
          op = U32_LEFTSH;
        } else if (c === '>') {
          if (arg[++i] !== '>') throw err(`at char ${i}: a second '>' was expected`);
          op = U32_RIGHTSH;
        } else if (c === '@') op = U32_AT;
        else throw err(`at char ${i}: operator expected`);
        i++;
      }
      ct.ops.push(op);
      ct.nums.push(num(i));
      if (ct.nums.length > MAXSIZE) throw err(`at char ${i}: too many operators`);
    } else if (c === '&') {
      if (arg[++i] !== '&') throw err(`at char ${i}: a second '&' was expected`);
      if (ct.values.length === 0) throw err(`at char ${i}: value spec missing`);
      tests.push(ct);
      if (tests.length > MAXSIZE) throw err(`at char ${i}: too many "&&"s`);
      ct = { nums: [], ops: [], values: [] };
      i++;
      state = 0;
    } else {
      if (ct.values.length > 0) {
        if (c !== ',') throw err(`at char ${i}: expected "," or "&&"`);
        i++;
      }
      const min = num(i);
      while (isSpace(arg[i])) i++;
      let max = min;
      if (arg[i] === ':') {
        i++;
        max = num(i);
      }
      ct.values.push({ min, max });
      if (ct.values.length > MAXSIZE) throw err(`at char ${i}: too many ","s`);
    }
  }
}

const hx = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** u32_dump: ` "` tests `"`. */
export function dumpU32(tests: readonly U32Test[]): string {
  const parts = tests.map((t) => {
    let s = hx(t.nums[0]!);
    for (let k = 1; k < t.nums.length; k++) s += OP_TEXT[t.ops[k]!]! + hx(t.nums[k]!);
    return `${s}=${t.values.map((v) => (v.min === v.max ? hx(v.min) : `${hx(v.min)}:${hx(v.max)}`)).join(',')}`;
  });
  return ` "${parts.join('&&')}"`;
}

export const u32Match: MatchExt<U32Match> = {
  name: 'u32',
  bind: (m) => (ctx) => matchU32(m, ctx),
  options: [{ name: 'u32', hasArg: true, invertible: true }],
  init: () => ({ name: 'u32', tests: [], invert: false }),
  parse(m, option, arg, invert) {
    once('u32', m, 'u32');
    m.invert = invert;
    m.tests = parseU32(arg!);
  },
  final: (m) => fcheck('u32', m, [{ name: 'u32', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --u32${dumpU32(m.tests)}`,
  print: (m) => ` u32${m.invert ? ' !' : ''}${dumpU32(m.tests)}`,
};
