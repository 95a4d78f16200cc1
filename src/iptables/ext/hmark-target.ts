/**
 * -j HMARK (libxt_HMARK.c, IPv4). Options set both the value and its
 * XT_HMARK_FLAG bit; --hmark-tuple src,dst,sport,dport,spi,proto,ct (each
 * word may be abbreviated, any case) sets the full mask of each field, and
 * counts as that option given (a later --hmark-src-prefix after "src" is a
 * second use). --hmark-sport-mask / --hmark-dport-mask and --hmark-spi-mask
 * (and likewise the port and SPI values) share the same 4 bytes, as in the
 * kernel's union. HMARK_check: --hmark-mod and --hmark-rnd are mandatory,
 * the SPI mask excludes the port masks, and some field must be hashed. The
 * kernel refuses an SPI value together with a port value (EINVAL).
 */
import { HmarkBit } from '../../rules/target/hmark.js';
import { kernelReject, paramProblem } from '../errors.js';
import type { TargetExt } from './types.js';
import { once, parseUintOpt } from './xt-options.js';
import { targetHmark } from '../../rules/target/hmark.js';

/** -j HMARK (xt_hmark_info, IPv4). */
export interface HmarkTarget {
  kind: 'HMARK';
  /** XT_HMARK_FLAG bits (1 << XT_HMARK_*). */
  flags: number;
  /** Address masks (host order). */
  srcMask: number; dstMask: number;
  /** The 4 port/SPI bytes as a big-endian value: sport << 16 | dport, or the SPI. */
  portMask: number; portSet: number;
  protoMask: number;
  hashrnd: number;
  modulus: number;
  offset: number;
}
declare module '../../rules/targets.js' {
  interface TargetTypes { HMARK: HmarkTarget; }
}

const B = HmarkBit;
const F = (bit: number): number => 1 << bit;
/** Option-table ids (O_HMARK_*: the XT_HMARK_* numbers, plus O_HMARK_TYPE = 13). */
const O_TYPE = 13;
const PKT_MASK = F(B.SADDR_MASK) | F(B.DADDR_MASK) | F(B.SPI_MASK) | F(B.SPORT_MASK) | F(B.DPORT_MASK)
  | F(B.PROTO_MASK) | F(B.SPORT) | F(B.DPORT) | F(B.SPI);

const OPTS: readonly (readonly [string, number])[] = [
  ['hmark-tuple', O_TYPE], ['hmark-src-prefix', B.SADDR_MASK], ['hmark-dst-prefix', B.DADDR_MASK],
  ['hmark-sport-mask', B.SPORT_MASK], ['hmark-dport-mask', B.DPORT_MASK], ['hmark-spi-mask', B.SPI_MASK],
  ['hmark-sport', B.SPORT], ['hmark-dport', B.DPORT], ['hmark-spi', B.SPI], ['hmark-proto-mask', B.PROTO_MASK],
  ['hmark-rnd', B.RND], ['hmark-mod', B.MODULUS], ['hmark-offset', B.OFFSET],
];
const ID = new Map(OPTS);

/** The option ids given so far (cb->xflags), tuple words included. */
const xflags = new WeakMap<HmarkTarget, number>();
const xf = (t: HmarkTarget): number => xflags.get(t) ?? 0;

const prefixMask = (n: number): number => (n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0);
function maskToCidr(m: number): number {
  let n = 0;
  while (n < 32 && (m & (0x80000000 >>> n)) !== 0) n++;
  return n;
}
const hexw = (n: number, w: number): string => `0x${(n >>> 0).toString(16).padStart(w, '0')}`;
const hx = (n: number): string => `0x${(n >>> 0).toString(16)}`;

const TUPLE_WORDS = ['ct', 'src', 'dst', 'sport', 'dport', 'proto', 'spi'] as const;

