/** -p parsing (xtables_parse_protocol) and the ports helpers tcp/udp-like extensions share. */
import { paramProblem } from './errors.js';
import { strtoui } from './parse-num.js';
import { protoNumberByName, serviceToPort } from './names/names.js';

/** xtables_parse_protocol; `s` already lower-cased as iptables does. */
export function parseProtocol(s: string): number {
  const n = strtoui(s, 0, 255);
  if (n !== undefined) return n;
  if (s === 'all') return 0;
  const p = protoNumberByName(s);
  if (p !== undefined) return p;
  throw paramProblem(`unknown protocol "${s}" specified`, 'BAD_PROTO');
}

/** xtables_parse_port: number 0..65535 (base 0) or a service name of `proto`. */
export function parsePort(port: string, proto: string): number {
  const n = strtoui(port, 0, 65535);
  if (n !== undefined) return n;
  const s = serviceToPort(port, proto);
  if (s !== undefined) return s;
  throw paramProblem(`invalid port/service \`${port}' specified`, 'BAD_PORT');
}

/** parse_tcp_ports style "a", "a:b", "a:", ":b" (libxt_tcp). */
export function parsePortRange(spec: string, proto: string): { lo: number; hi: number } {
  const colon = spec.indexOf(':');
  if (colon < 0) {
    const p = parsePort(spec, proto);
    return { lo: p, hi: p };
  }
  const a = spec.slice(0, colon);
  const b = spec.slice(colon + 1);
  const lo = a ? parsePort(a, proto) : 0;
  const hi = b ? parsePort(b, proto) : 0xffff;
  if (lo > hi) throw paramProblem('invalid portrange (min > max)', 'BAD_PORT');
  return { lo, hi };
}

/**
 * xtables_getportbyname as XTTYPE_PORTRC options use it (getaddrinfo): a
 * decimal number (truncated to 16 bits, as glibc does) or a service name.
 */
export function getPortByName(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(BigInt(name) & 0xffffn);
  return serviceToPort(name);
}

/** XTTYPE_PORTRC parsing (xtopt_parse_mport with two slots): "a", "a:b", "a:", ":b". */
export function parsePortRangeRC(spec: string): { lo: number; hi: number } {
  const vals: (number | undefined)[] = [];
  const parts = spec.split(':');
  for (const arg of parts) {
    if (vals.length === 2) break;
    if (arg === '') { vals.push(undefined); continue; }
    const v = getPortByName(arg);
    if (v === undefined) throw paramProblem(`Port "${arg}" does not resolve to anything.\n`, 'BAD_PORT');
    vals.push(v);
  }
  if (vals.length === 1) return { lo: vals[0] ?? 0, hi: vals[0] ?? 0xffff };
  return { lo: vals[0] ?? 0, hi: vals[1] ?? 0xffff };
}
