/**
 * -j MASQUERADE and -j REDIRECT (iptables 1.8.9 libxt_NAT, compat
 * revision 0 ranges: no /base offsets): --to-ports a[-b] (needs -p
 * tcp/udp/sctp/dccp), --random (and --random-fully for MASQUERADE).
 * Kernel: nat table; MASQUERADE from POSTROUTING, REDIRECT from PREROUTING
 * and OUTPUT.
 */
import { paramProblem } from '../errors.js';
import { parseNatPorts, portsAllowed } from './nat-range.js';
import type { TargetExt } from './types.js';
import { needHooks, needTable } from './usage.js';
import { once } from './xt-options.js';
import { targetNat } from '../../rules/target/external.js';

/** -j MASQUERADE. */
export interface MasqueradeTarget {
  kind: 'MASQUERADE';
  minPort: number;
  maxPort: number;
  random: boolean;
  randomFully: boolean;
  /** --to-ports given (even 0) */ portsGiven?: boolean;
  /** text only: a /base was given (iptables prints "/0") */ shifted?: boolean;
}

/** -j REDIRECT. */
export interface RedirectTarget {
  kind: 'REDIRECT';
  minPort: number;
  maxPort: number;
  random: boolean;
  /** --to-ports given (even 0) */ portsGiven?: boolean;
}

declare module '../../rules/targets.js' {
  interface TargetTypes { MASQUERADE: MasqueradeTarget; REDIRECT: RedirectTarget; }
}


function ports(t: MasqueradeTarget | RedirectTarget): string {
  const r = t.minPort === t.maxPort ? `${t.minPort}` : `${t.minPort}-${t.maxPort}`;
  return t.kind === 'MASQUERADE' && t.shifted ? `${r}/0` : r;
}
const given = (t: MasqueradeTarget | RedirectTarget) => t.portsGiven ?? (t.minPort !== 0 || t.maxPort !== 0);

function setPorts(t: MasqueradeTarget | RedirectTarget, arg: string, portok: boolean): void {
  const p = parseNatPorts(arg, portok);
  if (p.base) {
    // REDIRECT refuses a /base; MASQUERADE takes it, drops the value and prints "/0".
    if (t.kind === 'REDIRECT') throw paramProblem('Shifted portmap ranges not supported with this kernel', 'BAD_PORT');
    t.shifted = true;
  }
  t.minPort = p.lo; t.maxPort = p.hi; t.portsGiven = true;
}

export const masqueradeTarget: TargetExt<MasqueradeTarget> = {
  name: 'MASQUERADE',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetNat(t, ctx, host);
  },
  options: [{ name: 'to-ports', hasArg: true }, { name: 'random', hasArg: false }, { name: 'random-fully', hasArg: false }],
  init: () => ({ kind: 'MASQUERADE', minPort: 0, maxPort: 0, random: false, randomFully: false }),
  parse(t, option, arg, invert, ctx) {
    once('MASQUERADE', t, option);
    if (option === 'to-ports') setPorts(t, arg!, portsAllowed(ctx.rule));
    else if (option === 'random') t.random = true;
    else t.randomFully = true;
  },
  save: (t) => `${given(t) ? ` --to-ports ${ports(t)}` : ''}${t.random ? ' --random' : ''}${t.randomFully ? ' --random-fully' : ''}`,
  print: (t) => `${given(t) ? ` masq ports: ${ports(t)}` : ''}${t.random ? ' random' : ''}${t.randomFully ? ' random-fully' : ''}`,
  check(t, rule, use) {
    needTable(use, ['nat']);
    needHooks(use, ['POSTROUTING']);
  },
};

export const redirectTarget: TargetExt<RedirectTarget> = {
  name: 'REDIRECT',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetNat(t, ctx, host);
  },
  options: [{ name: 'to-ports', hasArg: true }, { name: 'random', hasArg: false }],
  init: () => ({ kind: 'REDIRECT', minPort: 0, maxPort: 0, random: false }),
  parse(t, option, arg, invert, ctx) {
    once('REDIRECT', t, option);
    if (option === 'to-ports') setPorts(t, arg!, portsAllowed(ctx.rule));
    else t.random = true;
  },
  save: (t) => `${given(t) ? ` --to-ports ${ports(t)}` : ''}${t.random ? ' --random' : ''}`,
  print: (t) => `${given(t) ? ` redir ports ${ports(t)}` : ''}${t.random ? ' random' : ''}`,
  check(t, rule, use) {
    needTable(use, ['nat']);
    needHooks(use, ['PREROUTING', 'OUTPUT']);
  },
};
