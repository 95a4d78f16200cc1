/**
 * -j CT (libxt_CT.c, revision 2 texts): --notrack, --helper NAME, --zone
 * 0..65535, --ctevents / --expevents lists. --timeout and the zone
 * direction/mark forms are refused (rawgate has no timeout policies).
 * Kernel: raw table; a helper the kernel does not know fails with ENOENT.
 */
import { kernelReject, paramProblem } from '../errors.js';
import { putString } from '../string-value.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { once, parseUlong } from './xt-options.js';
import { targetConntrack } from '../../rules/target/external.js';

/** -j CT. */
export interface CtTarget {
  kind: 'CT';
  notrack: boolean;
  helper: string;
  zone: number;
  /** --ctevents / --expevents bit sets (IPCT_* / IPEXP_* order); text only */
  ctevents?: number;
  expevents?: number;
}

declare module '../../rules/targets.js' {
  interface TargetTypes { CT: CtTarget; }
}


const CT_EVENTS = ['new', 'related', 'destroy', 'reply', 'assured', 'protoinfo', 'helper', 'mark', 'natseqinfo', 'secmark'];
const EXP_EVENTS = ['new'];
/** Conntrack helpers a Linux kernel ships for IPv4. */
const HELPERS = ['ftp', 'irc', 'tftp', 'sip', 'h323', 'RAS', 'Q.931', 'pptp', 'amanda', 'sane', 'snmp', 'netbios-ns', 'snmp_trap'];

function parseEvents(arg: string, names: readonly string[]): number {
  let mask = 0;
  for (const w of arg.split(',')) {
    const i = names.indexOf(w);
    if (i < 0) throw paramProblem(`Unknown event type "${w}"`, 'BAD_EVENT');
    mask |= 1 << i;
  }
  return mask;
}

const events = (mask: number, names: readonly string[]) => names.filter((_, i) => mask & (1 << i)).join(',');

function dump(t: CtTarget, pfx: string): string {
  let s = '';
  if (t.notrack) s += ` ${pfx}notrack`;
  if (t.helper !== '') s += ` ${pfx}helper ${t.helper}`;
  if (t.ctevents) s += ` ${pfx}ctevents ${events(t.ctevents, CT_EVENTS)}`;
  if (t.expevents) s += ` ${pfx}expevents ${events(t.expevents, EXP_EVENTS)}`;
  if (t.zone) s += ` ${pfx}zone ${t.zone}`;
  return s;
}

export const ctTarget: TargetExt<CtTarget> = {
  name: 'CT',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetConntrack(t, ctx, host);
  },
  options: [
    { name: 'notrack', hasArg: false }, { name: 'helper', hasArg: true }, { name: 'zone', hasArg: true },
    { name: 'ctevents', hasArg: true }, { name: 'expevents', hasArg: true },
  ],
  init: () => ({ kind: 'CT', notrack: false, helper: '', zone: 0 }),
  parse(t, option, arg) {
    once('CT', t, option);
    switch (option) {
      case 'notrack': t.notrack = true; break;
      case 'helper':
        // char helper[16]: cut to 15 bytes; an unknown helper is the kernel's refusal (check).
        t.helper = putString(arg!, 16);
        break;
      case 'zone': {
        const z = parseUlong(arg!, 0, 0xffff);
        if (z === undefined) throw paramProblem(`Cannot parse ${arg} as a zone ID\n`, 'BAD_ZONE');
        t.zone = z;
        break;
      }
      case 'ctevents': t.ctevents = parseEvents(arg!, CT_EVENTS); break;
      case 'expevents': t.expevents = parseEvents(arg!, EXP_EVENTS); break;
    }
  },
  save: (t) => dump(t, '--'),
  print: (t) => ` CT${dump(t, '')}`,
  check(t, rule, use) {
    needTable(use, ['raw']);
    if (t.helper !== '' && !HELPERS.includes(t.helper)) throw kernelReject('No such file or directory', 'KERNEL_ENOENT');
  },
};
