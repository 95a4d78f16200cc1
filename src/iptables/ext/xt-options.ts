/**
 * Helpers shared by the extension modules: libxtables' option-table parser
 * (xtoptions.c) as 1.8.9 reports problems — once-only options, conflicts,
 * mandatory options, integers and integer ranges — plus hex formatting.
 * Invariants: every message is iptables' own text (a trailing "\n" where
 * iptables prints one, so the empty line follows); per-instance bookkeeping
 * lives in a WeakMap keyed by the model object, never in the model itself.
 */
import { paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';

const seenOpts = new WeakMap<object, Set<string>>();

/** The options already given to this match/target instance. */
export function seen(m: object): Set<string> {
  let s = seenOpts.get(m);
  if (!s) seenOpts.set(m, (s = new Set()));
  return s;
}

export function given(m: object, opt: string): boolean {
  return seen(m).has(opt);
}

/**
 * XTOPT_MULTI absent: "ext: option "--x" can only be used once." `id` is the
 * canonical name (aliases share it); the message names the option as typed.
 */
export function once(ext: string, m: object, id: string, typed = id): void {
  const s = seen(m);
  if (s.has(id)) throw paramProblem(`${ext}: option "--${typed}" can only be used once.\n`, 'DUP_OPTION');
  s.add(id);
}

/** Marks an option given without the once check (XTOPT_MULTI). */
export function mark(m: object, opt: string): void {
  seen(m).add(opt);
}

/** xtables_options_fcheck's exclusion message. */
export function conflictError(ext: string, a: string, b: string): Error {
  return paramProblem(`${ext}: option "--${a}" cannot be used together with "--${b}".\n`, 'OPTION_CONFLICT');
}

/** One entry of an extension's option table, for the final checks (canonical option name). */
export interface OptRule {
  name: string;
  mand?: boolean;
  also?: readonly string[];
  excl?: readonly string[];
}

/**
 * xtables_options_fcheck: in table order, a mandatory option missing, an
 * option given without one it requires, or with one it excludes. iptables runs
 * this after the extension's own final check.
 */
export function fcheck(ext: string, m: object, table: readonly OptRule[]): void {
  for (const e of table) {
    if (e.mand && !given(m, e.name)) throw mustSpecify(ext, e.name);
    if (!given(m, e.name)) continue;
    for (const a of e.also ?? []) {
      if (!given(m, a)) throw paramProblem(`${ext}: option "--${e.name}" also requires "--${a}".\n`, 'OPTION_REQUIRES');
    }
    for (const x of e.excl ?? []) if (x !== e.name && given(m, x)) throw conflictError(ext, e.name, x);
  }
}

export function mustSpecify(ext: string, opt: string): Error {
  return paramProblem(`${ext}: option "--${opt}" must be specified\n`, 'MISSING_OPTION');
}

export function badValue(ext: string, opt: string, arg: string): Error {
  return paramProblem(`${ext}: Bad value for "--${opt}" option: "${arg}"`, 'BAD_VALUE');
}

/** strtoul(base 0) over the whole string, refusing a leading '-' (xtables_strtoul). */
export function parseUlong(s: string, min: number, max: number): number | undefined {
  const [v, used] = strtoulPrefix(s, 0);
  if (used === 0 || used !== s.length || /^\s*-/.test(s)) return undefined;
  if (v < BigInt(min) || v > BigInt(max)) return undefined;
  return Number(v);
}

/** XTTYPE_UINT*: one integer in [min, max]. */
export function parseUintOpt(ext: string, opt: string, arg: string, min: number, max: number): number {
  const v = parseUlong(arg, min, max);
  if (v === undefined) {
    throw paramProblem(`${ext}: bad value for option "--${opt}", or out of range (${min}-${max}).\n`, 'BAD_VALUE');
  }
  return v;
}

/**
 * XTTYPE_UINT*RC (xtopt_parse_mint): "a", "a:b", "a:", ":b"; a missing first
 * component is 0, a missing second is max. Returns 1 or 2 values.
 */
export function parseUintRange(ext: string, opt: string, arg: string, max: number): number[] {
  const vals: number[] = [];
  let pos = 0;
  for (;;) {
    if (vals.length === 2) {
      throw paramProblem(`${ext}: Too many components for option "--${opt}" (max: 2)\n`, 'BAD_VALUE');
    }
    const rest = arg.slice(pos);
    let end: number;
    if (rest === '' || rest[0] === ':') {
      end = pos;
      vals.push(vals.length === 1 ? max : 0);
    } else {
      const [v, used] = strtoulPrefix(rest, 0);
      end = pos + used;
      const next = arg[end];
      if (used === 0 || /^\s*-/.test(rest) || v > BigInt(max) || (next !== undefined && next !== ':')) {
        throw paramProblem(
          `${ext}: bad value for option "--${opt}" near "${rest}", or out of range (0-${max}).\n`, 'BAD_VALUE');
      }
      vals.push(Number(v));
    }
    if (end >= arg.length) break;
    pos = end + 1;
  }
  return vals;
}

/** XTTYPE_MARKMASK32: "value[/mask]", mask default 0xffffffff. */
export function parseMarkMask(ext: string, opt: string, arg: string): { value: number; mask: number } {
  const bad = () => paramProblem(`${ext}: bad integer value for option "--${opt}", or out of range.\n`, 'BAD_VALUE');
  const slash = arg.indexOf('/');
  const v = parseUlong(slash >= 0 ? arg.slice(0, slash) : arg, 0, 0xffffffff);
  if (v === undefined) throw bad();
  if (slash < 0) return { value: v, mask: 0xffffffff };
  const mk = parseUlong(arg.slice(slash + 1), 0, 0xffffffff);
  if (mk === undefined) throw bad();
  return { value: v, mask: mk };
}

/** printf("0x%x"). */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** printf("0x%02x"). */
export function hex2(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(2, '0')}`;
}

/** strtod over the whole string (decimal, hex, inf, nan; leading blanks), or undefined. */
export function parseDouble(s: string): number | undefined {
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  const h = /^([+-]?)0x([0-9a-f]*)\.?([0-9a-f]*)(?:p([+-]?\d+))?$/i.exec(t);
  if (h && (h[2] !== '' || h[3] !== '')) {
    const v = (parseInt(h[2] || '0', 16) + (h[3] ? parseInt(h[3], 16) / 16 ** h[3].length : 0)) * 2 ** Number(h[4] ?? 0);
    return h[1] === '-' ? -v : v;
  }
  return undefined;
}

/** XTTYPE_DOUBLE (xtopt_parse_float): a number in [min, max]. */
export function parseDoubleOpt(ext: string, opt: string, arg: string, min: number, max: number): number {
  const v = parseDouble(arg);
  if (v === undefined || Number.isNaN(v) || v < min || v > max) {
    throw paramProblem(`${ext}: bad value for option "--${opt}", or out of range (${min}-${max}).\n`, 'BAD_VALUE');
  }
  return v;
}

/** printf("%.<digits>f") of num / den exactly (glibc rounds the exact value, ties to even). */
export function fixedRatio(num: bigint, den: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const n = num * scale;
  let q = n / den;
  const r2 = (n % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

export const U64_MAX = (1n << 64n) - 1n;

/** XTTYPE_UINT64: one integer in [0, 2^64-1], as a bigint. */
export function parseU64Opt(ext: string, opt: string, arg: string): bigint {
  const [v, used] = strtoulPrefix(arg, 0);
  if (used === 0 || used !== arg.length || /^\s*-/.test(arg) || v < 0n || v > U64_MAX) {
    throw paramProblem(`${ext}: bad value for option "--${opt}", or out of range (0-${U64_MAX}).\n`, 'BAD_VALUE');
  }
  return v;
}

/** XTTYPE_UINT64RC: "a", "a:b", "a:", ":b" as bigints (1 or 2 values; a missing first is 0, second max). */
export function parseU64Range(ext: string, opt: string, arg: string): bigint[] {
  const vals: bigint[] = [];
  let pos = 0;
  for (;;) {
    if (vals.length === 2) throw paramProblem(`${ext}: Too many components for option "--${opt}" (max: 2)\n`, 'BAD_VALUE');
    const rest = arg.slice(pos);
    let end: number;
    if (rest === '' || rest[0] === ':') {
      end = pos;
      vals.push(vals.length === 1 ? U64_MAX : 0n);
    } else {
      const [v, used] = strtoulPrefix(rest, 0);
      end = pos + used;
      const next = arg[end];
      if (used === 0 || /^\s*-/.test(rest) || v > U64_MAX || (next !== undefined && next !== ':')) {
        throw paramProblem(`${ext}: bad value for option "--${opt}" near "${rest}", or out of range (0-${U64_MAX}).\n`, 'BAD_VALUE');
      }
      vals.push(v);
    }
    if (end >= arg.length) break;
    pos = end + 1;
  }
  return vals;
}