/** hmark_parse: one (possibly abbreviated) tuple word; false when unknown. */
function tupleWord(t: HmarkTarget, word: string): boolean {
  const w = TUPLE_WORDS.find((k) => word.length > 0 && k.startsWith(word.toLowerCase()));
  if (w === undefined) return false;
  let bit: number;
  switch (w) {
    case 'ct': bit = B.CT; break;
    case 'src': t.srcMask = 0xffffffff; bit = B.SADDR_MASK; break;
    case 'dst': t.dstMask = 0xffffffff; bit = B.DADDR_MASK; break;
    case 'sport': t.portMask = (t.portMask | 0xffff0000) >>> 0; bit = B.SPORT_MASK; break;
    case 'dport': t.portMask = (t.portMask | 0xffff) >>> 0; bit = B.DPORT_MASK; break;
    case 'proto': t.protoMask = 0xffff; bit = B.PROTO_MASK; break;
    default: t.portMask = 0xffffffff; bit = B.SPI_MASK;
  }
  t.flags |= F(bit);
  xflags.set(t, xf(t) | F(bit));
  return true;
}

function parseTuple(t: HmarkTarget, arg: string): void {
  let rest = arg;
  for (let comma = rest.indexOf(','); comma >= 0; comma = rest.indexOf(',')) {
    if (comma === 0 || !tupleWord(t, rest.slice(0, comma))) throw paramProblem(`Bad type "${rest}"`, 'BAD_VALUE');
    rest = rest.slice(comma + 1);
  }
  if (rest === '') {
    throw paramProblem('"--hmark-tuple" requires a list of types with no spaces, e.g. src,dst,sport,dport,proto', 'BAD_VALUE');
  }
  if (!tupleWord(t, rest)) throw paramProblem(`Bad type "${rest}"`, 'BAD_VALUE');
}

