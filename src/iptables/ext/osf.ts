/**
 * -m osf (libxt_osf.c): [!] --genre NAME (mandatory, cut to 31 bytes; saved
 * bare, so not empty and no whitespace or '"': string-value.ts),
 * --ttl 0..2, --log 0..2. Kernel: -p tcp; INPUT, PREROUTING, FORWARD.
 */
import { checkBare, putString } from '../string-value.js';
import type { MatchExt } from './types.js';
import { needHooks, needProto } from './usage.js';
import { fcheck, once, parseUintOpt } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

export interface OsfMatch {
  name: 'osf';
  genre: string; invert: boolean;
  ttl?: number; log?: number;
}
declare module '../../rules/matches.js' {
  interface MatchTypes { osf: OsfMatch; }
}

export const osfMatch: MatchExt<OsfMatch> = {
  name: 'osf',
  bind: (m) => {
    throw new BindError(`match '${m.name}': osf cannot be evaluated: rawgate has no OS fingerprint database`);
  },
  options: [{ name: 'genre', hasArg: true, invertible: true }, { name: 'ttl', hasArg: true }, { name: 'log', hasArg: true }],
  init: () => ({ name: 'osf', genre: '', invert: false }),
  parse(m, option, arg, invert) {
    once('osf', m, option);
    if (option === 'genre') {
      m.genre = putString(arg!, 32);
      checkBare('osf', option, m.genre);
      if (invert) m.invert = true;
    } else if (option === 'ttl') {
      m.ttl = parseUintOpt('osf', option, arg!, 0, 2);
    } else {
      m.log = parseUintOpt('osf', option, arg!, 0, 2);
    }
  },
  final: (m) => fcheck('osf', m, [{ name: 'genre', mand: true }]),
  save: (m) =>
    `${m.invert ? ' !' : ''} --genre ${m.genre}${m.ttl !== undefined ? ` --ttl ${m.ttl}` : ''}${m.log !== undefined ? ` --log ${m.log}` : ''}`,
  print: (m) => ` OS fingerprint match ${m.invert ? '! ' : ''}${m.genre}`,
  check(m, rule, use) {
    needProto(rule, 6);
    needHooks(use, ['INPUT', 'PREROUTING', 'FORWARD']);
  },
};
