/**
 * The host port's kernel side: the TUN device through which packets for the
 * router's own addresses reach the kernel's sockets in rawgate's namespace
 * (sshd, a DNS server, the proxy behind a REDIRECT) and through which their
 * answers come back into rawgate's OUTPUT path — VPP's punt / linux-cp idea.
 *
 * Invariants: runs once at start, off the packet path, with `ip` from
 * iproute2, on the device rawgate itself created; every address rawgate owns
 * is put on it as a /32 (so the kernel accepts packets to it), and every
 * network rawgate routes is routed into it (so answers come back to rawgate).
 * Nothing else on the machine is changed; the addresses and routes go away
 * with the device when rawgate closes it.
 */
import { execFileSync } from 'node:child_process';
import type { RawgateConfig } from '../config/types.js';
import { DataplaneError } from './errors.js';

function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new DataplaneError('HOST_PORT_SETUP', `ip ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
  }
}

const cidr = (addr: number, prefix: number): string => {
  const net = prefix === 0 ? 0 : (addr & (~0 << (32 - prefix))) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${prefix}`;
};

/** Give the host port rawgate's addresses and routes. */
export function configureHostPort(name: string, config: RawgateConfig): void {
  ip(['link', 'set', 'dev', name, 'up']);
  const seen = new Set<string>();
  for (const itf of config.interfaces) {
    for (const a of itf.addresses) {
      const host = `${cidr(a.addr, 32).slice(0, -3)}/32`;
      if (!seen.has(host)) {
        seen.add(host);
        ip(['addr', 'add', host, 'dev', name]);
      }
    }
  }
  const routed = new Set<string>();
  const route = (net: string) => {
    if (routed.has(net)) return;
    routed.add(net);
    ip(['route', 'replace', net, 'dev', name]);
  };
  for (const itf of config.interfaces) for (const a of itf.addresses) route(cidr(a.addr, a.prefix));
  for (const r of config.routes) if (r.type === 'unicast') route(r.to.prefix === 0 ? 'default' : cidr(r.to.addr, r.to.prefix));
}

/** Move a TAP/TUN device rawgate created into another namespace (a guest's NIC). */
export function moveToNamespace(dev: string, netns: string): void {
  ip(['link', 'set', 'dev', dev, 'netns', netns]);
}
