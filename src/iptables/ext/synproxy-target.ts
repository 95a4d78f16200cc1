/**
 * -j SYNPROXY (libxt_SYNPROXY.c): --sack-perm, --timestamp, --wscale N,
 * --mss N, --ecn (xt_synproxy_info: wscale u8, mss u16). The kernel target
 * (ipt_SYNPROXY) needs -p tcp and only runs from INPUT and FORWARD.
 */
import type { TargetExt } from './types.js';
import { needHooks, needProto } from './usage.js';
import { once, parseUintOpt } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -j SYNPROXY. */
export interface SynproxyTarget { kind: 'SYNPROXY'; options: number; mss: number; wscale: number }
declare module '../../rules/targets.js' {
  interface TargetTypes { SYNPROXY: SynproxyTarget; }
}

const OPT = { MSS: 1, WSCALE: 2, SACK_PERM: 4, TIMESTAMP: 8, ECN: 16 } as const;

export const synproxyTarget: TargetExt<SynproxyTarget> = {
  name: 'SYNPROXY',
  bind: (t) => {
    throw new BindError(`target '${t.kind}' cannot be evaluated: it needs the SYN proxy (answering SYNs with cookies on the server\'s behalf)`);
  },
  options: [
    { name: 'sack-perm', hasArg: false }, { name: 'timestamp', hasArg: false },
    { name: 'wscale', hasArg: true }, { name: 'mss', hasArg: true }, { name: 'ecn', hasArg: false },
  ],
  init: () => ({ kind: 'SYNPROXY', options: 0, mss: 0, wscale: 0 }),
  parse(t, option, arg) {
    once('SYNPROXY', t, option);
    switch (option) {
      case 'sack-perm': t.options |= OPT.SACK_PERM; break;
      case 'timestamp': t.options |= OPT.TIMESTAMP; break;
      case 'ecn': t.options |= OPT.ECN; break;
      case 'wscale': t.options |= OPT.WSCALE; t.wscale = parseUintOpt('SYNPROXY', option, arg!, 0, 0xffffffff) & 0xff; break;
      default: t.options |= OPT.MSS; t.mss = parseUintOpt('SYNPROXY', option, arg!, 0, 0xffffffff) & 0xffff;
    }
  },
  save(t) {
    let s = '';
    if (t.options & OPT.SACK_PERM) s += ' --sack-perm';
    if (t.options & OPT.TIMESTAMP) s += ' --timestamp';
    if (t.options & OPT.WSCALE) s += ` --wscale ${t.wscale}`;
    if (t.options & OPT.MSS) s += ` --mss ${t.mss}`;
    if (t.options & OPT.ECN) s += ' --ecn';
    return s;
  },
  print(t) {
    let s = ' SYNPROXY ';
    if (t.options & OPT.SACK_PERM) s += 'sack-perm ';
    if (t.options & OPT.TIMESTAMP) s += 'timestamp ';
    if (t.options & OPT.WSCALE) s += `wscale ${t.wscale} `;
    if (t.options & OPT.MSS) s += `mss ${t.mss} `;
    if (t.options & OPT.ECN) s += 'ecn ';
    return s;
  },
  check(_t, rule, use) {
    needProto(rule, 6);
    needHooks(use, ['INPUT', 'FORWARD']);
  },
};
