/**
 * -m dccp (libxt_dccp.c): [!] --sport/--source-port and [!] --dport/
 * --destination-port (XTTYPE_PORTRC, like udp), [!] --dccp-types T[,T..]
 * (names, case-insensitive), [!] --dccp-option 1..255. Save prints a port
 * option whenever it was given. The kernel match needs -p dccp. A type list
 * naming no type ("", ",") is refused: iptables saves it as a bare
 * "--dccp-types" that its restore cannot read (string-value.ts).
 */
import type { PortRange } from '../../rules/matches.js';
import { paramProblem } from '../errors.js';
import { parsePortRangeRC } from '../proto.js';
import { unrestorableValue } from '../string-value.js';
import { printPorts } from './tcp.js';
import type { MatchExt } from './types.js';
import { needProto } from './usage.js';
import { once, parseUintOpt } from './xt-options.js';
import { bindDccp } from '../../rules/match/l4.js';

/** -m dccp: each test present only when its option was given. `types`: bit i = DCCP packet type i. */
export interface DccpMatch {
  name: 'dccp';
  sport?: PortRange; invSport?: boolean;
  dport?: PortRange; invDport?: boolean;
  types?: number; invTypes?: boolean;
  option?: number; invOption?: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { dccp: DccpMatch; }
}

export const DCCP_TYPES = ['REQUEST', 'RESPONSE', 'DATA', 'ACK', 'DATAACK', 'CLOSEREQ', 'CLOSE', 'RESET', 'SYNC', 'SYNCACK', 'INVALID'];
const CANON: Readonly<Record<string, string>> = {
  'source-port': 'source-port', sport: 'source-port', 'destination-port': 'destination-port', dport: 'destination-port',
  'dccp-types': 'dccp-types', 'dccp-option': 'dccp-option',
};

function types(mask: number, numeric: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < 16; i++) if (mask & (1 << i)) out.push(numeric ? String(i) : DCCP_TYPES[i] ?? '(null)');
  return ` ${out.join(',')}`;
}

const savePorts = (opt: string, r: PortRange | undefined, inv: boolean | undefined) =>
  r === undefined ? '' : `${inv ? ' !' : ''} --${opt} ${r.lo === r.hi ? r.lo : `${r.lo}:${r.hi}`}`;

export const dccpMatch: MatchExt<DccpMatch> = {
  name: 'dccp',
  bind: (m) => bindDccp(m),
  options: Object.keys(CANON).map((name) => ({ name, hasArg: true, invertible: true })),
  init: () => ({ name: 'dccp' }),
  parse(m, option, arg, invert) {
    const id = CANON[option]!;
    once('dccp', m, id);
    switch (id) {
      case 'source-port': m.sport = parsePortRangeRC(arg!); m.invSport = invert; break;
      case 'destination-port': m.dport = parsePortRangeRC(arg!); m.invDport = invert; break;
      case 'dccp-types': {
        let mask = 0;
        for (const t of arg!.split(',')) {
          if (t === '') continue;
          const i = DCCP_TYPES.findIndex((n) => n.toLowerCase() === t.toLowerCase());
          if (i < 0) throw paramProblem(`Unknown DCCP type \`${t}'`, 'BAD_VALUE');
          mask |= 1 << i;
        }
        if (mask === 0) throw unrestorableValue('dccp', option, arg!);
        m.types = mask;
        m.invTypes = invert;
        break;
      }
      case 'dccp-option': m.option = parseUintOpt('dccp', id, arg!, 1, 255); m.invOption = invert; break;
    }
  },
  save(m) {
    let s = savePorts('sport', m.sport, m.invSport) + savePorts('dport', m.dport, m.invDport);
    if (m.types !== undefined) s += `${m.invTypes ? ' !' : ''} --dccp-types${types(m.types, false)}`;
    if (m.option !== undefined) s += `${m.invOption ? ' !' : ''} --dccp-option ${m.option}`;
    return s;
  },
  print(m, numeric) {
    let s = ' dccp';
    if (m.sport) s += printPorts('spt', m.sport.lo, m.sport.hi, m.invSport === true, numeric, 'dccp');
    if (m.dport) s += printPorts('dpt', m.dport.lo, m.dport.hi, m.invDport === true, numeric, 'dccp');
    if (m.types !== undefined) s += `${m.invTypes ? ' !' : ''}${types(m.types, numeric)}`;
    if (m.option !== undefined && (m.option || m.invOption)) s += ` option=${m.invOption ? '!' : ''}${m.option}`;
    return s;
  },
  check: (_m, rule) => needProto(rule, 33),
};
