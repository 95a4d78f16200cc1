/**
 * -m multiport (libxt_multiport.c, revision 1): --sports / --dports / --ports
 * (long forms --source-ports, --destination-ports), up to 15 ports where a
 * range a:b (a < b) takes two slots; "!" before the option. Needs -p tcp,
 * udp, udplite, sctp or dccp at parse time (service names of that protocol).
 * The -L text keeps iptables' double space before "!": `dports  !1,2:3`.
 */
import type { PortRange } from '../../rules/matches.js';
import { paramProblem } from '../errors.js';
import { portToService } from '../names/names.js';
import { parsePort } from '../proto.js';
import type { MatchExt } from './types.js';
import { fcheck, given, once } from './xt-options.js';
import { matchMultiport } from '../../rules/match/l4.js';
import { neg, rangeText } from '../../rules/jit/ext-hooks.js';

export interface MultiportMatch {
  name: 'multiport';
  which: 'src' | 'dst' | 'any';
  ports: PortRange[];
  invert: boolean;
  /** The rule's -p when parsed (only for -L's service names without -n). */
  proto?: number;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { multiport: MultiportMatch; }
}

const PROTOS: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 136: 'udplite', 132: 'sctp', 33: 'dccp' };
const XT_MULTI_PORTS = 15;
const CANONICAL: Readonly<Record<string, string>> = {
  'source-ports': 'source-ports', sports: 'source-ports',
  'destination-ports': 'destination-ports', dports: 'destination-ports', ports: 'ports',
};

function checkProto(proto: number, invProto: boolean): string {
  const bad = 'multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP';
  if (invProto) throw paramProblem(bad, 'BAD_PROTO');
  const name = PROTOS[proto];
  if (name) return name;
  if (proto === 0) {
    throw paramProblem("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'", 'BAD_PROTO');
  }
  throw paramProblem(bad, 'BAD_PROTO');
}

/** parse_multi_ports_v1 */
function parsePorts(arg: string, proto: string): PortRange[] {
  const out: PortRange[] = [];
  let slots = 0;
  const items = arg.split(',');
  for (let k = 0; k < items.length; k++) {
    if (slots >= XT_MULTI_PORTS) throw paramProblem('too many ports specified', 'TOO_MANY_PORTS');
    const item = items[k]!;
    const colon = item.indexOf(':');
    if (colon >= 0) {
      if (slots === XT_MULTI_PORTS - 1) throw paramProblem('too many ports specified', 'TOO_MANY_PORTS');
      const lo = parsePort(item.slice(0, colon), proto);
      const hi = parsePort(item.slice(colon + 1), proto);
      if (lo >= hi) throw paramProblem('invalid portrange specified', 'BAD_PORT');
      out.push({ lo, hi });
      slots += 2;
    } else {
      const p = parsePort(item, proto);
      out.push({ lo: p, hi: p });
      slots += 1;
    }
  }
  return out;
}

function ports(m: MultiportMatch, numeric: boolean): string {
  const proto = PROTOS[m.proto ?? 0] ?? '';
  const p = (n: number) => (numeric ? String(n) : (portToService(n, proto) ?? String(n)));
  return m.ports.map((r) => (r.lo === r.hi ? p(r.lo) : `${p(r.lo)}:${p(r.hi)}`)).join(',');
}

const WHICH = { src: 'sports', dst: 'dports', any: 'ports' } as const;

export const multiportMatch: MatchExt<MultiportMatch> = {
  name: 'multiport',
  bind: (m) => (ctx) => matchMultiport(m, ctx),
  quiet: true,
  jit: {
    box: (m, b) => {
      b.requireL4();
      if (!m.invert && m.which !== 'any' && m.ports.length > 0) {
        let lo = 0xffff, hi = 0;
        for (const p of m.ports) { lo = Math.min(lo, p.lo); hi = Math.max(hi, p.hi); }
        if (m.which === 'src') b.sport(lo, hi); else b.dport(lo, hi);
      }
      return false;
    },
    describe: (m) => `-m multiport ${neg(m.invert)}--${m.which === 'any' ? '' : m.which[0]}ports ${m.ports.map(rangeText).join(',')}`,
  },
  options: Object.keys(CANONICAL).map((name) => ({ name, hasArg: true, invertible: true })),
  init: (ctx) => ({ name: 'multiport', which: 'any', ports: [], invert: false, proto: ctx.rule.proto }),
  parse(m, option, arg, invert, ctx) {
    const id = CANONICAL[option]!;
    once('multiport', m, id);
    const proto = checkProto(ctx.rule.proto, ctx.rule.invProto);
    m.proto = ctx.rule.proto;
    m.ports = parsePorts(arg!, proto);
    m.which = id === 'source-ports' ? 'src' : id === 'destination-ports' ? 'dst' : 'any';
    if (invert) m.invert = true;
  },
  final(m) {
    if (!['source-ports', 'destination-ports', 'ports'].some((o) => given(m, o))) {
      throw paramProblem('multiport expection an option', 'MISSING_OPTION');
    }
    const all = ['source-ports', 'destination-ports', 'ports'];
    fcheck('multiport', m, all.map((name) => ({ name, excl: all })));
  },
  save: (m) => `${m.invert ? ' !' : ''} --${WHICH[m.which]} ${ports(m, true)}`,
  print: (m, numeric) => ` multiport ${WHICH[m.which]} ${m.invert ? ' !' : ''}${ports(m, numeric)}`,
};
