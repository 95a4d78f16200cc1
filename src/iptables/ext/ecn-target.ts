/**
 * -j ECN (libipt_ECN.c): --ecn-tcp-remove (clear ECE and CWR), --ecn-tcp-cwr
 * 0|1, --ecn-tcp-ece 0|1, --ecn-ip-ect 0..3. Clearing exactly the two TCP
 * bits (and nothing else) prints as the remove form. Mangle only; TCP bit changes need -p tcp.
 */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { needProto, needTable } from './usage.js';
import { fcheck, once, parseUintOpt, seen } from './xt-options.js';
import { targetEcn } from '../../rules/target/mangle.js';

/** -j ECN. */
export interface EcnTarget { kind: 'ECN'; removeEce: boolean; setCwr?: number; setEce?: number; ipEct?: number }

declare module '../../rules/targets.js' {
  interface TargetTypes { ECN: EcnTarget; }
}


const ece = (t: EcnTarget) => t.setEce ?? (t.removeEce ? 0 : undefined);
const cwr = (t: EcnTarget) => t.setCwr ?? (t.removeEce ? 0 : undefined);
/** The remove form is printed only when exactly the two TCP bits are cleared. */
const isRemove = (t: EcnTarget) => ece(t) === 0 && cwr(t) === 0 && t.ipEct === undefined;

export const ecnTarget: TargetExt<EcnTarget> = {
  name: 'ECN',
  bind: (t) => (ctx) => targetEcn(t, ctx),
  options: [
    { name: 'ecn-tcp-remove', hasArg: false }, { name: 'ecn-tcp-cwr', hasArg: true },
    { name: 'ecn-tcp-ece', hasArg: true }, { name: 'ecn-ip-ect', hasArg: true },
  ],
  init: () => ({ kind: 'ECN', removeEce: false }),
  parse(t, option, arg) {
    once('ECN', t, option);
    switch (option) {
      case 'ecn-tcp-remove': t.removeEce = true; break;
      case 'ecn-tcp-cwr': t.setCwr = parseUintOpt('ECN', option, arg!, 0, 1); break;
      case 'ecn-tcp-ece': t.setEce = parseUintOpt('ECN', option, arg!, 0, 1); break;
      case 'ecn-ip-ect': t.ipEct = parseUintOpt('ECN', option, arg!, 0, 3); break;
    }
  },
  final(t) {
    if (seen(t).size === 0) throw paramProblem('ECN target: An operation is required', 'MISSING_OPTION');
    fcheck('ECN', t, [{ name: 'ecn-tcp-remove', excl: ['ecn-tcp-ece', 'ecn-tcp-cwr'] }]);
  },
  save(t) {
    let s = '';
    if (isRemove(t)) s += ' --ecn-tcp-remove';
    else {
      if (ece(t) !== undefined) s += ` --ecn-tcp-ece ${ece(t)}`;
      if (cwr(t) !== undefined) s += ` --ecn-tcp-cwr ${cwr(t)}`;
    }
    if (t.ipEct !== undefined) s += ` --ecn-ip-ect ${t.ipEct}`;
    return s;
  },
  print(t) {
    let s = ' ECN';
    if (isRemove(t)) s += ' TCP remove';
    else {
      if (ece(t) !== undefined) s += ` ECE=${ece(t)}`;
      if (cwr(t) !== undefined) s += ` CWR=${cwr(t)}`;
    }
    if (t.ipEct !== undefined) s += ` ECT codepoint=${t.ipEct}`;
    return s;
  },
  check(t, rule, use) {
    needTable(use, ['mangle']);
    if (t.removeEce || t.setEce !== undefined || t.setCwr !== undefined) needProto(rule, 6);
  },
};
