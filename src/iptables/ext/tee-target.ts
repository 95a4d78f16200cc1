/**
 * -j TEE (libxt_TEE.c, revision 1): --gateway HOST (XTTYPE_HOST, mandatory:
 * an inet_aton form or a name), --oif NAME (string, cut to 15 bytes; saved
 * bare when not empty, so no whitespace or '"': string-value.ts). Save
 * prints the gateway numerically; -L names it unless -n. The kernel refuses
 * gateway 0.0.0.0 (tee_tg_check).
 */
import { formatAddr } from '../addr.js';
import { kernelReject, paramProblem } from '../errors.js';
import { checkBare, putString } from '../string-value.js';
import { addrToName } from '../names/names.js';
import { parseHostMask } from './conntrack.js';
import type { TargetExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -j TEE: clone to a gateway. */
export interface TeeTarget { kind: 'TEE'; gateway: number; oif: string }
declare module '../../rules/targets.js' {
  interface TargetTypes { TEE: TeeTarget; }
}

export const teeTarget: TargetExt<TeeTarget> = {
  name: 'TEE',
  bind: (t) => {
    throw new BindError(`target '${t.kind}': TEE cannot be evaluated: rawgate cannot clone a packet to a gateway (no RuleHost API)`);
  },
  options: [{ name: 'gateway', hasArg: true }, { name: 'oif', hasArg: true }],
  init: () => ({ kind: 'TEE', gateway: 0, oif: '' }),
  parse(t, option, arg) {
    once('TEE', t, option);
    if (option === 'gateway') {
      if (arg!.includes('/')) throw paramProblem('getaddrinfo: Temporary failure in name resolution\n', 'BAD_HOST');
      t.gateway = parseHostMask('TEE', option, arg!).addr;
    } else {
      t.oif = putString(arg!, 16);
      // An empty name saves as nothing and reads back the same.
      if (t.oif !== '') checkBare('TEE', option, t.oif);
    }
  },
  final: (t) => fcheck('TEE', t, [{ name: 'gateway', mand: true }]),
  save: (t) => ` --gateway ${formatAddr(t.gateway)}${t.oif !== '' ? ` --oif ${t.oif}` : ''}`,
  print: (t, numeric) =>
    ` TEE gw:${numeric ? formatAddr(t.gateway) : (addrToName(t.gateway) ?? formatAddr(t.gateway))}${t.oif !== '' ? ` oif=${t.oif}` : ''}`,
  check: (t) => { if (t.gateway === 0) throw kernelReject(); },
};
