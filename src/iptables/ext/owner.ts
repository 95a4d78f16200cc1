/**
 * -m owner (libxt_owner.c, revision 1): --uid-owner / --gid-owner (a name or
 * a range a[-b]), --socket-exists (each "!"-able) and --suppl-groups (after
 * --gid-owner). Only in OUTPUT and POSTROUTING. User and group names come from
 * a fixed table of Debian's base accounts, so parsing does not depend on the
 * host's /etc/passwd.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { needHooks } from './usage.js';
import { badValue, once, seen } from './xt-options.js';
import { matchOwner } from '../../rules/match/meta.js';

export interface OwnerMatch {
  name: 'owner';
  uid?: { lo: number; hi: number }; invUid?: boolean;
  gid?: { lo: number; hi: number }; invGid?: boolean;
  socketExists?: boolean; invSocketExists?: boolean;
  supplGroups?: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { owner: OwnerMatch; }
}

const USERS: readonly (readonly [string, number])[] = [
  ['root', 0], ['daemon', 1], ['bin', 2], ['sys', 3], ['sync', 4], ['games', 5], ['man', 6], ['lp', 7], ['mail', 8],
  ['news', 9], ['uucp', 10], ['proxy', 13], ['www-data', 33], ['backup', 34], ['list', 38], ['irc', 39], ['nobody', 65534],
];
const GROUPS: readonly (readonly [string, number])[] = [
  ['root', 0], ['daemon', 1], ['bin', 2], ['sys', 3], ['adm', 4], ['tty', 5], ['disk', 6], ['lp', 7], ['mail', 8],
  ['news', 9], ['uucp', 10], ['man', 12], ['proxy', 13], ['kmem', 15], ['dialout', 20], ['fax', 21], ['voice', 22],
  ['cdrom', 24], ['floppy', 25], ['tape', 26], ['sudo', 27], ['audio', 29], ['dip', 30], ['www-data', 33],
  ['backup', 34], ['operator', 37], ['list', 38], ['irc', 39], ['src', 40], ['shadow', 42], ['utmp', 43],
  ['video', 44], ['sasl', 45], ['plugdev', 46], ['staff', 50], ['games', 60], ['users', 100], ['nogroup', 65534],
];

const UINT_MAX_1 = 0xfffffffe;

function parseId(arg: string, opt: string, names: typeof USERS): { lo: number; hi: number } {
  const named = names.find(([n]) => n === arg);
  if (named) return { lo: named[1], hi: named[1] };
  const m = /^(\d+)(?:[-:](\d+))?$/.exec(arg);
  if (!m) throw badValue('owner', opt.slice(2), arg);
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo;
  if (lo > UINT_MAX_1 || hi > UINT_MAX_1) throw badValue('owner', opt.slice(2), arg);
  return { lo, hi };
}

function item(r: { lo: number; hi: number }, numeric: boolean, names: typeof USERS): string {
  if (r.lo !== r.hi) return ` ${r.lo}-${r.hi}`;
  const n = numeric ? undefined : names.find(([, id]) => id === r.lo);
  return ` ${n ? n[0] : r.lo}`;
}

function dump(m: OwnerMatch, numeric: boolean, labels: readonly [string, string, string, string]): string {
  const inv = (b: boolean | undefined) => (b ? ' !' : '');
  let s = '';
  if (m.socketExists) s += `${inv(m.invSocketExists)} ${labels[0]}`;
  if (m.uid) s += `${inv(m.invUid)} ${labels[1]}${item(m.uid, numeric, USERS)}`;
  if (m.gid) s += `${inv(m.invGid)} ${labels[2]}${item(m.gid, numeric, GROUPS)}`;
  if (m.supplGroups) s += ` ${labels[3]}`;
  return s;
}

export const ownerMatch: MatchExt<OwnerMatch> = {
  name: 'owner',
  bind: (m) => (ctx) => matchOwner(m, ctx),
  options: [
    { name: 'uid-owner', hasArg: true, invertible: true },
    { name: 'gid-owner', hasArg: true, invertible: true },
    { name: 'socket-exists', hasArg: false, invertible: true },
    { name: 'suppl-groups', hasArg: false },
  ],
  init: () => ({ name: 'owner' }),
  parse(m, option, arg, invert) {
    once('owner', m, option);
    switch (option) {
      case 'uid-owner': m.uid = parseId(arg!, '--uid-owner', USERS); m.invUid = invert; break;
      case 'gid-owner': m.gid = parseId(arg!, '--gid-owner', GROUPS); m.invGid = invert; break;
      case 'socket-exists': m.socketExists = true; m.invSocketExists = invert; break;
      case 'suppl-groups':
        if (!m.gid) throw paramProblem('owner: Bad value for "--suppl-groups" option: "you need to use --gid-owner first"', 'BAD_VALUE');
        m.supplGroups = true;
        break;
    }
  },
  final(m) {
    if (seen(m).size === 0) throw paramProblem('owner: At least one of --uid-owner, --gid-owner or --socket-exists is required', 'MISSING_OPTION');
  },
  save: (m) => dump(m, true, ['--socket-exists', '--uid-owner', '--gid-owner', '--suppl-groups']),
  print: (m, numeric) => dump(m, numeric, ['owner socket exists', 'owner UID match', 'owner GID match', 'incl. suppl. groups']),
  check: (m, rule, use) => needHooks(use, ['OUTPUT', 'POSTROUTING']),
};
