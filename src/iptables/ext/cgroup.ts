/**
 * -m cgroup (libxt_cgroup.c, revision 2, what iptables picks on a current
 * kernel): [!] --path PATH (cgroup2, kept up to XT_CGROUP_PATH_MAX - 1 = 511
 * bytes) and/or [!] --cgroup CLASSID (u32). The kernel (xt_cgroup.c
 * cgroup_mt_check_v2) wants exactly one of them (EINVAL otherwise) and allows
 * the match from INPUT, OUTPUT and POSTROUTING only. The path is saved quoted:
 * a newline is refused (string-value.ts).
 */
import { kernelReject } from '../errors.js';
import { checkQuoted, putString, saveString } from '../string-value.js';
import type { MatchExt } from './types.js';
import { needHooks } from './usage.js';
import { once, parseUintOpt } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -m cgroup (revision 2): --path and/or --cgroup classid (the kernel wants exactly one). */
export interface CgroupMatch {
  name: 'cgroup';
  path?: string; invPath: boolean;
  classid?: number; invClassid: boolean;
}
declare module '../../rules/matches.js' {
  interface MatchTypes { cgroup: CgroupMatch; }
}

const PATH_MAX = 512;

export const cgroupMatch: MatchExt<CgroupMatch> = {
  name: 'cgroup',
  bind: (m) => {
    throw new BindError(`match '${m.name}' cannot be evaluated: it needs the sending socket\'s cgroup (rawgate has no local sockets in cgroups)`);
  },
  options: [
    { name: 'path', hasArg: true, invertible: true },
    { name: 'cgroup', hasArg: true, invertible: true },
  ],
  init: () => ({ name: 'cgroup', invPath: false, invClassid: false }),
  parse(m, option, arg, invert) {
    once('cgroup', m, option);
    if (option === 'path') {
      m.path = putString(arg!, PATH_MAX);
      checkQuoted(option, m.path);
      m.invPath = invert;
    } else {
      m.classid = parseUintOpt('cgroup', 'cgroup', arg!, 0, 0xffffffff);
      m.invClassid = invert;
    }
  },
  save(m) {
    let s = '';
    if (m.path !== undefined) s += `${m.invPath ? ' !' : ''} --path${saveString(m.path)}`;
    if (m.classid !== undefined) s += `${m.invClassid ? ' !' : ''} --cgroup ${m.classid}`;
    return s;
  },
  print(m) {
    let s = ' cgroup';
    if (m.path !== undefined) s += ` ${m.invPath ? '! ' : ''}${m.path}`;
    if (m.classid !== undefined) s += ` ${m.invClassid ? '! ' : ''}${m.classid}`;
    return s;
  },
  check(m, _rule, use) {
    if ((m.path !== undefined) === (m.classid !== undefined)) throw kernelReject();
    needHooks(use, ['INPUT', 'OUTPUT', 'POSTROUTING']);
  },
};
