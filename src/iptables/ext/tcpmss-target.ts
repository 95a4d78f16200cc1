/**
 * -j TCPMSS (libxt_TCPMSS.c): --set-mss N or --clamp-mss-to-pmtu. Needs
 * -p tcp; clamping only from FORWARD, OUTPUT, POSTROUTING. (The legacy SYN-match
 * requirement does not apply to the nf_tables backend.)
 */
import { paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { needHooks, needProto } from './usage.js';
import { once, parseUintOpt, seen } from './xt-options.js';
import { targetTcpmss } from '../../rules/target/mangle.js';

/** -j TCPMSS. */
export interface TcpmssTarget { kind: 'TCPMSS'; mss: number; /** true = --clamp-mss-to-pmtu */ clamp: boolean }

declare module '../../rules/targets.js' {
  interface TargetTypes { TCPMSS: TcpmssTarget; }
}


/** The kernel's XT_TCPMSS_CLAMP_PMTU (--set-mss stops at 65515, so only the option sets it). */
const CLAMP = 0xffff;

export const tcpmssTarget: TargetExt<TcpmssTarget> = {
  name: 'TCPMSS',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetTcpmss(t, ctx, host);
  },
  options: [{ name: 'set-mss', hasArg: true }, { name: 'clamp-mss-to-pmtu', hasArg: false }],
  init: () => ({ kind: 'TCPMSS', mss: 0, clamp: false }),
  parse(t, option, arg) {
    once('TCPMSS', t, option);
    if (option === 'set-mss') {
      t.mss = parseUintOpt('TCPMSS', option, arg!, 0, 0xffff - 20);
      t.clamp = false;
    } else {
      t.clamp = true;
      t.mss = CLAMP;
    }
  },
  final(t) {
    if (seen(t).size === 0) throw paramProblem('TCPMSS target: At least one parameter is required', 'MISSING_OPTION');
  },
  save: (t) => (t.clamp ? ' --clamp-mss-to-pmtu' : ` --set-mss ${t.mss}`),
  print: (t) => (t.clamp ? ' TCPMSS clamp to PMTU' : ` TCPMSS set ${t.mss}`),
  check(t, rule, use) {
    needProto(rule, 6);
    if (t.clamp) needHooks(use, ['FORWARD', 'OUTPUT', 'POSTROUTING']);
  },
};
