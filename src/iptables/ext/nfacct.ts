/**
 * -m nfacct (libxt_nfacct.c): --nfacct-name NAME (mandatory, 1..31 bytes, no
 * newline). The kernel looks the accounting object up when the rule is
 * committed; rawgate has no nfacct objects (no nfnetlink_acct), so every
 * rule is refused as the kernel refuses an unknown name: ENOENT.
 */
import { kernelReject, paramProblem } from '../errors.js';
import { putString, saveString } from '../string-value.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

export interface NfacctMatch { name: 'nfacct'; acctName: string }
declare module '../../rules/matches.js' {
  interface MatchTypes { nfacct: NfacctMatch; }
}

export const nfacctMatch: MatchExt<NfacctMatch> = {
  name: 'nfacct',
  bind: (m) => {
    throw new BindError(`match '${m.name}': nfacct cannot be evaluated: rawgate has no nfacct accounting objects`);
  },
  options: [{ name: 'nfacct-name', hasArg: true }],
  init: () => ({ name: 'nfacct', acctName: '' }),
  parse(m, option, arg) {
    once('nfacct', m, option);
    m.acctName = putString(arg!, 32, { min: 1 });
    if (arg!.includes('\n')) throw paramProblem('Newlines not allowed in --nfacct-name', 'BAD_VALUE');
  },
  final: (m) => fcheck('nfacct', m, [{ name: 'nfacct-name', mand: true }]),
  save: (m) => ` --nfacct-name${saveString(m.acctName)}`,
  print: (m) => ` nfacct-name${saveString(m.acctName)}`,
  check: () => { throw kernelReject('No such file or directory', 'KERNEL_ENOENT'); },
};
