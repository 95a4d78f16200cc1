/**
 * -m set and -j SET (libxt_set.c / libxt_SET.c, libxt_set.h). Every set
 * option names an ipset set, which iptables resolves in the kernel while
 * parsing (get_set_byname). rawgate has no ipset sets, so every named set
 * "doesn't exist", as on a host with no sets defined: such a rule is refused
 * at parse time with iptables' own messages, after the argument checks that
 * come first.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt, ParseCtx, TargetExt } from './types.js';
import { seen } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -m set (revision 4 and lower share this shape). */
export interface SetMatch {
  name: 'set';
  setName: string;
  /** Direction flags per dimension: true = src. */
  dirs: boolean[];
  invert: boolean;
  /** IPSET_FLAG_* bits and counter tests (revision 3/4). */
  flags: number;
  returnNomatch: boolean; noUpdateCounters: boolean; noUpdateSubcounters: boolean;
  packets?: { op: number; value: bigint }; bytes?: { op: number; value: bigint };
}
declare module '../../rules/matches.js' {
  interface MatchTypes { set: SetMatch; }
}
declare module '../../rules/targets.js' {
  interface TargetTypes { SET: SetTarget; }
}

/** -j SET. */
export interface SetTarget {
  kind: 'SET';
  add?: { name: string; dirs: boolean[] };
  del?: { name: string; dirs: boolean[] };
  map?: { name: string; dirs: boolean[] };
  timeout: number;
  flags: number;
}

const IPSET_MAXNAMELEN = 32;

/** Name then FLAGS (the second word, which must not look like an option). */
function namedSet(option: string, name: string, ctx: ParseCtx): never {
  const next = ctx.peekArg();
  if (next === undefined || next.startsWith('-') || next.startsWith('!')) throw paramProblem(`--${option} requires two args.`, 'MISSING_ARG');
  if (Buffer.byteLength(name) > IPSET_MAXNAMELEN - 1) {
    throw paramProblem(`setname \`${name}' too long, max ${IPSET_MAXNAMELEN - 1} characters.`, 'BAD_VALUE');
  }
  throw paramProblem(`Set ${name} doesn't exist.\n`, 'NO_SUCH_SET');
}

export const setMatch: MatchExt<SetMatch> = {
  name: 'set',
  bind: (m) => {
    throw new BindError(`match '${m.name}' cannot be evaluated: it needs ipset sets, which rawgate does not have`);
  },
  options: [
    { name: 'match-set', hasArg: true, invertible: true },
    { name: 'set', hasArg: true, invertible: true },
    { name: 'return-nomatch', hasArg: false },
    { name: 'update-counters', hasArg: false },
    { name: 'update-subcounters', hasArg: false },
    { name: 'packets-eq', hasArg: true, invertible: true },
    { name: 'packets-lt', hasArg: true },
    { name: 'packets-gt', hasArg: true },
    { name: 'bytes-eq', hasArg: true, invertible: true },
    { name: 'bytes-lt', hasArg: true },
    { name: 'bytes-gt', hasArg: true },
  ],
  init: () => ({ name: 'set', setName: '', dirs: [], invert: false, flags: 0, returnNomatch: false, noUpdateCounters: false, noUpdateSubcounters: false }),
  parse(m, option, arg, invert, ctx) {
    if (option === 'match-set' || option === 'set') {
      if (seen(m).has('match-set')) throw paramProblem('--match-set can be specified only once', 'DUP_OPTION');
      seen(m).add('match-set');
      namedSet('match-set', arg!, ctx);
    }
    seen(m).add(option);
  },
  final(m) {
    if (!seen(m).has('match-set')) throw paramProblem('You must specify `--match-set\' with proper arguments', 'MISSING_OPTION');
  },
  save: () => '',
  print: () => '',
};

export const setTarget: TargetExt<SetTarget> = {
  name: 'SET',
  bind: (t) => {
    throw new BindError(`target '${t.kind}' cannot be evaluated: it needs ipset sets, which rawgate does not have`);
  },
  options: [
    { name: 'add-set', hasArg: true },
    { name: 'del-set', hasArg: true },
    { name: 'map-set', hasArg: true },
    { name: 'timeout', hasArg: true },
    { name: 'exist', hasArg: false },
    { name: 'map-mark', hasArg: false },
    { name: 'map-prio', hasArg: false },
    { name: 'map-queue', hasArg: false },
  ],
  init: () => ({ kind: 'SET', timeout: 0, flags: 0 }),
  parse(t, option, arg, _invert, ctx) {
    if (option === 'add-set' || option === 'del-set' || option === 'map-set') namedSet(option, arg!, ctx);
    seen(t).add(option);
  },
  final(t) {
    const s = seen(t);
    if (!s.has('add-set') && !s.has('del-set') && !s.has('map-set')) {
      throw paramProblem('You must specify either `--add-set\' or `--del-set\'', 'MISSING_OPTION');
    }
  },
  save: () => '',
  print: () => '',
};
