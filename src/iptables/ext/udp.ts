/**
 * -m udp (libxt_udp.c, option-table parser): --sport/--dport as XTTYPE_PORTRC.
 * Unlike tcp, ports go through getaddrinfo (decimal or service names; 65536
 * wraps to 0) and a reversed range is not refused.
 */
import type { PortRange } from '../../rules/matches.js';
import { paramProblem } from '../errors.js';
import { parsePortRangeRC } from '../proto.js';
import { portsBox, portsDescribe, portsInline, printPorts, savePorts } from './tcp.js';
import type { MatchExt } from './types.js';
import { matchUdp } from '../../rules/match/l4.js';

export interface UdpMatch {
  name: 'udp';
  sport: PortRange; invSport: boolean;
  dport: PortRange; invDport: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { udp: UdpMatch; }
}

const seen = new WeakMap<UdpMatch, Set<string>>();

export const udpMatch: MatchExt<UdpMatch> = {
  name: 'udp',
  bind: (m) => (ctx) => matchUdp(m, ctx),
  quiet: true,
  jit: { inline: portsInline, box: portsBox, describe: portsDescribe },
  options: [
    { name: 'source-port', hasArg: true, invertible: true },
    { name: 'sport', hasArg: true, invertible: true },
    { name: 'destination-port', hasArg: true, invertible: true },
    { name: 'dport', hasArg: true, invertible: true },
  ],
  init: () => ({ name: 'udp', sport: { lo: 0, hi: 0xffff }, invSport: false, dport: { lo: 0, hi: 0xffff }, invDport: false }),
  parse(m, option, arg, invert) {
    const key = option === 'source-port' || option === 'sport' ? 'sport' : 'dport';
    let s = seen.get(m);
    if (!s) seen.set(m, (s = new Set()));
    if (s.has(key)) {
      const canonical = key === 'sport' ? 'source-port' : 'destination-port';
      throw paramProblem(`udp: option "--${canonical}" can only be used once.\n`, 'DUP_OPTION');
    }
    s.add(key);
    const range = parsePortRangeRC(arg!);
    if (key === 'sport') { m.sport = range; if (invert) m.invSport = true; }
    else { m.dport = range; if (invert) m.invDport = true; }
  },
  save: (m) => savePorts('sport', m.sport.lo, m.sport.hi, m.invSport) + savePorts('dport', m.dport.lo, m.dport.hi, m.invDport),
  print: (m, numeric) =>
    ' udp' +
    printPorts('spt', m.sport.lo, m.sport.hi, m.invSport, numeric, 'udp') +
    printPorts('dpt', m.dport.lo, m.dport.hi, m.invDport, numeric, 'udp'),
};
