/**
 * -m time (libxt_time.c): --datestart/--datestop YYYY[-MM[-DD[Thh[:mm[:ss]]]]]
 * (UTC seconds, years 1970..2038), --timestart/--timestop hh:mm[:ss],
 * [!] --monthdays 1,2,.. and [!] --weekdays Mon,..|1..7 ("!" flips the set),
 * --contiguous, --kerneltz (--localtz: same, with a warning), --utc.
 * Quirk kept: save prints --datestop unless it is 0, so the default
 * (INT_MAX) saves as "--datestop 2038-01-19T03:14:07"; -L hides it.
 */
import { IptablesError, paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';
import { unrestorableValue } from '../string-value.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { bindTime } from '../../rules/match/time.js';

export interface TimeMatch {
  name: 'time';
  /** UTC seconds (u32); defaults 0 and INT_MAX. */
  dateStart: number; dateStop: number;
  /** Seconds of the day, 0..86399. */
  daytimeStart: number; daytimeStop: number;
  /** Bit i = day i of the month (1..31) / weekday i (1 Mon .. 7 Sun). */
  monthdays: number; weekdays: number;
  kernelTz: boolean; contiguous: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { time: TimeMatch; }
}

export const ALL_MONTHDAYS = 0xfffffffe;
export const ALL_WEEKDAYS = 0xfe;
export const MAX_DAYTIME = 24 * 60 * 60 - 1;
const INT_MAX = 0x7fffffff;
const WEEK_DAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** strtoul(s, &e, base): value (huge for a negative number) and the rest. */
function strtoul(s: string, base: number): [number, string] {
  const [v, used] = strtoulPrefix(s, base);
  const n = v < 0n ? Number(BigInt.asUintN(64, v)) : Number(v);
  return [n, s.slice(used)];
}

function parseDate(os: string): number {
  const bad = () => paramProblem(`Invalid date "${os}" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`, 'BAD_VALUE');
  const f = [1970, 1, 1, 0, 0, 0];
  const seps = ['-', '-', 'T', ':', ':', ''];
  const lim = [Infinity, 12, 31, 23, 59, 59];
  let s = os;
  for (let k = 0; k < 6; k++) {
    const [v, e] = strtoul(s, 10);
    const ok = (e === '' || (seps[k] !== '' && e[0] === seps[k])) && (k > 0 ? v <= lim[k]! : v >= 1970 && v <= 2038);
    if (!ok) throw bad();
    f[k] = v;
    if (e === '') break;
    s = e.slice(1);
  }
  const t = Date.UTC(f[0]!, f[1]! - 1, f[2]!, f[3]!, f[4]!, f[5]!) / 1000;
  if (t < 0) throw new IptablesError('mktime returned an error', 1, 'BAD_VALUE', 'other');
  return t >>> 0;
}

function parseDaytime(os: string): number {
  let s = os;
  const bad = () => paramProblem(`invalid time "${s}" specified, should be hh:mm[:ss] format and within the boundaries`, 'BAD_VALUE');
  const [h, e1] = strtoul(s, 10);
  if (e1[0] !== ':' || h > 23) throw bad();
  s = e1.slice(1);
  const [m, e2] = strtoul(s, 10);
  if ((e2 !== '' && e2[0] !== ':') || m > 59) throw bad();
  if (e2 === '') return 3600 * h + 60 * m;
  s = e2.slice(1);
  const [sec, e3] = strtoul(s, 10);
  if (e3 !== '' || sec > 59) throw bad();
  return 3600 * h + 60 * m + sec;
}

/**
 * my_strseg: comma-separated segments, each cut to `max` bytes (snprintf into a
 * small buffer; a cut inside a UTF-8 character leaves U+FFFD, as a terminal
 * shows iptables' half character).
 */
function segments(arg: string, max: number): string[] {
  if (arg === '') return [];
  const out: string[] = [];
  let rest: string | undefined = arg;
  while (rest !== undefined && rest !== '') {
    const c: number = rest.indexOf(',');
    out.push(Buffer.from(c < 0 ? rest : rest.slice(0, c)).subarray(0, max).toString());
    rest = c < 0 ? undefined : rest.slice(c + 1);
  }
  return out;
}

function parseMonthdays(arg: string): number {
  let ret = 0;
  for (const day of segments(arg, 2)) {
    const [i, e] = strtoul(day, 0);
    if ((e !== '' && e[0] !== ',') || i > 31) throw paramProblem(`${day} is not a valid day for --monthdays`, 'BAD_VALUE');
    ret |= 1 << i;
  }
  return ret >>> 0;
}

function parseWeekdays(arg: string): number {
  let ret = 0;
  for (const day of segments(arg, 3)) {
    const [i, e] = strtoul(day, 0);
    if (e === '') {
      if (i === 0) throw paramProblem('No, the week does NOT begin with Sunday.', 'BAD_VALUE');
      ret |= 1 << (i & 31);
      continue;
    }
    let valid = false;
    for (let k = 1; k < WEEK_DAYS.length; k++) {
      if (day.slice(0, 2) === WEEK_DAYS[k]!.slice(0, 2)) { ret |= 1 << k; valid = true; }
    }
    if (!valid) throw paramProblem(`${day} is not a valid day specifier`, 'BAD_VALUE');
  }
  return ret >>> 0;
}

const p2 = (n: number) => String(n).padStart(2, '0');
const hms = (t: number) => `${p2(Math.floor(t / 3600))}:${p2(Math.floor(t / 60) % 60)}:${p2(t % 60)}`;

function date(t: number, sep: string): string {
  const d = new Date(t * 1000);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}${sep}${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

function weekdays(mask: number): string {
  const out: string[] = [];
  for (let i = 1; i <= 7; i++) if (mask & (1 << i)) out.push(WEEK_DAYS[i]!);
  return ` ${out.join(',')}`;
}

function monthdays(mask: number, human: boolean): string {
  const out: string[] = [];
  const sfx = ['th', 'st', 'nd', 'rd'];
  for (let i = 1; i <= 31; i++) if (mask & (1 << i)) out.push(`${i}${human ? sfx[i % 10] ?? 'th' : ''}`);
  return ` ${out.join(',')}`;
}

/**
 * A day set that is saved (not all days) must name a day: iptables takes "" (and
 * "," for --monthdays) and saves "--weekdays " with no day, which its restore
 * cannot read (string-value.ts).
 */
function needSavedDay(mask: number, all: number, option: string, arg: string): void {
  if (mask !== all && (mask & all) === 0) throw unrestorableValue('time', option, arg);
}

const daytimeSet = (m: TimeMatch) => m.daytimeStart !== 0 || m.daytimeStop !== MAX_DAYTIME;

export const timeMatch: MatchExt<TimeMatch> = {
  name: 'time',
  bind: (m, _rule, env) => bindTime(m, env.host),
  options: [
    { name: 'datestart', hasArg: true }, { name: 'datestop', hasArg: true },
    { name: 'timestart', hasArg: true }, { name: 'timestop', hasArg: true },
    { name: 'contiguous', hasArg: false },
    { name: 'weekdays', hasArg: true, invertible: true }, { name: 'monthdays', hasArg: true, invertible: true },
    { name: 'localtz', hasArg: false }, { name: 'utc', hasArg: false }, { name: 'kerneltz', hasArg: false },
  ],
  init: () => ({
    name: 'time', dateStart: 0, dateStop: INT_MAX, daytimeStart: 0, daytimeStop: MAX_DAYTIME,
    monthdays: ALL_MONTHDAYS, weekdays: ALL_WEEKDAYS, kernelTz: false, contiguous: false,
  }),
  parse(m, option, arg, invert, ctx) {
    once('time', m, option);
    switch (option) {
      case 'datestart': m.dateStart = parseDate(arg!); break;
      case 'datestop': m.dateStop = parseDate(arg!); break;
      case 'timestart': m.daytimeStart = parseDaytime(arg!); break;
      case 'timestop': m.daytimeStop = parseDaytime(arg!); break;
      case 'contiguous': m.contiguous = true; break;
      case 'localtz':
        ctx.warn('WARNING: --localtz is being replaced by --kerneltz, since "local" is ambiguous. Note the kernel timezone has caveats - see manpage for details.\n');
        m.kernelTz = true;
        break;
      case 'kerneltz': m.kernelTz = true; break;
      case 'utc': break;
      case 'monthdays':
        m.monthdays = (parseMonthdays(arg!) ^ (invert ? ALL_MONTHDAYS : 0)) >>> 0;
        needSavedDay(m.monthdays, ALL_MONTHDAYS, option, arg!);
        break;
      case 'weekdays':
        m.weekdays = (parseWeekdays(arg!) ^ (invert ? ALL_WEEKDAYS : 0)) >>> 0;
        needSavedDay(m.weekdays, ALL_WEEKDAYS, option, arg!);
        break;
    }
  },
  final(m) {
    if (m.contiguous && m.daytimeStart < m.daytimeStop) {
      throw paramProblem('time: --contiguous only makes sense when stoptime is smaller than starttime', 'BAD_VALUE');
    }
    fcheck('time', m, [
      { name: 'localtz', excl: ['utc'] }, { name: 'utc', excl: ['localtz', 'kerneltz'] }, { name: 'kerneltz', excl: ['utc'] },
    ]);
  },
  save(m) {
    let s = '';
    if (daytimeSet(m)) s += ` --timestart ${hms(m.daytimeStart)} --timestop ${hms(m.daytimeStop)}`;
    if (m.monthdays !== ALL_MONTHDAYS) s += ` --monthdays${monthdays(m.monthdays, false)}`;
    if (m.weekdays !== ALL_WEEKDAYS) s += ` --weekdays${weekdays(m.weekdays)}`;
    if (m.dateStart !== 0) s += ` --datestart ${date(m.dateStart, 'T')}`;
    if (m.dateStop !== 0) s += ` --datestop ${date(m.dateStop, 'T')}`;
    if (m.kernelTz) s += ' --kerneltz';
    if (m.contiguous) s += ' --contiguous';
    return s;
  },
  print(m) {
    let s = ' TIME';
    if (daytimeSet(m)) s += ` from ${hms(m.daytimeStart)} to ${hms(m.daytimeStop)}`;
    if (m.weekdays !== ALL_WEEKDAYS) s += ` on${weekdays(m.weekdays)}`;
    if (m.monthdays !== ALL_MONTHDAYS) s += ` on${monthdays(m.monthdays, true)}`;
    if (m.dateStart !== 0) s += ` starting from ${date(m.dateStart, ' ')}`;
    if (m.dateStop !== INT_MAX) s += ` until date ${date(m.dateStop, ' ')}`;
    if (!m.kernelTz) s += ' UTC';
    if (m.contiguous) s += ' contiguous';
    return s;
  },
};
