/**
 * -m hashlimit (libxt_hashlimit.c, revision 3): [!] --hashlimit-upto RATE or
 * [!] --hashlimit-above RATE (old name --hashlimit), RATE = N[/sec|min|hour|day]
 * (packets; period stored in 1/1000000 s) or N[k|m]b/s (bytes; stored as the
 * kernel's cost), --hashlimit-burst N[k|m][b], --hashlimit-mode
 * srcip,srcport,dstip,dstport, --hashlimit-srcmask/-dstmask 0..32,
 * --hashlimit-name (mandatory, at least 1 byte, cut to 254; saved bare, so no
 * whitespace or '"': string-value.ts), --hashlimit-htable-size/-max/
 * -gcinterval/-expire, --hashlimit-rate-match, --hashlimit-rate-interval.
 * Defaults printed back only when different: the expire default is the
 * rate's unit (packets) or 15 s / 60 s (bytes, without / with a burst).
 */
import { kernelReject, paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';
import { checkBare, putString } from '../string-value.js';
import type { MatchExt } from './types.js';
import { needFileName } from './usage.js';
import { badValue, fcheck, given, once, parseUintOpt } from './xt-options.js';
import { bindHashlimit } from '../../rules/match/hashlimit.js';

/**
 * Per-flow rate limit (xt_hashlimit revision 3). `mode` holds the kernel's
 * XT_HASHLIMIT_* bits (HASH_DIP 1, HASH_DPT 2, HASH_SIP 4, HASH_SPT 8, INVERT
 * 0x10, BYTES 0x20, RATE_MATCH 0x40). `avg`: packets mode, the period in
 * 1/1000000 s; bytes mode, the kernel's cost. `burst`: packets, or bytes-mode
 * multiples of the rate. Times in ms; `interval` in seconds (rate-match).
 */
export interface HashlimitMatch {
  name: 'hashlimit';
  hashName: string;
  mode: number; avg: number; burst: number;
  size: number; max: number; gcInterval: number; expire: number;
  srcmask: number; dstmask: number; interval: number;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { hashlimit: HashlimitMatch; }
}

export const HL_SCALE = 1_000_000;
const BURST_DEFAULT = 5;
const BURST_MAX = 1_000_000;
const GC_DEFAULT = 1000;
const BYTE_EXPIRE = 15;
const BYTE_EXPIRE_BURST = 60;
const U32 = 0xffffffff;
export const HL = { DIP: 1, DPT: 2, SIP: 4, SPT: 8, INVERT: 0x10, BYTES: 0x20, RATE_MATCH: 0x40 } as const;

/** Rate unit (seconds) of the last --hashlimit-upto/-above: cb->udata in iptables. */
const unitOf = new WeakMap<object, number>();

export function costToBytes(cost: number): number {
  const r = cost ? Math.floor(U32 / cost) : U32;
  return (r - 1) * 16;
}
export function bytesToCost(bytes: number): number {
  const r = Math.floor(bytes / 16) >>> 0;
  return Math.floor(U32 / (r + 1));
}
const factor = (c: string | undefined): number => (c === 'm' ? 1024 * 1024 : c === 'k' ? 1024 : 1);

/** atoll: leading blanks, sign, digits. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

function parseBytes(rate: string, m: HashlimitMatch): boolean {
  const at = rate.indexOf('b/s');
  if (at <= 0) return false;
  const r = atoll(rate);
  if (r === 0) return false;
  const tmp = r * factor(rate[at - 1]);
  const cost = bytesToCost(tmp);
  if (cost === 0) throw paramProblem(`Rate too high "${rate}"\n`, 'BAD_RATE');
  unitOf.set(m, BYTE_EXPIRE);
  m.avg = cost;
  return true;
}

function parseRate(rate: string, m: HashlimitMatch): boolean {
  let mult = 1;
  unitOf.set(m, 1);
  const slash = rate.indexOf('/');
  if (slash >= 0) {
    const unit = rate.slice(slash + 1).toLowerCase();
    if (unit === '') return false;
    if ('second'.startsWith(unit)) mult = 1;
    else if ('minute'.startsWith(unit)) mult = 60;
    else if ('hour'.startsWith(unit)) mult = 3600;
    else if ('day'.startsWith(unit)) mult = 86400;
    else return false;
  }
  unitOf.set(m, mult);
  const r = atoll(rate);
  if (!r) return false;
  const tmp = Math.floor((HL_SCALE * mult) / r);
  if (tmp === 0) throw paramProblem(`Rate too fast "${rate}"\n`, 'RATE_TOO_FAST');
  m.avg = tmp;
  return true;
}

function parseBurst(burst: string): number {
  const err = () => paramProblem(`bad value for option "--hashlimit-burst", or out of range (1-${BURST_MAX}).`, 'BAD_VALUE');
  const [v, used] = strtoulPrefix(burst, 0);
  if (used === 0 || /^\s*-/.test(burst) || v < 1n || v > (1n << 64n) - 1n) throw err();
  const end = burst.slice(used);
  if (end === '' && v > BigInt(BURST_MAX)) throw err();
  return Number(v) * factor(end[0]);
}

function parseMode(arg: string): number | undefined {
  let mode = 0;
  for (const tok of arg.split(/[,|]/)) {
    if (tok === '') continue;
    if (tok === 'dstip') mode |= HL.DIP;
    else if (tok === 'srcip') mode |= HL.SIP;
    else if (tok === 'srcport') mode |= HL.SPT;
    else if (tok === 'dstport') mode |= HL.DPT;
    else return undefined;
  }
  return mode;
}

const RATES: readonly (readonly [string, number])[] = [
  ['day', HL_SCALE * 86400], ['hour', HL_SCALE * 3600], ['min', HL_SCALE * 60], ['sec', HL_SCALE],
];

/** print_rate: the text (with its leading space) and the quantum in ms. */
function printRate(period: number): [string, number] {
  if (period === 0) return [' inf', 0];
  let i = 1;
  for (; i < RATES.length; i++) {
    const mult = RATES[i]![1];
    if (period > mult || Math.floor(mult / period) < mult % period) break;
  }
  const [name, mult] = RATES[i - 1]!;
  return [` ${Math.floor(mult / period)}/${name}`, (mult / HL_SCALE) * 1000];
}

const UNITS: readonly (readonly [string, number])[] = [['m', 1024 * 1024], ['k', 1024], ['', 1]];

/** print_bytes: the text and the quantum in ms. */
function printBytes(avg: number, burst: number, prefix: string): [string, number] {
  let r = costToBytes(avg);
  let i = 0;
  for (; i < UNITS.length - 1; i++) {
    const t = UNITS[i]![1];
    if (r >= t && bytesToCost(r - (r % t)) === avg) break;
  }
  let s = ` ${Math.floor(r / UNITS[i]![1])}${UNITS[i]![0]}b/s`;
  if (burst === 0) return [s, BYTE_EXPIRE * 1000];
  r *= burst;
  for (i = 0; i < UNITS.length - 1; i++) if (r >= UNITS[i]![1]) break;
  s += ` ${prefix}burst ${Math.floor(r / UNITS[i]![1])}${UNITS[i]![0]}b`;
  return [s, BYTE_EXPIRE_BURST * 1000];
}

function modeText(mode: number, sep: string): string {
  const out: string[] = [];
  if (mode & HL.SIP) out.push('srcip');
  if (mode & HL.SPT) out.push('srcport');
  if (mode & HL.DIP) out.push('dstip');
  if (mode & HL.DPT) out.push('dstport');
  return ` ${out.join(sep)}`;
}

function dump(m: HashlimitMatch, save: boolean): string {
  const p = save ? '--hashlimit-' : '';
  let s = save ? (m.mode & HL.INVERT ? ' --hashlimit-above' : ' --hashlimit-upto') : (m.mode & HL.INVERT ? ' limit: above' : ' limit: up to');
  let quantum: number;
  if (m.mode & HL.BYTES) {
    const [t, q] = printBytes(m.avg, m.burst, p);
    s += t; quantum = q;
  } else {
    const period = !save && m.interval !== 0 ? m.avg * m.interval : m.avg;
    const [t, q] = printRate(period);
    s += `${t} ${p}burst ${m.burst}`; quantum = q;
  }
  if (m.mode & (HL.SIP | HL.SPT | HL.DIP | HL.DPT)) s += ` ${p}mode${modeText(m.mode, save ? ',' : '-')}`;
  if (save) s += ` --hashlimit-name ${m.hashName}`;
  const h = save ? '--hashlimit-htable-' : 'htable-';
  if (m.size) s += ` ${h}size ${m.size}`;
  if (m.max) s += ` ${h}max ${m.max}`;
  if (m.gcInterval !== GC_DEFAULT) s += ` ${h}gcinterval ${m.gcInterval}`;
  if (m.expire !== quantum) s += ` ${h}expire ${m.expire}`;
  if (m.srcmask !== 32) s += ` ${p}srcmask ${m.srcmask}`;
  if (m.dstmask !== 32) s += ` ${p}dstmask ${m.dstmask}`;
  if (m.mode & HL.RATE_MATCH) {
    s += ` ${p}rate-match`;
    if (m.interval !== 1) s += ` ${p}rate-interval ${m.interval}`;
  }
  return s;
}

const CANON: Readonly<Record<string, string>> = { hashlimit: 'hashlimit-upto' };

export const hashlimitMatch: MatchExt<HashlimitMatch> = {
  name: 'hashlimit',
  bind: (m, _rule, env) => bindHashlimit(m, env.host),
  options: [
    { name: 'hashlimit-upto', hasArg: true, invertible: true },
    { name: 'hashlimit-above', hasArg: true, invertible: true },
    { name: 'hashlimit', hasArg: true, invertible: true },
    ...['srcmask', 'dstmask', 'burst', 'htable-size', 'htable-max', 'htable-gcinterval', 'htable-expire', 'mode', 'name', 'rate-interval']
      .map((n) => ({ name: `hashlimit-${n}`, hasArg: true })),
    { name: 'hashlimit-rate-match', hasArg: false },
  ],
  init: () => ({
    name: 'hashlimit', hashName: '', mode: 0, avg: 0, burst: BURST_DEFAULT, size: 0, max: 0,
    gcInterval: GC_DEFAULT, expire: 0, srcmask: 32, dstmask: 32, interval: 0,
  }),
  parse(m, option, arg, invert) {
    const id = CANON[option] ?? option;
    once('hashlimit', m, id, option);
    const a = arg!;
    switch (id) {
      case 'hashlimit-upto':
      case 'hashlimit-above': {
        if ((id === 'hashlimit-upto') === invert) m.mode |= HL.INVERT;
        if (parseBytes(a, m)) m.mode |= HL.BYTES;
        else if (!parseRate(a, m)) throw badValue('hashlimit', id, a);
        break;
      }
      case 'hashlimit-burst': m.burst = parseBurst(a); break;
      case 'hashlimit-mode': {
        const mode = parseMode(a);
        if (mode === undefined) throw badValue('hashlimit', id, a);
        m.mode |= mode;
        break;
      }
      case 'hashlimit-srcmask': m.srcmask = parseUintOpt('hashlimit', id, a, 0, 32); break;
      case 'hashlimit-dstmask': m.dstmask = parseUintOpt('hashlimit', id, a, 0, 32); break;
      case 'hashlimit-htable-size': m.size = parseUintOpt('hashlimit', id, a, 0, U32); break;
      case 'hashlimit-htable-max': m.max = parseUintOpt('hashlimit', id, a, 0, U32); break;
      case 'hashlimit-htable-gcinterval': m.gcInterval = parseUintOpt('hashlimit', id, a, 0, U32); break;
      case 'hashlimit-htable-expire': m.expire = parseUintOpt('hashlimit', id, a, 0, U32); break;
      case 'hashlimit-name':
        // XTTYPE_STRING into char name[NAME_MAX].
        m.hashName = putString(a, 255, { min: 1 });
        checkBare('hashlimit', id, m.hashName);
        break;
      case 'hashlimit-rate-match': m.mode |= HL.RATE_MATCH; break;
      case 'hashlimit-rate-interval': {
        const r = Number(BigInt.asIntN(32, BigInt(atoll(a))));
        if (r <= 0) throw badValue('hashlimit', id, a);
        m.interval = r;
        break;
      }
    }
  },
  final(m) {
    if (!given(m, 'hashlimit-upto') && !given(m, 'hashlimit-above')) {
      throw paramProblem('You have to specify --hashlimit', 'MISSING_OPTION');
    }
    const unit = unitOf.get(m) ?? 1;
    if (!given(m, 'hashlimit-htable-expire')) m.expire = unit * 1000;
    if (m.mode & HL.BYTES) {
      let burst = 0;
      if (given(m, 'hashlimit-burst')) {
        const per = costToBytes(m.avg);
        if (m.burst < per) throw paramProblem(`burst cannot be smaller than ${per}b`, 'BAD_VALUE');
        burst = Math.floor(m.burst / per) + (m.burst % per ? 1 : 0);
        if (!given(m, 'hashlimit-htable-expire')) m.expire = BYTE_EXPIRE_BURST * 1000;
      }
      m.burst = burst >>> 0;
    } else if (m.burst > BURST_MAX) {
      throw paramProblem(`bad value for option "--hashlimit-burst", or out of range (1-${BURST_MAX}).`, 'BAD_VALUE');
    }
    if (m.mode & HL.RATE_MATCH) {
      if (!(m.mode & HL.BYTES)) m.avg = Math.floor(m.avg / unit);
      if (m.interval === 0) m.interval = m.mode & HL.BYTES ? 1 : unit;
    }
    fcheck('hashlimit', m, [
      { name: 'hashlimit-upto', excl: ['hashlimit-above'] }, { name: 'hashlimit-above', excl: ['hashlimit-upto'] },
      { name: 'hashlimit-name', mand: true },
    ]);
  },
  save: (m) => dump(m, true),
  print: (m) => dump(m, false),
  check(m) {
    // hashlimit_mt_check_common: no garbage collection or expiry interval, or an avg*burst overflow.
    if (m.gcInterval === 0 || m.expire === 0) throw kernelReject();
    needFileName(m.hashName);
    if (!(m.mode & HL.BYTES) && m.burst === 0) throw kernelReject('Numerical result out of range', 'KERNEL_ERANGE');
  },
};
