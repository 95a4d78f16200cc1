/**
 * -j CHECKSUM (libxt_CHECKSUM.c): --checksum-fill (mandatory). The kernel
 * target lives in the mangle table only (xt_CHECKSUM .table = "mangle").
 */
import type { TargetExt } from './types.js';
import { needTable } from './usage.js';
import { fcheck, once } from './xt-options.js';
import { targetChecksum } from '../../rules/target/checksum.js';

/** --checksum-fill: recompute the TCP/UDP checksum. */
export interface ChecksumTarget { kind: 'CHECKSUM'; fill: boolean }

declare module '../../rules/targets.js' {
  interface TargetTypes { CHECKSUM: ChecksumTarget; }
}


export const checksumTarget: TargetExt<ChecksumTarget> = {
  name: 'CHECKSUM',
  bind: (t) => (ctx) => targetChecksum(t, ctx),
  options: [{ name: 'checksum-fill', hasArg: false }],
  init: () => ({ kind: 'CHECKSUM', fill: false }),
  parse(t, option) {
    once('CHECKSUM', t, option);
    t.fill = true;
  },
  final: (t) => fcheck('CHECKSUM', t, [{ name: 'checksum-fill', mand: true }]),
  save: (t) => (t.fill ? ' --checksum-fill' : ''),
  print: (t) => ` CHECKSUM${t.fill ? ' fill' : ''}`,
  check(_t, _rule, use) {
    needTable(use, ['mangle']);
  },
};
