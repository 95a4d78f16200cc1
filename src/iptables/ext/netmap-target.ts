/**
 * -j NETMAP (libipt_NETMAP.c): --to ADDR[/MASK] (mandatory), host bits
 * cleared; saved and listed as addr/prefix (dotted when not contiguous).
 * Kernel: nat table, any of its hooks.
 */
import { formatAddr, maskToPrefix } from '../addr.js';
import { parseHostMask } from './conntrack.js';
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { fcheck, once } from './xt-options.js';
import { targetNat } from '../../rules/target/external.js';

/** -j NETMAP. */
export interface NetmapTarget { kind: 'NETMAP'; addr: number; mask: number }

declare module '../../rules/targets.js' {
  interface TargetTypes { NETMAP: NetmapTarget; }
}


function text(t: NetmapTarget): string {
  const p = maskToPrefix(t.mask);
  return `${formatAddr(t.addr)}/${p >= 0 ? p : formatAddr(t.mask)}`;
}

export const netmapTarget: TargetExt<NetmapTarget> = {
  name: 'NETMAP',
  bind: (t, _rule, env) => {
    const host = env.host;
    return (ctx) => targetNat(t, ctx, host);
  },
  options: [{ name: 'to', hasArg: true }],
  init: () => ({ kind: 'NETMAP', addr: 0, mask: 0xffffffff }),
  parse(t, option, arg) {
    once('NETMAP', t, 'to');
    const v = parseHostMask('NETMAP', 'to', arg!);
    t.mask = v.mask;
    t.addr = (v.addr & v.mask) >>> 0;
  },
  final: (t) => fcheck('NETMAP', t, [{ name: 'to', mand: true }]),
  save: (t) => ` --to ${text(t)}`,
  print: (t) => ` to:${text(t)}`,
  check: (t, rule, use) => needTable(use, ['nat']),
};
