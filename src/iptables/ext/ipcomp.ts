/**
 * -m ipcomp (libxt_ipcomp.c): [!] --ipcompspi spi[:spi] (XTTYPE_UINT32RC; the
 * CPI, 16 bits on the wire), --compres. Without --ipcompspi the range stays
 * 0:0 (no init), which save prints as " --ipcompspi 0". Kernel: -p ipcomp.
 * The full range 0:4294967295, "!" or not, is saved as no --ipcompspi at all,
 * which restores as 0:0: rawgate refuses it (a deliberate deviation,
 * test/iptables/deviations.ts).
 */
import { unrestorableValue } from '../string-value.js';
import type { MatchExt } from './types.js';
import { needProto } from './usage.js';
import { once, parseUintRange } from './xt-options.js';
import { matchIpcomp } from '../../rules/match/l4.js';

export interface IpcompMatch { name: 'ipcomp'; lo: number; hi: number; invert: boolean; hdrres: boolean }
declare module '../../rules/matches.js' {
  interface MatchTypes { ipcomp: IpcompMatch; }
}

export const ipcompMatch: MatchExt<IpcompMatch> = {
  name: 'ipcomp',
  bind: (m) => (ctx) => matchIpcomp(m, ctx),
  options: [{ name: 'ipcompspi', hasArg: true, invertible: true }, { name: 'compres', hasArg: false }],
  init: () => ({ name: 'ipcomp', lo: 0, hi: 0, invert: false, hdrres: false }),
  parse(m, option, arg, invert) {
    once('ipcomp', m, option);
    if (option === 'compres') {
      m.hdrres = true;
      return;
    }
    const v = parseUintRange('ipcomp', option, arg!, 0xffffffff);
    m.lo = v[0]!;
    m.hi = v.length === 1 ? v[0]! : v[1]!;
    if (m.lo === 0 && m.hi === 0xffffffff) throw unrestorableValue('ipcomp', option, arg!);
    if (invert) m.invert = true;
  },
  save(m) {
    let s = '';
    if (!(m.lo === 0 && m.hi === 0xffffffff)) {
      s += `${m.invert ? ' !' : ''} --ipcompspi ${m.lo !== m.hi ? `${m.lo}:${m.hi}` : m.lo}`;
    }
    return m.hdrres ? `${s} --compres` : s;
  },
  print(m) {
    let s = ' comp ';
    if (m.lo !== 0 || m.hi !== 0xffffffff || m.invert) {
      const inv = m.invert ? '!' : '';
      s += m.lo === m.hi ? `spi:${inv}${m.lo}` : `spis:${inv}${m.lo}:${m.hi}`;
    }
    return m.hdrres ? `${s} reserved` : s;
  },
  check: (m, rule) => needProto(rule, 108),
};
