/**
 * -m sctp (libxt_sctp.c, old-style parser): [!] --sport/--source-port and
 * [!] --dport/--destination-port (a[:b], service names of sctp, min <= max),
 * [!] --chunk-types all|any|only CHUNK[:flags][,...] | ALL | NONE (two words).
 * Flag letters are stored as iptables 1.8.9 stores them: keyed by the
 * chunk's index in its name table (equal to the chunk type for DATA, ABORT
 * and SHUTDOWN_COMPLETE, the only chunks with flags below I_DATA). -L -n
 * prints chunk types as 0x%04X. The kernel match needs -p sctp.
 */
import type { PortRange } from '../../rules/matches.js';
import { paramProblem } from '../errors.js';
import { parsePortRange } from '../proto.js';
import { printPorts } from './tcp.js';
import type { MatchExt } from './types.js';
import { needProto } from './usage.js';
import { bindSctp } from '../../rules/match/l4.js';

/**
 * -m sctp. `chunks`: the chunk types of the chunk map (sorted; 256 = ALL).
 * `flags[].chunktype` is stored as iptables stores it (see the parser below).
 */
export interface SctpMatch {
  name: 'sctp';
  sport?: PortRange; invSport?: boolean;
  dport?: PortRange; invDport?: boolean;
  chunksGiven?: boolean; invChunks?: boolean;
  chunkMatch: 'any' | 'all' | 'only';
  chunks: number[];
  flags: { chunktype: number; flag: number; mask: number }[];
}

declare module '../../rules/matches.js' {
  interface MatchTypes { sctp: SctpMatch; }
}

export const SCTP_CHUNKS: readonly (readonly [string, number, string])[] = [
  ['DATA', 0, '----IUBE'], ['INIT', 1, '--------'], ['INIT_ACK', 2, '--------'], ['SACK', 3, '--------'],
  ['HEARTBEAT', 4, '--------'], ['HEARTBEAT_ACK', 5, '--------'], ['ABORT', 6, '-------T'], ['SHUTDOWN', 7, '--------'],
  ['SHUTDOWN_ACK', 8, '--------'], ['ERROR', 9, '--------'], ['COOKIE_ECHO', 10, '--------'], ['COOKIE_ACK', 11, '--------'],
  ['ECN_ECNE', 12, '--------'], ['ECN_CWR', 13, '--------'], ['SHUTDOWN_COMPLETE', 14, '-------T'], ['I_DATA', 64, '----IUBE'],
  ['RE_CONFIG', 130, '--------'], ['PAD', 132, '--------'], ['ASCONF', 193, '--------'], ['ASCONF_ACK', 128, '--------'],
  ['FORWARD_TSN', 192, '--------'], ['I_FORWARD_TSN', 194, '--------'],
];
const NUM_FLAGS = 4;
const seenOpt = new WeakMap<object, Set<string>>();

function parseChunks(m: SctpMatch, list: string): void {
  const map = new Set<number>();
  m.flags = [];
  if (list.toLowerCase() === 'all') { for (let i = 0; i < 256; i++) map.add(i); m.chunks = [...map]; return; }
  if (list.toLowerCase() === 'none') { m.chunks = []; return; }
  for (const part of list.split(',')) {
    if (part === '') continue;
    const colon = part.indexOf(':');
    const name = colon >= 0 ? part.slice(0, colon) : part;
    const i = SCTP_CHUNKS.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
    if (i < 0) throw paramProblem(`Unknown sctp chunk \`${name}'`, 'BAD_VALUE');
    map.add(SCTP_CHUNKS[i]![1]);
    if (colon < 0) continue;
    for (const ch of part.slice(colon + 1)) {
      const p = SCTP_CHUNKS[i]![2].indexOf(ch.toUpperCase());
      if (p < 0 || ch === '-') throw paramProblem(`Invalid flags for chunk type ${i}`, 'BAD_VALUE');
      const bit = 7 - p;
      let f = m.flags.find((x) => x.chunktype === i);
      if (!f) {
        if (m.flags.length === NUM_FLAGS) {
          throw paramProblem('Number of chunk types with flags exceeds currently allowed limit. Increasing this limit involves changing IPT_NUM_SCTP_FLAGS and recompiling both the kernel space and user space modules', 'BAD_VALUE');
        }
        m.flags.push((f = { chunktype: i, flag: 0, mask: 0 }));
      }
      f.mask |= 1 << bit;
      if (ch !== ch.toLowerCase()) f.flag |= 1 << bit;
    }
  }
  m.chunks = [...map].sort((a, b) => a - b);
}

