/**
 * The lab's names and address plan. Every run gets a prefix `rg` + 6 random
 * base36 characters; namespaces are `<prefix>-router`, `-lan`, `-wan`,
 * `-vm`, `-tun`, so parallel runs never collide and teardown can find
 * exactly what one run made. Addresses exist only inside those namespaces:
 * 10.<n>.1.0/24 LAN, 10.<n>.2.0/24 WAN, 10.<n>.3.0/24 VM (TAP), 10.<n>.4.0/24
 * TUN host, router .1 and host .2 in each, n derived from the prefix.
 */
import { randomBytes } from 'node:crypto';

export const PREFIX_RE = /^rg[0-9a-z]{6}$/;
export const ROLES = ['router', 'lan', 'wan', 'vm', 'tun'] as const;
export type Role = (typeof ROLES)[number];
export const LAB_NS_RE = /^(rg[0-9a-z]{6})-(router|lan|wan|vm|tun)$/;

export function newPrefix(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let s = 'rg';
  for (const b of randomBytes(6)) s += alphabet[b % 36];
  return s;
}

export function nsName(prefix: string, role: Role): string {
  return `${prefix}-${role}`;
}

/** Second octet for this run: 16..239, stable for a prefix. */
export function subnetOctet(prefix: string): number {
  let h = 0;
  for (const c of prefix) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 16 + (h % 224);
}

/** One router link: the router's interface, the host's interface and their addresses (/24). */
export interface LabLink {
  /** Host namespace of the link. */
  ns: string;
  /** Interface name on the router side (afpacket veth, or the tap/tun rawgate creates). */
  routerIf: string;
  /** Interface name inside the host namespace. */
  hostIf: string;
  routerAddr: string;
  hostAddr: string;
  /** Network in CIDR form, e.g. 10.42.1.0/24. */
  subnet: string;
  prefixLen: number;
}

export interface LabPlan {
  prefix: string;
  n: number;
  router: string;
  lan: LabLink;
  wan: LabLink;
  vm: LabLink;
  tun: LabLink;
}

export function labPlan(prefix: string): LabPlan {
  const n = subnetOctet(prefix);
  const link = (role: Role, third: number, routerIf: string, hostIf: string): LabLink => ({
    ns: nsName(prefix, role),
    routerIf,
    hostIf,
    routerAddr: `10.${n}.${third}.1`,
    hostAddr: `10.${n}.${third}.2`,
    subnet: `10.${n}.${third}.0/24`,
    prefixLen: 24,
  });
  return {
    prefix,
    n,
    router: nsName(prefix, 'router'),
    lan: link('lan', 1, 'lan0', 'eth0'),
    wan: link('wan', 2, 'wan0', 'eth0'),
    vm: link('vm', 3, 'vm0', 'vm0'),
    tun: link('tun', 4, 'tun0', 'tun0'),
  };
}
