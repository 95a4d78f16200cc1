/**
 * Address/port text of the NAT targets (iptables 1.8.9 libxt_NAT's parse_to,
 * parse_ports, print_range): "[ip[-ip]][:port[-port][/base]]". Ports need
 * -p tcp, udp, sctp or dccp (not inverted).
 */
import type { Rule } from '../../rules/model.js';
import type { NatRange } from '../../rules/targets.js';
import { formatAddr } from '../addr.js';
import { paramProblem } from '../errors.js';
import { serviceToPort } from '../names/names.js';
import { parseUlong } from './xt-options.js';

const PORT_PROTOS = [6, 17, 132, 33];

export function portsAllowed(rule: Rule): boolean {
  return PORT_PROTOS.includes(rule.proto) && !rule.invProto;
}

/** inet_pton(AF_INET): exactly four decimal parts 0..255, no leading zeros. */
export function inetPton(s: string): number | undefined {
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(s);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return undefined;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** xtables_strtoui with an end pointer: the leading number and the rest, or undefined. */
function leadingUint(s: string, min: number, max: number): [number, string] | undefined {
  const m = /^[ \t\n\v\f\r]*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(s);
  if (!m) return undefined;
  const v = parseUlong(m[0], min, max);
  return v === undefined ? undefined : [v, s.slice(m[0].length)];
}

const notValid = (p: string) => paramProblem(`Port \`${p}' not valid`, 'BAD_PORT');

/** parse_ports: "a[-b[/base]]". */
export function parseNatPorts(arg: string, portok: boolean): { lo: number; hi: number; base: number } {
  if (!portok) throw paramProblem('Need TCP, UDP, SCTP or DCCP with port specification', 'PORT_NEEDS_PROTO');
  let lo: number;
  let rest: string;
  const a = leadingUint(arg, 0, 0xffff);
  if (a) [lo, rest] = a;
  else {
    const s = serviceToPort(arg);
    if (s === undefined) throw notValid(arg);
    lo = s; rest = '';
  }
  if (rest === '') return { lo, hi: lo, base: 0 };
  if (rest.startsWith(':')) throw paramProblem('Invalid port:port syntax - use dash', 'BAD_PORT');
  if (!rest.startsWith('-')) throw paramProblem(`Garbage after port value: \`${rest}'`, 'BAD_PORT');
  const hiText = rest.slice(1);
  const b = leadingUint(hiText, 0, 0xffff);
  if (!b) throw notValid(hiText);
  const [hi, after] = b;
  if (hi < lo) throw paramProblem(`Port range \`${hiText.slice(0, hiText.length - after.length)}' funky`, 'BAD_PORT');
  if (after === '') return { lo, hi, base: 0 };
  if (!after.startsWith('/')) throw paramProblem(`Garbage after port range: \`${after}'`, 'BAD_PORT');
  const baseText = after.slice(1);
  const base = parseUlong(baseText, 1, 0xffff) ?? serviceToPort(baseText);
  if (base === undefined) throw notValid(baseText);
  return { lo, hi, base };
}

/** parse_to: "[ip[-ip]][:ports]". */
export function parseNatTo(arg: string, portok: boolean): NatRange {
  const r: NatRange = { minIp: 0, maxIp: 0, minPort: 0, maxPort: 0, basePort: 0 };
  const colon = arg.indexOf(':');
  // Two colons read as an IPv6 address, which is no IPv4 address.
  if (colon >= 0 && arg.indexOf(':', colon + 1) >= 0) badIp(arg);
  let addrs = arg;
  if (colon >= 0) {
    const p = parseNatPorts(arg.slice(colon + 1), portok);
    r.minPort = p.lo; r.maxPort = p.hi; r.basePort = p.base;
    r.protoSpecified = true;
    if (colon === 0) return r;
    addrs = arg.slice(0, colon);
  }
  const dash = addrs.indexOf('-');
  const lo = dash >= 0 ? addrs.slice(0, dash) : addrs;
  r.minIp = inetPton(lo) ?? badIp(lo);
  r.maxIp = dash >= 0 ? (inetPton(addrs.slice(dash + 1)) ?? badIp(addrs.slice(dash + 1))) : r.minIp;
  r.mapIps = true;
  return r;
}

function badIp(s: string): never {
  throw paramProblem(`Bad IP address "${s}"`, 'BAD_ADDR');
}

const hasIps = (r: NatRange) => r.mapIps ?? (r.minIp !== 0 || r.maxIp !== 0);
const hasPorts = (r: NatRange) => r.protoSpecified ?? (r.minPort !== 0 || r.maxPort !== 0);

/** print_range */
export function formatNatRange(r: NatRange): string {
  let s = '';
  if (hasIps(r)) {
    s += formatAddr(r.minIp);
    if (r.maxIp !== r.minIp) s += `-${formatAddr(r.maxIp)}`;
  }
  if (hasPorts(r)) {
    s += `:${r.minPort}`;
    if (r.maxPort !== r.minPort) s += `-${r.maxPort}`;
    if (r.basePort) s += `/${r.basePort}`;
  }
  return s;
}

export const rangeShown = (r: NatRange | null): r is NatRange => r !== null && (hasIps(r) || hasPorts(r));
