/**
 * -m tcp (libxt_tcp.c, old-style parser): --sport/--dport ranges, --syn,
 * --tcp-flags, --tcp-option. Save order: sport, dport, tcp-option, tcp-flags;
 * full port ranges (0:65535) are omitted, as 1.8.9's nft backend prints them.
 */
import type { PortRange } from '../../rules/matches.js';
import type { UdpMatch } from './udp.js';
import { paramProblem } from '../errors.js';
import { portToService } from '../names/names.js';
import { strtoui } from '../parse-num.js';
import { parsePortRange } from '../proto.js';
import type { MatchExt } from './types.js';
import { matchTcp } from '../../rules/match/l4.js';
import { neg, portTest, rangeText, type BoxNarrowing } from '../../rules/jit/ext-hooks.js';

export interface TcpMatch {
  name: 'tcp';
  sport: PortRange; invSport: boolean;
  dport: PortRange; invDport: boolean;
  /** --tcp-flags mask comp (0/0 = no test). */
  flagsMask: number; flagsCmp: number; invFlags: boolean;
  /** --tcp-option N, 0 = absent. */
  option: number; invOption: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { tcp: TcpMatch; }
}

const TCP_FLAGS: readonly (readonly [string, number])[] = [
  ['FIN', 0x01], ['SYN', 0x02], ['RST', 0x04], ['PSH', 0x08], ['ACK', 0x10], ['URG', 0x20], ['ALL', 0x3f], ['NONE', 0],
];

export function parseTcpFlags(list: string): number {
  let ret = 0;
  for (const f of list.split(',').filter((x) => x !== '')) {
    const e = TCP_FLAGS.find(([n]) => n.toLowerCase() === f.toLowerCase());
    if (!e) throw paramProblem(`Unknown TCP flag \`${f}'`, 'BAD_TCP_FLAG');
    ret |= e[1];
  }
  return ret;
}

/** print_tcpf: lowest bit first, NONE when empty. */
export function formatTcpFlags(flags: number): string {
  const names: string[] = [];
  for (const [n, bit] of TCP_FLAGS.slice(0, 6)) if (flags & bit) names.push(n);
  return names.length ? names.join(',') : 'NONE';
}

/** Options seen per match instance ("Only one `--x' allowed"). */
const seen = new WeakMap<TcpMatch, Set<string>>();

function once(m: TcpMatch, key: string, message: string): void {
  let s = seen.get(m);
  if (!s) seen.set(m, (s = new Set()));
  if (s.has(key)) throw paramProblem(message, 'DUP_OPTION');
  s.add(key);
}

export function printPorts(name: string, lo: number, hi: number, invert: boolean, numeric: boolean, proto: string): string {
  if (lo === 0 && hi === 0xffff && !invert) return '';
  const inv = invert ? '!' : '';
  const p = (port: number) => (numeric ? String(port) : (portToService(port, proto) ?? String(port)));
  if (lo === hi) return ` ${name}:${inv}${p(lo)}`;
  return ` ${name}s:${inv}${p(lo)}:${p(hi)}`;
}

export function savePorts(opt: string, lo: number, hi: number, invert: boolean): string {
  if (lo === 0 && hi === 0xffff) return '';
  return `${invert ? ' !' : ''} --${opt} ${lo === hi ? lo : `${lo}:${hi}`}`;
}

/** tcp's and udp's port tests inline, plus tcp's flags test ('' parts left out). */
export function portsInline(m: TcpMatch | UdpMatch): string {
  const parts = ['ctx.l4Off >= 0'];
  const s = portTest('ctx.sport', m.sport.lo, m.sport.hi, m.invSport);
  const d = portTest('ctx.dport', m.dport.lo, m.dport.hi, m.invDport);
  if (s !== '') parts.push(s);
  if (d !== '') parts.push(d);
  if (m.name === 'tcp' && (m.flagsMask !== 0 || m.flagsCmp !== 0 || m.invFlags)) {
    parts.push(`(ctx.tcpFlags & ${m.flagsMask}) ${m.invFlags ? '!==' : '==='} ${m.flagsCmp}`);
  }
  return parts.join(' && ');
}

/** A port match needs a readable L4 header and narrows both port dimensions; exact unless a range is inverted. */
export function portsBox(m: TcpMatch | UdpMatch, b: BoxNarrowing): boolean {
  b.requireL4();
  let exact = true;
  if (m.invSport) exact = false; else b.sport(m.sport.lo, m.sport.hi);
  if (m.invDport) exact = false; else b.dport(m.dport.lo, m.dport.hi);
  return exact;
}

export function portsDescribe(m: TcpMatch | UdpMatch): string {
  const p: string[] = [`-m ${m.name}`];
  if (m.sport.lo !== 0 || m.sport.hi !== 0xffff || m.invSport) p.push(`${neg(m.invSport)}--sport ${rangeText(m.sport)}`);
  if (m.dport.lo !== 0 || m.dport.hi !== 0xffff || m.invDport) p.push(`${neg(m.invDport)}--dport ${rangeText(m.dport)}`);
  return p.join(' ');
}

