/**
 * -m rateest (libxt_rateest.c, old-style parser): --rateest NAME (absolute
 * mode) or --rateest1 NAME / --rateest2 NAME (relative), --rateest-delta,
 * --rateest-bps[1|2] [RATE] / --rateest-pps[1|2] [N] (the value is optional:
 * taken when the next word does not start with '-' or '!'), [!] --rateest-lt
 * / -gt / -eq. RATE is strtod with an iproute suffix (bit, kbit, Kibit, ...,
 * Bps, KBps, ...; none = bits), stored in bytes/s. The kernel checks (EINVAL)
 * that a rate kind and a comparison are given. rawgate does not look up the
 * estimators by name (the kernel refuses an unknown one with ENOENT). Names
 * are cut to 15 bytes and saved bare (so not empty and no whitespace or '"':
 * string-value.ts).
 */
import { kernelReject, paramProblem } from '../errors.js';
import { checkBare, putString } from '../string-value.js';
import { strtodPrefix } from './strtod.js';
import type { MatchExt } from './types.js';
import { parseUlong, seen } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -m rateest (xt_rateest_match_info). Rates in bytes/s (bps) or packets/s (pps), as the kernel stores them. */
export interface RateestMatch {
  name: 'rateest';
  name1: string; name2: string;
  /** XT_RATEEST_MATCH_* bits (INVERT 1, ABS 2, REL 4, DELTA 8, BPS 16, PPS 32). */
  flags: number;
  /** XT_RATEEST_MATCH_NONE 0, EQ 1, LT 2, GT 3. */
  mode: number;
  bps1: number; pps1: number; bps2: number; pps2: number;
}
declare module '../../rules/matches.js' {
  interface MatchTypes { rateest: RateestMatch; }
}

const F = { INVERT: 1, ABS: 2, REL: 4, DELTA: 8, BPS: 16, PPS: 32 } as const;
const MODE = { NONE: 0, EQ: 1, LT: 2, GT: 3 } as const;

const SUFFIXES: readonly (readonly [string, number])[] = [
  ['bit', 1], ['Kibit', 1024], ['kbit', 1000], ['Mibit', 1024 ** 2], ['mbit', 1e6], ['Gibit', 1024 ** 3], ['gbit', 1e9],
  ['Tibit', 1024 ** 4], ['tbit', 1e12], ['Bps', 8], ['KiBps', 8 * 1024], ['KBps', 8000], ['MiBps', 8 * 1024 ** 2],
  ['MBps', 8e6], ['GiBps', 8 * 1024 ** 3], ['GBps', 8e9], ['TiBps', 8 * 1024 ** 4], ['TBps', 8e12],
];

const u32 = (d: number): number => Number(BigInt.asUintN(32, BigInt(Math.trunc(Number.isFinite(d) ? d : 0))));

function getRate(s: string): number | undefined {
  const r = strtodPrefix(s);
  if (r === undefined) return undefined;
  const rest = s.slice(r[1]);
  if (rest === '') return u32(r[0] / 8);
  const suf = SUFFIXES.find(([n]) => n.toLowerCase() === rest.toLowerCase());
  return suf ? u32((r[0] * suf[1]) / 8) : undefined;
}

/** Canonical option for each spelling (the absolute-mode aliases). */
const CANON: Record<string, string> = {
  'rateest1': 'rateest1', 'rateest': 'rateest1', 'rateest2': 'rateest2',
  'rateest-bps1': 'rateest-bps1', 'rateest-pps1': 'rateest-pps1', 'rateest-bps2': 'rateest-bps2',
  'rateest-pps2': 'rateest-pps2', 'rateest-bps': 'rateest-bps2', 'rateest-pps': 'rateest-pps2',
  'rateest-delta': 'rateest-delta', 'rateest-lt': 'rateest-lt', 'rateest-gt': 'rateest-gt', 'rateest-eq': 'rateest-eq',
};

/** An estimator name: char[IFNAMSIZ], saved bare. */
function estimatorName(option: string, arg: string): string {
  const name = putString(arg, 16);
  checkBare('rateest', option, name);
  return name;
}

function printRate(rate: number, numeric: boolean): string {
  const bits = rate * 8;
  if (numeric) return ` ${rate}`;
  if (bits >= 1e9) return ` ${(bits / 1e6).toFixed(0)}Mbit`;
  if (bits >= 1e6) return ` ${(bits / 1e3).toFixed(0)}Kbit`;
  return ` ${bits.toFixed(0)}bit`;
}

function printMode(m: RateestMatch, prefix: string): string {
  const inv = m.flags & F.INVERT ? ' !' : '';
  const op = m.mode === MODE.EQ ? 'eq' : m.mode === MODE.LT ? 'lt' : m.mode === MODE.GT ? 'gt' : '';
  return `${inv} ${prefix}${op}`;
}

function saveRate(m: RateestMatch, name: string, r1: number, r2: number, numeric: boolean): string {
  let s = m.flags & F.DELTA
    ? ` --rateest-${name}1${printRate(r1, numeric)}${printMode(m, '--rateest-')} --rateest-${name}2`
    : `${printMode(m, '--rateest-')} --rateest-${name}`;
  if (m.flags & (F.ABS | F.DELTA)) s += printRate(r2, numeric);
  return s;
}

