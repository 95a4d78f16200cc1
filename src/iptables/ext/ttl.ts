/** -m ttl (libipt_ttl.c): exactly one of --ttl-eq (the only "!"-able one), --ttl-lt, --ttl-gt. */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, once, parseUintOpt, seen } from './xt-options.js';
import { matchTtl } from '../../rules/match/ip.js';

export interface TtlMatch { name: 'ttl'; mode: 'eq' | 'ne' | 'lt' | 'gt'; value: number }

declare module '../../rules/matches.js' {
  interface MatchTypes { ttl: TtlMatch; }
}

/** iptables' option table order, which decides the conflict message. */
const OPTS = ['ttl-lt', 'ttl-gt', 'ttl-eq'] as const;
const OP_TEXT = { eq: '==', ne: '!=', lt: '<', gt: '>' } as const;
const SAVE_TEXT = { eq: ' --ttl-eq', ne: ' ! --ttl-eq', lt: ' --ttl-lt', gt: ' --ttl-gt' } as const;

export const ttlMatch: MatchExt<TtlMatch> = {
  name: 'ttl',
  bind: (m) => (ctx) => matchTtl(m, ctx),
  quiet: true,
  options: [
    { name: 'ttl-lt', hasArg: true },
    { name: 'ttl-gt', hasArg: true },
    { name: 'ttl-eq', hasArg: true, invertible: true },
    // "--ttl" is an old spelling of --ttl-eq.
    { name: 'ttl', hasArg: true },
  ],
  init: () => ({ name: 'ttl', mode: 'eq', value: 0 }),
  parse(m, option, arg, invert) {
    const id = option === 'ttl' ? 'ttl-eq' : option;
    once('ttl', m, id, option);
    m.value = parseUintOpt('ttl', option, arg!, 0, 255);
    m.mode = id === 'ttl-eq' ? (invert ? 'ne' : 'eq') : id === 'ttl-lt' ? 'lt' : 'gt';
  },
  final(m) {
    if (seen(m).size === 0) {
      throw paramProblem("TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt", 'MISSING_OPTION');
    }
    fcheck('ttl', m, OPTS.map((name) => ({ name, excl: OPTS })));
  },
  save: (m) => `${SAVE_TEXT[m.mode]} ${m.value}`,
  print: (m) => ` TTL match TTL ${OP_TEXT[m.mode]} ${m.value}`,
};
