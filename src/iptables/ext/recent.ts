/**
 * -m recent (libxt_recent.c, revision 1): one of --set/--rcheck/--update/
 * --remove ("!"-able), --seconds, --reap (needs --seconds), --hitcount,
 * --rttl (not with --set/--remove), --name (default DEFAULT, cut to 199 bytes;
 * saved bare, so no whitespace or '"': string-value.ts; the kernel files it
 * under /proc), --rsource/--rdest, --mask. Save always prints name, mask and side.
 */
import { formatAddr, numericToAddr } from '../addr.js';
import { paramProblem } from '../errors.js';
import { hostByName } from '../names/names.js';
import { checkBare, putString } from '../string-value.js';
import type { MatchExt } from './types.js';
import { needFileName } from './usage.js';
import { fcheck, given, once, parseUintOpt } from './xt-options.js';
import { matchRecent } from '../../rules/match/recent.js';

export interface RecentMatch {
  name: 'recent';
  mode: 'set' | 'rcheck' | 'update' | 'remove';
  invert: boolean;
  seconds: number; reap: boolean; hitcount: number; rttl: boolean;
  listName: string;
  mask: number;
  side: 'source' | 'dest';
}

declare module '../../rules/matches.js' {
  interface MatchTypes { recent: RecentMatch; }
}

const OPS = ['set', 'rcheck', 'update', 'remove'] as const;
const MODE_TEXT = { set: 'SET', rcheck: 'CHECK', update: 'UPDATE', remove: 'REMOVE' } as const;

export const recentMatch: MatchExt<RecentMatch> = {
  name: 'recent',
  bind: (m, _rule, env) => {
    const host = env.host;
    const table = env.recent.get(m.listName, m.hitcount);
    return (ctx) => matchRecent(m, table, ctx, host);
  },
  options: [
    ...OPS.map((name) => ({ name, hasArg: false, invertible: true })),
    { name: 'seconds', hasArg: true }, { name: 'reap', hasArg: false }, { name: 'hitcount', hasArg: true },
    { name: 'rttl', hasArg: false }, { name: 'name', hasArg: true }, { name: 'rsource', hasArg: false },
    { name: 'rdest', hasArg: false }, { name: 'mask', hasArg: true },
  ],
  init: () => ({
    name: 'recent', mode: 'set', invert: false, seconds: 0, reap: false, hitcount: 0, rttl: false,
    listName: 'DEFAULT', mask: 0xffffffff, side: 'source',
  }),
  parse(m, option, arg, invert) {
    once('recent', m, option);
    switch (option) {
      case 'set': case 'rcheck': case 'update': case 'remove':
        m.mode = option;
        if (invert) m.invert = true;
        break;
      case 'seconds': m.seconds = parseUintOpt('recent', 'seconds', arg!, 1, 0xffffffff); break;
      case 'reap': m.reap = true; break;
      case 'hitcount': m.hitcount = parseUintOpt('recent', 'hitcount', arg!, 0, 0xffffffff); break;
      case 'rttl': m.rttl = true; break;
      case 'name':
        m.listName = putString(arg!, 200);
        // An empty name is the kernel's refusal (check), not a save problem.
        if (m.listName !== '') checkBare('recent', 'name', m.listName);
        break;
      case 'rsource': m.side = 'source'; break;
      case 'rdest': m.side = 'dest'; break;
      case 'mask': {
        const a = numericToAddr(arg!) ?? hostByName(arg!);
        if (a === undefined) throw paramProblem(`host/network \`${arg}' not found`, 'BAD_HOST');
        m.mask = a;
        break;
      }
    }
  },
  final(m) {
    if (!OPS.some((o) => given(m, o))) {
      throw paramProblem("recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'", 'MISSING_OPTION');
    }
    fcheck('recent', m, [
      ...OPS.map((name) => ({ name, excl: OPS })),
      { name: 'reap', also: ['seconds'] },
      { name: 'rttl', excl: ['set', 'remove'] },
    ]);
  },
  save(m) {
    let s = `${m.invert ? ' !' : ''} --${m.mode}`;
    if (m.seconds) s += ` --seconds ${m.seconds}`;
    if (m.reap) s += ' --reap';
    if (m.hitcount) s += ` --hitcount ${m.hitcount}`;
    if (m.rttl) s += ' --rttl';
    s += ` --name ${m.listName} --mask ${formatAddr(m.mask)}`;
    return s + (m.side === 'source' ? ' --rsource' : ' --rdest');
  },
  print(m) {
    let s = `${m.invert ? ' !' : ''} recent: ${MODE_TEXT[m.mode]}`;
    if (m.seconds) s += ` seconds: ${m.seconds}`;
    if (m.reap) s += ' reap';
    if (m.hitcount) s += ` hit_count: ${m.hitcount}`;
    if (m.rttl) s += ' TTL-Match';
    s += ` name: ${m.listName} side: ${m.side} mask: ${formatAddr(m.mask)}`;
    return s;
  },
  check: (m) => needFileName(m.listName),
};