function saveRates(m: RateestMatch): string {
  let s = '';
  if (m.flags & F.BPS) s += saveRate(m, 'bps', m.bps1, m.bps2, false);
  if (m.flags & F.PPS) s += saveRate(m, 'pps', m.pps1, m.pps2, true);
  return s;
}

export const rateestMatch: MatchExt<RateestMatch> = {
  name: 'rateest',
  bind: (m) => {
    throw new BindError(`match '${m.name}' cannot be evaluated: it needs rate estimators (RATEEST), which rawgate does not run`);
  },
  options: Object.keys(CANON).map((name) => ({ name, hasArg: name === 'rateest1' || name === 'rateest' || name === 'rateest2', invertible: true })),
  init: () => ({ name: 'rateest', name1: '', name2: '', flags: 0, mode: MODE.NONE, bps1: 0, pps1: 0, bps2: 0, pps2: 0 }),
  parse(m, option, arg, invert, ctx) {
    const c = CANON[option]!;
    const s = seen(m);
    const twice = (what: string) => paramProblem(`rateest: can't specify ${what} twice`, 'DUP_OPTION');
    const noInvert = (what: string) => { if (invert) throw paramProblem(`rateest: ${what} can't be inverted`, 'BAD_INVERT'); };
    /** The optional value word. */
    const value = (): string | undefined => {
      const next = ctx.peekArg();
      if (next === undefined || next.startsWith('-') || next.startsWith('!')) return undefined;
      return ctx.nextArg(`--${option}`);
    };
    if (c === 'rateest-lt' || c === 'rateest-gt' || c === 'rateest-eq') {
      if (s.has(c)) throw twice('lt/gt/eq');
      s.add(c);
      m.mode = c === 'rateest-eq' ? MODE.EQ : c === 'rateest-lt' ? MODE.LT : MODE.GT;
      if (invert) m.flags |= F.INVERT;
      return;
    }
    const what = c === 'rateest1' || c === 'rateest2' ? 'rateest' : c.replace(/[12]$/, '');
    noInvert(what);
    if (s.has(c)) throw twice(`--${c}`);
    s.add(c);
    switch (c) {
      case 'rateest1': m.name1 = estimatorName(option, arg!); break;
      case 'rateest2': m.name2 = estimatorName(option, arg!); m.flags |= F.REL; break;
      case 'rateest-delta': m.flags |= F.DELTA; break;
      case 'rateest-bps1':
      case 'rateest-bps2': {
        m.flags |= F.BPS;
        const v = value();
        if (v === undefined) break;
        const r = getRate(v);
        if (r === undefined) throw paramProblem(`rateest: could not parse rate \`${v}'`, 'BAD_VALUE');
        if (c === 'rateest-bps1') m.bps1 = r; else m.bps2 = r;
        break;
      }
      default: {
        m.flags |= F.PPS;
        const v = value();
        if (v === undefined) break;
        const r = parseUlong(v, 0, 0xffffffff);
        if (r === undefined) throw paramProblem(`rateest: could not parse pps \`${v}'`, 'BAD_VALUE');
        if (c === 'rateest-pps1') m.pps1 = r; else m.pps2 = r;
      }
    }
  },
  final(m) {
    if (!(m.flags & F.REL)) m.flags |= F.ABS;
    // iptables takes a bps and a pps test in one match but saves the comparison
    // once per rate ("--rateest-lt --rateest-bps .. --rateest-lt --rateest-pps .."),
    // which its restore refuses ("can't specify lt/gt/eq twice"): rawgate refuses
    // the pair (a deliberate deviation, test/iptables/deviations.ts).
    if (m.flags & F.BPS && m.flags & F.PPS) throw paramProblem("rateest: can't specify both bps and pps", 'UNRESTORABLE');
  },
  save(m) {
    let s = m.flags & F.DELTA ? ' --rateest-delta' : '';
    if (m.flags & F.REL) s += ` --rateest1 ${m.name1}${saveRates(m)} --rateest2 ${m.name2}`;
    else s += ` --rateest ${m.name1}${saveRates(m)}`;
    return s;
  },
  print(m, numeric) {
    let s = ` rateest match ${m.name1}`;
    if (m.flags & F.DELTA) s += ' delta';
    if (m.flags & F.BPS) {
      s += ' bps';
      if (m.flags & F.DELTA) s += printRate(m.bps1, numeric);
      if (m.flags & F.ABS) s += printRate(m.bps2, numeric) + printMode(m, '');
    }
    if (m.flags & F.PPS) {
      s += ' pps';
      if (m.flags & F.DELTA) s += ` ${m.pps1}`;
      if (m.flags & F.ABS) s += `${printMode(m, '')} ${m.pps2}`;
    }
    if (m.flags & F.REL) {
      s += `${printMode(m, '')} ${m.name2}`;
      if (m.flags & F.BPS) s += ` bps${m.flags & F.DELTA ? printRate(m.bps2, numeric) : ''}`;
      if (m.flags & F.PPS) s += ` pps${m.flags & F.DELTA ? ` ${m.pps2}` : ''}`;
    }
    return s;
  },
  check(m) {
    if (!(m.flags & (F.BPS | F.PPS)) || m.mode === MODE.NONE) throw kernelReject();
  },
};