function chunks(m: SctpMatch, numeric: boolean): string {
  let s = ` ${m.chunkMatch}`;
  if (m.chunks.length === 0) return `${s} NONE`;
  if (m.chunks.length === 256) return `${s} ALL`;
  const out: string[] = [];
  for (const c of m.chunks) {
    let t = numeric ? `0x${c.toString(16).toUpperCase().padStart(4, '0')}` : SCTP_CHUNKS.filter(([, n]) => n === c).map(([n]) => n).join('');
    for (const f of m.flags) {
      if (f.chunktype !== c || !f.mask) continue;
      t += ':';
      const valid = SCTP_CHUNKS[c]?.[2] ?? '--------';
      for (let i = 7; i >= 0; i--) {
        if (f.mask & (1 << i)) t += f.flag & (1 << i) ? valid[7 - i] : valid[7 - i]!.toLowerCase();
      }
    }
    out.push(t);
  }
  return `${s} ${out.join(',')}`;
}

const savePorts = (opt: string, r: PortRange | undefined, inv: boolean | undefined) =>
  r === undefined ? '' : `${inv ? ' !' : ''} --${opt} ${r.lo === r.hi ? r.lo : `${r.lo}:${r.hi}`}`;

export const sctpMatch: MatchExt<SctpMatch> = {
  name: 'sctp',
  bind: (m) => bindSctp(m),
  options: ['source-port', 'sport', 'destination-port', 'dport', 'chunk-types'].map((name) => ({ name, hasArg: true, invertible: true })),
  init: () => ({ name: 'sctp', chunkMatch: 'any', chunks: [], flags: [] }),
  parse(m, option, arg, invert, ctx) {
    let s = seenOpt.get(m);
    if (!s) seenOpt.set(m, (s = new Set()));
    const id = option === 'sport' ? 'source-port' : option === 'dport' ? 'destination-port' : option;
    if (s.has(id)) throw paramProblem(`Only one \`--${id}' allowed`, 'DUP_OPTION');
    s.add(id);
    switch (id) {
      case 'source-port': m.sport = parsePortRange(arg!, 'sctp'); m.invSport = invert; break;
      case 'destination-port': m.dport = parsePortRange(arg!, 'sctp'); m.invDport = invert; break;
      case 'chunk-types': {
        const next = ctx.peekArg();
        if (next === undefined || next.startsWith('-') || next.startsWith('!')) {
          throw paramProblem('--chunk-types requires two args', 'MISSING_ARG');
        }
        const type = arg!.toLowerCase();
        if (type !== 'any' && type !== 'all' && type !== 'only') {
          throw paramProblem('Match type has to be one of "ALL", "ANY" or "ONLY"', 'BAD_VALUE');
        }
        m.chunkMatch = type;
        parseChunks(m, ctx.nextArg('--chunk-types'));
        m.invChunks = invert;
        m.chunksGiven = true;
        break;
      }
    }
  },
  save(m) {
    let s = savePorts('sport', m.sport, m.invSport) + savePorts('dport', m.dport, m.invDport);
    if (m.chunksGiven) s += `${m.invChunks ? ' !' : ''} --chunk-types${chunks(m, false)}`;
    return s;
  },
  print(m, numeric) {
    let s = ' sctp';
    if (m.sport) s += printPorts('spt', m.sport.lo, m.sport.hi, m.invSport === true, numeric, 'sctp');
    if (m.dport) s += printPorts('dpt', m.dport.lo, m.dport.hi, m.invDport === true, numeric, 'sctp');
    if (m.chunksGiven) s += `${m.invChunks ? ' !' : ''}${chunks(m, numeric)}`;
    return s;
  },
  check: (_m, rule) => needProto(rule, 132),
};
