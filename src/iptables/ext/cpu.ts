/** -m cpu (libxt_cpu.c): [!] --cpu N (XTTYPE_UINT32), mandatory. */
import type { MatchExt } from './types.js';
import { fcheck, once, parseUintOpt } from './xt-options.js';

export interface CpuMatch { name: 'cpu'; cpu: number; invert: boolean }
declare module '../../rules/matches.js' {
  interface MatchTypes { cpu: CpuMatch; }
}

/** rawgate processes every packet on one CPU, number 0. */
export const RAWGATE_CPU = 0;

export function matchCpu(m: CpuMatch): boolean {
  return (m.cpu === RAWGATE_CPU) !== m.invert;
}

export const cpuMatch: MatchExt<CpuMatch> = {
  name: 'cpu',
  bind: (m) => {
    const r = matchCpu(m);
    return () => r;
  },
  options: [{ name: 'cpu', hasArg: true, invertible: true }],
  init: () => ({ name: 'cpu', cpu: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('cpu', m, 'cpu');
    m.cpu = parseUintOpt('cpu', 'cpu', arg!, 0, 0xffffffff);
    if (invert) m.invert = true;
  },
  final: (m) => fcheck('cpu', m, [{ name: 'cpu', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --cpu ${m.cpu}`,
  print: (m) => ` cpu ${m.invert ? '! ' : ''}${m.cpu}`,
};
