/**
 * -m socket (libxt_socket.c, revision 3): --transparent, --nowildcard,
 * --restore-skmark (each once). Kernel: PREROUTING and INPUT only.
 */
import type { MatchExt } from './types.js';
import { needHooks } from './usage.js';
import { once } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

export interface SocketMatch { name: 'socket'; transparent: boolean; nowildcard: boolean; restoreSkmark: boolean }
declare module '../../rules/matches.js' {
  interface MatchTypes { socket: SocketMatch; }
}

const save = (m: SocketMatch) =>
  `${m.transparent ? ' --transparent' : ''}${m.nowildcard ? ' --nowildcard' : ''}${m.restoreSkmark ? ' --restore-skmark' : ''}`;

export const socketMatch: MatchExt<SocketMatch> = {
  name: 'socket',
  bind: (m) => {
    throw new BindError(`match '${m.name}': socket cannot be evaluated: rawgate has no local socket table to look packets up in`);
  },
  options: [
    { name: 'transparent', hasArg: false }, { name: 'nowildcard', hasArg: false }, { name: 'restore-skmark', hasArg: false },
  ],
  init: () => ({ name: 'socket', transparent: false, nowildcard: false, restoreSkmark: false }),
  parse(m, option) {
    once('socket', m, option);
    if (option === 'transparent') m.transparent = true;
    else if (option === 'nowildcard') m.nowildcard = true;
    else m.restoreSkmark = true;
  },
  save,
  print: (m) => ` socket${save(m)}`,
  check: (m, rule, use) => needHooks(use, ['PREROUTING', 'INPUT']),
};
