/**
 * -j TPROXY (libxt_TPROXY.c, revision 1, IPv4): --on-port PORT (mandatory,
 * number or service), --on-ip ADDR, --tproxy-mark VALUE[/MASK]. Saved with
 * every field (0.0.0.0 and 0x0/0x0 when not given). The kernel target
 * (xt_TPROXY) is mangle/PREROUTING only and needs -p tcp or -p udp.
 */
import { formatAddr, numericToAddr } from '../addr.js';
import { kernelReject, paramProblem } from '../errors.js';
import { hostByName, serviceToPort } from '../names/names.js';
import type { TargetExt } from './types.js';
import { needHooks, needTable } from './usage.js';
import { fcheck, hex, once, parseMarkMask, parseUlong } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -j TPROXY. */
export interface TproxyTarget {
  kind: 'TPROXY';
  mark: number;
  mask: number;
  laddr: number;
  lport: number;
  revision: number;
}
declare module '../../rules/targets.js' {
  interface TargetTypes { TPROXY: TproxyTarget; }
}


export const tproxyTarget: TargetExt<TproxyTarget> = {
  name: 'TPROXY',
  bind: (t) => {
    throw new BindError(`target '${t.kind}' cannot be evaluated: it needs transparent proxy sockets, which rawgate does not have`);
  },
  options: [{ name: 'on-port', hasArg: true }, { name: 'on-ip', hasArg: true }, { name: 'tproxy-mark', hasArg: true }],
  init: () => ({ kind: 'TPROXY', mark: 0, mask: 0, laddr: 0, lport: 0, revision: 1 }),
  parse(t, option, arg) {
    once('TPROXY', t, option);
    const a = arg!;
    if (option === 'on-port') {
      const p = parseUlong(a, 0, 0xffff) ?? serviceToPort(a);
      if (p === undefined) throw paramProblem(`TPROXY: bad value for option "--on-port", or out of range (0-65535).\n`, 'BAD_VALUE');
      t.lport = p;
    } else if (option === 'on-ip') {
      const ip = numericToAddr(a) ?? hostByName(a);
      if (ip === undefined) throw paramProblem(`TPROXY: could not resolve host "${a}"`, 'BAD_VALUE');
      t.laddr = ip;
    } else {
      const v = parseMarkMask('TPROXY', option, a);
      t.mark = v.value;
      t.mask = v.mask;
    }
  },
  final: (t) => fcheck('TPROXY', t, [{ name: 'on-port', mand: true }]),
  save: (t) => ` --on-port ${t.lport} --on-ip ${formatAddr(t.laddr)} --tproxy-mark ${hex(t.mark)}/${hex(t.mask)}`,
  print: (t) => ` TPROXY redirect ${formatAddr(t.laddr)}:${t.lport} mark ${hex(t.mark)}/${hex(t.mask)}`,
  check(_t, rule, use) {
    needTable(use, ['mangle']);
    needHooks(use, ['PREROUTING']);
    if ((rule.proto !== 6 && rule.proto !== 17) || rule.invProto) throw kernelReject();
  },
};
