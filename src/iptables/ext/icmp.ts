/**
 * -m icmp --icmp-type (libipt_icmp.c): a name (case-insensitive prefix, unique),
 * 'any', or TYPE[/CODE]. The kernel's xt icmp match requires -p icmp (EINVAL).
 */
import { kernelReject, paramProblem } from '../errors.js';
import { strtoui } from '../parse-num.js';
import type { MatchExt } from './types.js';
import { matchIcmp } from '../../rules/match/l4.js';
import { neg } from '../../rules/jit/ext-hooks.js';

export interface IcmpMatch {
  name: 'icmp';
  /** 255 = any. */
  type: number; codeLo: number; codeHi: number; invert: boolean;
}

declare module '../../rules/matches.js' {
  interface MatchTypes { icmp: IcmpMatch; }
}

/** [name, type, codeMin, codeMax] in libxtables order (first match wins when printing). */
export const ICMP_CODES: readonly (readonly [string, number, number, number])[] = [
  ['any', 0xff, 0, 0xff],
  ['echo-reply', 0, 0, 0xff],
  ['pong', 0, 0, 0xff],
  ['destination-unreachable', 3, 0, 0xff],
  ['network-unreachable', 3, 0, 0],
  ['host-unreachable', 3, 1, 1],
  ['protocol-unreachable', 3, 2, 2],
  ['port-unreachable', 3, 3, 3],
  ['fragmentation-needed', 3, 4, 4],
  ['source-route-failed', 3, 5, 5],
  ['network-unknown', 3, 6, 6],
  ['host-unknown', 3, 7, 7],
  ['network-prohibited', 3, 9, 9],
  ['host-prohibited', 3, 10, 10],
  ['TOS-network-unreachable', 3, 11, 11],
  ['TOS-host-unreachable', 3, 12, 12],
  ['communication-prohibited', 3, 13, 13],
  ['host-precedence-violation', 3, 14, 14],
  ['precedence-cutoff', 3, 15, 15],
  ['source-quench', 4, 0, 0xff],
  ['redirect', 5, 0, 0xff],
  ['network-redirect', 5, 0, 0],
  ['host-redirect', 5, 1, 1],
  ['TOS-network-redirect', 5, 2, 2],
  ['TOS-host-redirect', 5, 3, 3],
  ['echo-request', 8, 0, 0xff],
  ['ping', 8, 0, 0xff],
  ['router-advertisement', 9, 0, 0xff],
  ['router-solicitation', 10, 0, 0xff],
  ['time-exceeded', 11, 0, 0xff],
  ['ttl-exceeded', 11, 0, 0xff],
  ['ttl-zero-during-transit', 11, 0, 0],
  ['ttl-zero-during-reassembly', 11, 1, 1],
  ['parameter-problem', 12, 0, 0xff],
  ['ip-header-bad', 12, 0, 0],
  ['required-option-missing', 12, 1, 1],
  ['timestamp-request', 13, 0, 0xff],
  ['timestamp-reply', 14, 0, 0xff],
  ['address-mask-request', 17, 0, 0xff],
  ['address-mask-reply', 18, 0, 0xff],
];

export function parseIcmpType(arg: string): { type: number; codeLo: number; codeHi: number } {
  let match: (typeof ICMP_CODES)[number] | undefined;
  for (const e of ICMP_CODES) {
    if (e[0].toLowerCase().startsWith(arg.toLowerCase())) {
      if (match) throw paramProblem(`Ambiguous ICMP type \`${arg}': \`${match[0]}' or \`${e[0]}'?`, 'BAD_ICMP_TYPE');
      match = e;
    }
  }
  if (match) return { type: match[1], codeLo: match[2], codeHi: match[3] };
  const slash = arg.indexOf('/');
  const typeText = slash >= 0 ? arg.slice(0, slash) : arg;
  const type = strtoui(typeText, 0, 255);
  if (type === undefined) throw paramProblem(`Unknown ICMP type \`${arg}'`, 'BAD_ICMP_TYPE');
  if (slash < 0) return { type, codeLo: 0, codeHi: 0xff };
  const code = strtoui(arg.slice(slash + 1), 0, 255);
  if (code === undefined) throw paramProblem(`Unknown ICMP code \`${arg}'`, 'BAD_ICMP_CODE');
  return { type, codeLo: code, codeHi: code };
}

const given = new WeakSet<IcmpMatch>();

export const icmpMatch: MatchExt<IcmpMatch> = {
  name: 'icmp',
  bind: (m) => (ctx) => matchIcmp(m, ctx),
  quiet: true,
  jit: {
    inline: (m) => {
      const t = m.type === 255
        ? 'true'
        : `ctx.icmpType === ${m.type} && ctx.icmpCode >= ${m.codeLo} && ctx.icmpCode <= ${m.codeHi}`;
      return m.invert ? `ctx.l4Off >= 0 && !(${t})` : m.type === 255 ? 'ctx.l4Off >= 0' : `ctx.l4Off >= 0 && ${t}`;
    },
    box: (_m, b) => {
      b.requireL4();
      return false;
    },
    describe: (m) => `-m icmp ${neg(m.invert)}--icmp-type ${m.type === 255 ? 'any' : `${m.type}/${m.codeLo}:${m.codeHi}`}`,
  },
  options: [{ name: 'icmp-type', hasArg: true, invertible: true }],
  init: () => ({ name: 'icmp', type: 0xff, codeLo: 0, codeHi: 0xff, invert: false }),
  parse(m, _option, arg, invert) {
    if (given.has(m)) throw paramProblem('icmp: option "--icmp-type" can only be used once.\n', 'DUP_OPTION');
    given.add(m);
    Object.assign(m, parseIcmpType(arg!));
    if (invert) m.invert = true;
  },
  final(m) {
    if (!given.has(m)) throw paramProblem('icmp: option "--icmp-type" must be specified\n', 'MISSING_OPTION');
  },
  save(m) {
    const inv = m.invert ? ' !' : '';
    if (m.type === 0xff) return `${inv} --icmp-type any`;
    const code = m.codeLo !== 0 || m.codeHi !== 0xff ? `/${m.codeLo}` : '';
    return `${inv} --icmp-type ${m.type}${code}`;
  },
  print(m, numeric) {
    let s = ' icmp';
    if (!numeric) {
      const e = ICMP_CODES.find(([, t, lo, hi]) => t === m.type && lo === m.codeLo && hi === m.codeHi);
      if (e) return `${s} ${m.invert ? '!' : ''}${e[0]}`;
    }
    if (m.invert) s += ' !';
    s += `type ${m.type}`;
    if (m.codeLo === m.codeHi) s += ` code ${m.codeLo}`;
    else if (m.codeLo !== 0 || m.codeHi !== 0xff) s += ` codes ${m.codeLo}-${m.codeHi}`;
    return s;
  },
  check(_m, rule) {
    if (rule.proto !== 1 || rule.invProto) throw kernelReject();
  },
};
