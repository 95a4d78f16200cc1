/**
 * -j NFQUEUE (libxt_NFQUEUE.c, revision 3): --queue-num 0..65535 or
 * --queue-balance first:last (first < last), --queue-bypass,
 * --queue-cpu-fanout (needs --queue-balance). Save always names the queue.
 * The kernel refuses a balance whose queue count wraps the 16-bit field
 * (0:65535 gives 0 queues).
 */
import { kernelReject, paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { fcheck, once, parseUintOpt, parseUintRange } from './xt-options.js';
import { Verdict } from '../../rules/verdict.js';

/** Queue to user space: queues num..num+total-1; bypass = accept when no program listens. */
export interface NfqueueTarget { kind: 'NFQUEUE'; num: number; total: number; bypass: boolean; cpuFanout: boolean }

declare module '../../rules/targets.js' {
  interface TargetTypes { NFQUEUE: NfqueueTarget; }
}


function dump(t: NfqueueTarget, save: boolean): string {
  const p = save ? '--queue-' : '';
  let s = t.total > 1 ? ` ${p}balance ${t.num}:${t.num + t.total - 1}` : ` ${p}num ${t.num}`;
  if (t.bypass) s += save ? ' --queue-bypass' : ' bypass';
  if (t.cpuFanout) s += save ? ' --queue-cpu-fanout' : ' cpu-fanout';
  return s;
}

export const nfqueueTarget: TargetExt<NfqueueTarget> = {
  name: 'NFQUEUE',
  bind: (t) => {
    // rawgate has no user-space queue listener: with --queue-bypass the kernel
    // then accepts the packet; without it the verdict is QUEUE, which the
    // dataplane drops as QUEUE_NO_LISTENER (as for -j QUEUE).
    const v = t.bypass ? Verdict.ACCEPT : Verdict.QUEUE;
    return () => v;
  },
  options: [
    { name: 'queue-num', hasArg: true }, { name: 'queue-balance', hasArg: true },
    { name: 'queue-bypass', hasArg: false }, { name: 'queue-cpu-fanout', hasArg: false },
  ],
  init: () => ({ kind: 'NFQUEUE', num: 0, total: 1, bypass: false, cpuFanout: false }),
  parse(t, option, arg) {
    once('NFQUEUE', t, option);
    switch (option) {
      case 'queue-num': t.num = parseUintOpt('NFQUEUE', option, arg!, 0, 0xffff); break;
      case 'queue-balance': {
        const r = parseUintRange('NFQUEUE', option, arg!, 0xffff);
        if (r.length !== 2) throw paramProblem(`Bad range "${arg}"`, 'BAD_VALUE');
        if (r[0]! >= r[1]!) throw paramProblem(`${r[0]} should be less than ${r[1]}`, 'BAD_VALUE');
        t.num = r[0]!;
        t.total = (r[1]! - r[0]! + 1) & 0xffff;
        break;
      }
      case 'queue-bypass': t.bypass = true; break;
      case 'queue-cpu-fanout': t.cpuFanout = true; break;
    }
  },
  final: (t) => fcheck('NFQUEUE', t, [
    { name: 'queue-num', excl: ['queue-balance'] }, { name: 'queue-balance', excl: ['queue-num'] },
    { name: 'queue-cpu-fanout', also: ['queue-balance'] },
  ]),
  save: (t) => dump(t, true),
  print: (t) => ` NFQUEUE${dump(t, false)}`,
  check(t) {
    if (t.total === 0) throw kernelReject();
    if (t.num + t.total - 1 > 0xffff) throw kernelReject('Numerical result out of range', 'KERNEL_ERANGE');
  },
};
