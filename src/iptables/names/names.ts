/**
 * Name look-ups iptables does through libc (getprotobyname, getservbyname,
 * getnetbyname, gethostbyaddr ...), answered from built-in tables so that rawgate
 * parses and prints the same text on every machine, and never asks DNS.
 * Hosts: only 'localhost' (127.0.0.1) and the networks of Debian's /etc/networks.
 */
import { PROTOCOLS } from './protocols-data.js';
import { SERVICES } from './services.js';

/** iptables' own protocol table (libxtables xtables_chain_protos), consulted first for printing. */
const CHAIN_PROTOS: readonly (readonly [string, number])[] = [
  ['tcp', 6], ['sctp', 132], ['udp', 17], ['udplite', 136], ['icmp', 1],
  ['ipv6-icmp', 58], ['esp', 50], ['ah', 51], ['mobility-header', 135], ['all', 0],
];
/** Names iptables accepts on input in addition to /etc/protocols. */
const EXTRA_PROTO_NAMES: readonly (readonly [string, number])[] = [['icmpv6', 58], ['ipv6-mh', 135], ['mh', 135]];

const protoByName = new Map<string, number>();
const protoByNumber = new Map<number, string>();
for (const [name, num, ...aliases] of PROTOCOLS) {
  if (!protoByName.has(name)) protoByName.set(name, num);
  for (const a of aliases) if (!protoByName.has(a)) protoByName.set(a, num);
  if (!protoByNumber.has(num)) protoByNumber.set(num, name);
}
for (const [name, num] of EXTRA_PROTO_NAMES) if (!protoByName.has(name)) protoByName.set(name, num);

/** getprotobyname + iptables' table (case-sensitive; the caller lower-cases). */
export function protoNumberByName(name: string): number | undefined {
  const n = protoByName.get(name);
  if (n !== undefined) return n;
  return CHAIN_PROTOS.find(([p]) => p === name)?.[1];
}

/** iptables' proto_to_name: its own table first, then /etc/protocols unless nolookup. */
export function protoName(num: number, nolookup = false): string | undefined {
  const own = CHAIN_PROTOS.find(([, n]) => n === num);
  if (own) return own[0];
  if (num !== 0 && !nolookup) return protoByNumber.get(num);
  return undefined;
}

/** The name iptables-save prints for -p (1.8.9 looks /etc/protocols up when saving). */
export function protoSaveName(num: number): string {
  return protoName(num, false) ?? String(num);
}

const servByName = new Map<string, number>();
const servByPort = new Map<string, string>();
for (const [name, port, proto, ...aliases] of SERVICES) {
  for (const n of [name, ...aliases]) {
    const k = `${proto}/${n}`;
    if (!servByName.has(k)) servByName.set(k, port);
  }
  const pk = `${proto}/${port}`;
  if (!servByPort.has(pk)) servByPort.set(pk, name);
}

/** getservbyname(name, proto); proto undefined = any (getaddrinfo-style look-up). */
export function serviceToPort(name: string, proto?: string): number | undefined {
  if (proto !== undefined) return servByName.get(`${proto}/${name}`);
  return servByName.get(`tcp/${name}`) ?? servByName.get(`udp/${name}`);
}

/** getservbyport(port, proto). */
export function portToService(port: number, proto: string): string | undefined {
  return servByPort.get(`${proto}/${port}`);
}

/** Debian's /etc/networks. */
const NETWORKS: readonly (readonly [string, number])[] = [
  ['default', 0x00000000], ['loopback', 0x7f000000], ['link-local', 0xa9fe0000],
];

/** getnetbyname. */
export function networkByName(name: string): number | undefined {
  return NETWORKS.find(([n]) => n === name)?.[1];
}

/** Host names rawgate resolves (no DNS): only localhost. */
export function hostByName(name: string): number | undefined {
  return name === 'localhost' ? 0x7f000001 : undefined;
}

/** xtables_ipaddr_to_anyname's name part: a host name, else a network name, else undefined. */
export function addrToName(addr: number): string | undefined {
  if (addr === 0x7f000001) return 'localhost';
  return NETWORKS.find(([, a]) => a === addr)?.[0];
}