export const tcpMatch: MatchExt<TcpMatch> = {
  name: 'tcp',
  bind: (m) => (ctx) => matchTcp(m, ctx),
  quiet: true,
  jit: {
    // --tcp-option needs the option walk: left to the bound function.
    inline: (m) => (m.option !== 0 || m.invOption ? undefined : portsInline(m)),
    box: (m, b) => portsBox(m, b) && m.flagsMask === 0 && !m.invFlags && m.option === 0 && !m.invOption,
    describe: (m) => {
      const p = [portsDescribe(m)];
      if (m.flagsMask !== 0 || m.invFlags) p.push(`${neg(m.invFlags)}--tcp-flags 0x${m.flagsMask.toString(16)} 0x${m.flagsCmp.toString(16)}`);
      if (m.option !== 0) p.push(`${neg(m.invOption)}--tcp-option ${m.option}`);
      return p.join(' ');
    },
  },
  options: [
    { name: 'source-port', hasArg: true, invertible: true },
    { name: 'sport', hasArg: true, invertible: true },
    { name: 'destination-port', hasArg: true, invertible: true },
    { name: 'dport', hasArg: true, invertible: true },
    { name: 'syn', hasArg: false, invertible: true },
    { name: 'tcp-flags', hasArg: true, invertible: true },
    { name: 'tcp-option', hasArg: true, invertible: true },
  ],
  init: () => ({
    name: 'tcp',
    sport: { lo: 0, hi: 0xffff }, invSport: false,
    dport: { lo: 0, hi: 0xffff }, invDport: false,
    flagsMask: 0, flagsCmp: 0, invFlags: false,
    option: 0, invOption: false,
  }),
  parse(m, option, arg, invert, ctx) {
    switch (option) {
      case 'source-port':
      case 'sport':
        once(m, 'sport', "Only one `--source-port' allowed");
        m.sport = parsePortRange(arg!, 'tcp');
        if (invert) m.invSport = true;
        break;
      case 'destination-port':
      case 'dport':
        once(m, 'dport', "Only one `--destination-port' allowed");
        m.dport = parsePortRange(arg!, 'tcp');
        if (invert) m.invDport = true;
        break;
      case 'syn':
        once(m, 'flags', "Only one of `--syn' or `--tcp-flags'  allowed");
        m.flagsMask = 0x17; m.flagsCmp = 0x02; m.invFlags = invert;
        break;
      case 'tcp-flags': {
        once(m, 'flags', "Only one of `--syn' or `--tcp-flags'  allowed");
        const next = ctx.peekArg();
        if (next === undefined || next.startsWith('-') || next.startsWith('!')) {
          throw paramProblem('--tcp-flags requires two args.', 'MISSING_ARG');
        }
        ctx.nextArg('--tcp-flags');
        m.flagsMask = parseTcpFlags(arg!);
        m.flagsCmp = parseTcpFlags(next);
        m.invFlags = invert;
        break;
      }
      case 'tcp-option': {
        once(m, 'option', "Only one `--tcp-option' allowed");
        const v = strtoui(arg!, 1, 255);
        if (v === undefined) throw paramProblem(`Bad TCP option "${arg}"`, 'BAD_TCP_OPTION');
        m.option = v;
        if (invert) m.invOption = true;
        break;
      }
    }
  },
  save(m) {
    let s = savePorts('sport', m.sport.lo, m.sport.hi, m.invSport) + savePorts('dport', m.dport.lo, m.dport.hi, m.invDport);
    if (m.option || m.invOption) s += `${m.invOption ? ' !' : ''} --tcp-option ${m.option}`;
    if (m.flagsMask || m.invFlags) {
      s += `${m.invFlags ? ' !' : ''} --tcp-flags ${formatTcpFlags(m.flagsMask)} ${formatTcpFlags(m.flagsCmp)}`;
    }
    return s;
  },
  print(m, numeric) {
    let s = ' tcp';
    s += printPorts('spt', m.sport.lo, m.sport.hi, m.invSport, numeric, 'tcp');
    s += printPorts('dpt', m.dport.lo, m.dport.hi, m.invDport, numeric, 'tcp');
    if (m.option || m.invOption) s += ` option=${m.invOption ? '!' : ''}${m.option}`;
    if (m.flagsMask || m.invFlags) {
      const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
      s += ` flags:${m.invFlags ? '!' : ''}`;
      s += numeric ? `${hex(m.flagsMask)}/${hex(m.flagsCmp)}` : `${formatTcpFlags(m.flagsMask)}/${formatTcpFlags(m.flagsCmp)}`;
    }
    return s;
  },
};
