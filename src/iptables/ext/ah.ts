/**
 * -m ah (libipt_ah.c) and, through spiMatch, -m esp (libxt_esp.c): an SPI
 * range (XTTYPE_UINT32RC, "!"-able). The full range 0:4294967295 prints as
 * nothing; the kernel wants -p ah / -p esp.
 */
import type { MatchExt } from './types.js';
import { matchSpi } from '../../rules/match/l4.js';
import { needProto } from './usage.js';
import { once, parseUintRange } from './xt-options.js';

export interface SpiMatch { name: 'ah' | 'esp'; spiLo: number; spiHi: number; invert: boolean }

declare module '../../rules/matches.js' {
  interface MatchTypes { ah: SpiMatch; }
}

const MAX = 0xffffffff;

function printSpis(name: string, lo: number, hi: number, invert: boolean): string {
  if (lo === 0 && hi === MAX && !invert) return '';
  const inv = invert ? '!' : '';
  return lo === hi ? `${name}:${inv}${lo}` : `${name}s:${inv}${lo}:${hi}`;
}

export function spiMatch(name: 'ah' | 'esp', proto: number): MatchExt<SpiMatch> {
  const opt = `${name}spi`;
  return {
    name,
    bind: (m) => (ctx) => matchSpi(m, ctx),
    options: [{ name: opt, hasArg: true, invertible: true }],
    init: () => ({ name, spiLo: 0, spiHi: MAX, invert: false }),
    parse(m, option, arg, invert) {
      once(name, m, opt);
      const v = parseUintRange(name, opt, arg!, MAX);
      m.spiLo = v[0]!;
      m.spiHi = v.length === 1 ? v[0]! : v[1]!;
      m.invert = invert;
    },
    save(m) {
      if (m.spiLo === 0 && m.spiHi === MAX && !m.invert) return '';
      const range = m.spiLo === m.spiHi ? `${m.spiLo}` : `${m.spiLo}:${m.spiHi}`;
      return `${m.invert ? ' !' : ''} --${opt} ${range}`;
    },
    // libipt_ah prints " ah " then the SPIs; libxt_esp " esp" then " spi...".
    print: (m) => (name === 'ah' ? ` ah ${printSpis('spi', m.spiLo, m.spiHi, m.invert)}` :
      ` esp${m.spiLo === 0 && m.spiHi === MAX && !m.invert ? '' : ' '}${printSpis('spi', m.spiLo, m.spiHi, m.invert)}`),
    check: (m, rule) => needProto(rule, proto),
  };
}

export const ahMatch = spiMatch('ah', 51);
