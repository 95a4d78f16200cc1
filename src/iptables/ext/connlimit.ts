/**
 * -m connlimit (libxt_connlimit.c, revision 1): [!] --connlimit-upto N or
 * [!] --connlimit-above N (one of them; "upto" is stored as the kernel's
 * inverted "above"), --connlimit-mask 0..32 (default 32),
 * --connlimit-saddr (default) / --connlimit-daddr. Save always names mask
 * and side. Counting follows nf_conncount (see bind).
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, given, once, parseUintOpt } from './xt-options.js';

/** Connections per address group: matches above `limit` (or up to it when `upto`). */
export interface ConnlimitMatch { name: 'connlimit'; limit: number; upto: boolean; maskLen: number; daddr: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { connlimit: ConnlimitMatch; }
}

export const connlimitMatch: MatchExt<ConnlimitMatch> = {
  name: 'connlimit',
  bind: (m, _rule, env) => {
    // xt_connlimit over nf_conncount: per address group, the live connections
    // seen by this rule (the packet's own included); dead and closed ones are
    // pruned as the group is walked. A group's list is a flat [slot, id, ...]
    // array: it grows only when a group gets a new connection.
    const ct = env.host.ctInfo;
    const mask = m.maskLen === 0 ? 0 : (0xffffffff << (32 - m.maskLen)) >>> 0;
    const groups = new Map<number, number[]>();
    return (ctx) => {
      const slot = ctx.ctIndex;
      if (slot < 0) return false;
      const key = ((m.daddr ? ctx.daddr : ctx.saddr) & mask) >>> 0;
      let list = groups.get(key);
      if (list === undefined) {
        list = [];
        groups.set(key, list);
      }
      const myId = ct.liveId(slot);
      let present = false, w = 0;
      for (let r = 0; r < list.length; r += 2) {
        const s = list[r]!, id = list[r + 1]!;
        if (ct.liveId(s) !== id) continue;
        if (s === slot) present = true;
        list[w++] = s;
        list[w++] = id;
      }
      list.length = w;
      if (!present && myId !== 0) list.push(slot, myId);
      if (w === 0 && list.length === 0) groups.delete(key);
      return (list.length >> 1 > m.limit) !== m.upto;
    };
  },
  options: [
    { name: 'connlimit-upto', hasArg: true, invertible: true },
    { name: 'connlimit-above', hasArg: true, invertible: true },
    { name: 'connlimit-mask', hasArg: true },
    { name: 'connlimit-saddr', hasArg: false },
    { name: 'connlimit-daddr', hasArg: false },
  ],
  init: () => ({ name: 'connlimit', limit: 0, upto: false, maskLen: 32, daddr: false }),
  parse(m, option, arg, invert) {
    once('connlimit', m, option);
    switch (option) {
      case 'connlimit-upto':
        m.limit = parseUintOpt('connlimit', option, arg!, 0, 0xffffffff);
        if (!invert) m.upto = true;
        break;
      case 'connlimit-above':
        m.limit = parseUintOpt('connlimit', option, arg!, 0, 0xffffffff);
        if (invert) m.upto = true;
        break;
      case 'connlimit-mask': m.maskLen = parseUintOpt('connlimit', option, arg!, 0, 32); break;
      case 'connlimit-saddr': m.daddr = false; break;
      case 'connlimit-daddr': m.daddr = true; break;
    }
  },
  final(m) {
    if (!given(m, 'connlimit-upto') && !given(m, 'connlimit-above')) {
      throw paramProblem('You must specify "--connlimit-above" or "--connlimit-upto".', 'MISSING_OPTION');
    }
    fcheck('connlimit', m, [
      { name: 'connlimit-upto', excl: ['connlimit-above'] }, { name: 'connlimit-above', excl: ['connlimit-upto'] },
      { name: 'connlimit-saddr', excl: ['connlimit-daddr'] }, { name: 'connlimit-daddr', excl: ['connlimit-saddr'] },
    ]);
  },
  save: (m) => ` --connlimit-${m.upto ? 'upto' : 'above'} ${m.limit} --connlimit-mask ${m.maskLen} --connlimit-${m.daddr ? 'daddr' : 'saddr'}`,
  print: (m) => ` #conn ${m.daddr ? 'dst' : 'src'}/${m.maskLen} ${m.upto ? '<=' : '>'} ${m.limit}`,
};