export const hmarkTarget: TargetExt<HmarkTarget> = {
  name: 'HMARK',
  bind: (t, _rule, env) => {
    const ct = env.host.ctInfo;
    return (ctx) => targetHmark(t, ctx, ct);
  },
  options: OPTS.map(([name]) => ({ name, hasArg: true })),
  init: () => ({ kind: 'HMARK', flags: 0, srcMask: 0, dstMask: 0, portMask: 0, portSet: 0, protoMask: 0, hashrnd: 0, modulus: 0, offset: 0 }),
  parse(t, option, arg) {
    const id = ID.get(option)!;
    if (xf(t) & F(id)) throw paramProblem(`HMARK: option "--${option}" can only be used once.\n`, 'DUP_OPTION');
    once('HMARK', t, option);
    const a = arg!;
    const u16 = () => parseUintOpt('HMARK', option, a, 0, 0xffff);
    const u32 = (min = 0) => parseUintOpt('HMARK', option, a, min, 0xffffffff);
    switch (id) {
      case O_TYPE: parseTuple(t, a); break;
      case B.SADDR_MASK: t.srcMask = prefixMask(parseUintOpt('HMARK', option, a, 0, 32)); break;
      case B.DADDR_MASK: t.dstMask = prefixMask(parseUintOpt('HMARK', option, a, 0, 32)); break;
      case B.SPORT_MASK: t.portMask = ((u16() << 16) | (t.portMask & 0xffff)) >>> 0; break;
      case B.DPORT_MASK: t.portMask = ((t.portMask & 0xffff0000) | u16()) >>> 0; break;
      case B.SPI_MASK: t.portMask = u32(); break;
      case B.SPORT: t.portSet = ((u16() << 16) | (t.portSet & 0xffff)) >>> 0; break;
      case B.DPORT: t.portSet = ((t.portSet & 0xffff0000) | u16()) >>> 0; break;
      case B.SPI: t.portSet = u32(); break;
      case B.PROTO_MASK: t.protoMask = u16(); break;
      case B.RND: t.hashrnd = u32(); break;
      case B.MODULUS: t.modulus = u32(1); break;
      default: t.offset = u32();
    }
    if (id !== O_TYPE) t.flags |= F(id);
    xflags.set(t, xf(t) | F(id));
  },
  final(t) {
    const x = xf(t);
    if (!(x & F(B.MODULUS))) throw paramProblem('--hmark-mod is mandatory', 'MISSING_OPTION');
    if (!(x & F(B.RND))) throw paramProblem('--hmark-rnd is mandatory', 'MISSING_OPTION');
    if (x & F(B.SPI_MASK) && x & (F(B.SPORT_MASK) | F(B.DPORT_MASK))) {
      throw paramProblem('you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time', 'OPTION_CONFLICT');
    }
    if (!(x & PKT_MASK) && !(x & F(B.CT))) throw paramProblem('you have to specify --hmark-tuple at least', 'MISSING_OPTION');
  },
  save(t) {
    const f = (b: number) => (t.flags & F(b)) !== 0;
    let s = '';
    if (f(B.SADDR_MASK)) s += ` --hmark-src-prefix ${maskToCidr(t.srcMask)}`;
    if (f(B.DADDR_MASK)) s += ` --hmark-dst-prefix ${maskToCidr(t.dstMask)}`;
    if (f(B.SPORT_MASK)) s += ` --hmark-sport-mask ${hexw(t.portMask >>> 16, 4)}`;
    if (f(B.DPORT_MASK)) s += ` --hmark-dport-mask ${hexw(t.portMask & 0xffff, 4)}`;
    if (f(B.SPI_MASK)) s += ` --hmark-spi-mask ${hexw(t.portMask, 8)}`;
    if (f(B.SPORT)) s += ` --hmark-sport ${hexw(t.portSet >>> 16, 4)}`;
    if (f(B.DPORT)) s += ` --hmark-dport ${hexw(t.portSet & 0xffff, 4)}`;
    if (f(B.SPI)) s += ` --hmark-spi ${hexw(t.portSet, 8)}`;
    if (f(B.PROTO_MASK)) s += ` --hmark-proto-mask ${hexw(t.protoMask, 2)}`;
    if (f(B.RND)) s += ` --hmark-rnd ${hexw(t.hashrnd, 8)}`;
    if (f(B.MODULUS)) s += ` --hmark-mod ${t.modulus}`;
    if (f(B.OFFSET)) s += ` --hmark-offset ${t.offset}`;
    if (f(B.CT)) s += ' --hmark-tuple ct';
    return s;
  },
  print(t) {
    const f = (b: number) => (t.flags & F(b)) !== 0;
    let s = ' HMARK ';
    if (f(B.MODULUS)) s += `mod ${t.modulus} `;
    if (f(B.OFFSET)) s += `+ ${hx(t.offset)} `;
    if (f(B.CT)) s += 'ct, ';
    if (f(B.SADDR_MASK)) s += `src-prefix ${maskToCidr(t.srcMask)} `;
    if (f(B.DADDR_MASK)) s += `dst-prefix ${maskToCidr(t.dstMask)} `;
    if (f(B.SPORT_MASK)) s += `sport-mask ${hx(t.portMask >>> 16)} `;
    if (f(B.DPORT_MASK)) s += `dport-mask ${hx(t.portMask & 0xffff)} `;
    if (f(B.SPI_MASK)) s += `spi-mask ${hx(t.portMask)} `;
    if (f(B.SPORT)) s += `sport ${hx(t.portSet >>> 16)} `;
    if (f(B.DPORT)) s += `dport ${hx(t.portSet & 0xffff)} `;
    if (f(B.SPI)) s += `spi ${hx(t.portSet)} `;
    if (f(B.PROTO_MASK)) s += `proto-mask ${hx(t.protoMask)} `;
    if (f(B.RND)) s += `rnd ${hx(t.hashrnd)} `;
    return s;
  },
  check(t) {
    // hmark_tg_check: "spi-set and port-set can't be combined" (and the same for the masks).
    const f = (b: number) => (t.flags & F(b)) !== 0;
    if (f(B.SPI) && (f(B.SPORT) || f(B.DPORT))) throw kernelReject();
    if (f(B.SPI_MASK) && (f(B.SPORT_MASK) || f(B.DPORT_MASK))) throw kernelReject();
  },
};
