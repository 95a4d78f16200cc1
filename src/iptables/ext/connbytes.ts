/**
 * -m connbytes (libxt_connbytes.c): [!] --connbytes from[:to] (u64 range,
 * mandatory), --connbytes-dir original|reply|both and --connbytes-mode
 * packets|bytes|avgpkt (both mandatory). "!" is stored the kernel's way, as
 * from > to (the bounds swapped), and printed back as " !". Counts come
 * from the connection's accounting (packets and bytes per direction).
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, once, parseU64Range, U64_MAX } from './xt-options.js';

/** Conntrack accounting; from > to means "!" (the kernel's form). u64 decimal text. */
export interface ConnbytesMatch {
  name: 'connbytes';
  from: string; to: string;
  dir: 'original' | 'reply' | 'both';
  mode: 'packets' | 'bytes' | 'avgpkt';
}

declare module '../../rules/matches.js' {
  interface MatchTypes { connbytes: ConnbytesMatch; }
}

function fromTo(m: ConnbytesMatch, pfx: string): string {
  let from = BigInt(m.from), to = BigInt(m.to), s = '';
  if (from > to) { s = ' !'; [from, to] = [to, from]; }
  s += ` ${pfx}connbytes ${from}`;
  if (to !== 0n && to < U64_MAX) s += `:${to}`;
  return s;
}

export const connbytesMatch: MatchExt<ConnbytesMatch> = {
  name: 'connbytes',
  bind: (m, _rule, env) => {
    // xt_connbytes: the count of the connection in the chosen direction(s); from > to is the inverted range.
    const ct = env.host.ctInfo;
    const from = Number(BigInt(m.from) > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : BigInt(m.from));
    const to = Number(BigInt(m.to) > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : BigInt(m.to));
    const orig = m.dir !== 'reply', reply = m.dir !== 'original';
    const mode = m.mode;
    return (ctx) => {
      if (!ct.has(ctx)) return false;
      let what: number;
      const pk = (orig ? ct.packets(ctx, 0) : 0) + (reply ? ct.packets(ctx, 1) : 0);
      if (mode === 'packets') what = pk;
      else {
        const by = (orig ? ct.bytes(ctx, 0) : 0) + (reply ? ct.bytes(ctx, 1) : 0);
        what = mode === 'bytes' ? by : pk !== 0 ? Math.floor(by / pk) : 0;
      }
      return to >= from ? what <= to && what >= from : what < to || what > from;
    };
  },
  options: [
    { name: 'connbytes', hasArg: true, invertible: true },
    { name: 'connbytes-dir', hasArg: true },
    { name: 'connbytes-mode', hasArg: true },
  ],
  init: () => ({ name: 'connbytes', from: '0', to: '0', dir: 'original', mode: 'packets' }),
  parse(m, option, arg, invert) {
    once('connbytes', m, option);
    switch (option) {
      case 'connbytes': {
        const v = parseU64Range('connbytes', option, arg!);
        const from = v[0]!, to = v.length === 2 ? v[1]! : U64_MAX;
        if (to < from) throw paramProblem(`${from} should be less than ${to}`, 'BAD_VALUE');
        [m.from, m.to] = invert ? [String(to), String(from)] : [String(from), String(to)];
        break;
      }
      case 'connbytes-dir':
        if (arg !== 'original' && arg !== 'reply' && arg !== 'both') {
          throw paramProblem(`Unknown --connbytes-dir \`${arg}'`, 'BAD_VALUE');
        }
        m.dir = arg;
        break;
      case 'connbytes-mode':
        if (arg !== 'packets' && arg !== 'bytes' && arg !== 'avgpkt') {
          throw paramProblem(`Unknown --connbytes-mode \`${arg}'`, 'BAD_VALUE');
        }
        m.mode = arg;
        break;
    }
  },
  final: (m) => fcheck('connbytes', m, [
    { name: 'connbytes', mand: true }, { name: 'connbytes-dir', mand: true }, { name: 'connbytes-mode', mand: true },
  ]),
  save: (m) => `${fromTo(m, '--')} --connbytes-mode ${m.mode} --connbytes-dir ${m.dir}`,
  print: (m) => `${fromTo(m, '')} connbytes mode ${m.mode} connbytes direction ${m.dir}`,
};
