/**
 * buildRoutes: the routing table the daemon starts with, from the interface
 * addresses (connected routes) and the configured routes.
 *
 * Invariants:
 * - Every interface address addr/prefix installs its network as a connected
 *   route: outIf = that interface's index, gateway 0, unicast. Configured
 *   routes are installed afterwards, so a configured route for the same
 *   prefix/len replaces the connected one (as `ip route replace` would).
 * - A unicast route's gateway must lie in a connected subnet (of `dev` when
 *   given; of any interface otherwise, whose index becomes outIf). Otherwise a
 *   NetConfigError with code ROUTE_GATEWAY_UNREACHABLE names the route.
 * - Non-unicast routes (blackhole, unreachable, prohibit) have outIf -1 and
 *   gateway 0, whatever else was written.
 * - Off the hot path: clarity first, allocation is fine.
 */

import type { RouteConfig, RouteType } from '../config/types.js';
import { prefixMask } from './interfaces.js';
import { ROUTE_BLACKHOLE, ROUTE_PROHIBIT, ROUTE_UNICAST, ROUTE_UNREACHABLE, RouteTable } from './routes.js';

export type NetConfigErrorCode = 'ROUTE_GATEWAY_UNREACHABLE' | 'ROUTE_DEV_UNKNOWN' | 'ROUTE_NO_NEXTHOP';

export class NetConfigError extends Error {
  constructor(
    readonly code: NetConfigErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NetConfigError';
  }
}

export function isNetConfigError(e: unknown): e is NetConfigError {
  return e instanceof NetConfigError;
}

export const ROUTE_TYPE_CODES: Readonly<Record<RouteType, number>> = {
  unicast: ROUTE_UNICAST,
  blackhole: ROUTE_BLACKHOLE,
  unreachable: ROUTE_UNREACHABLE,
  prohibit: ROUTE_PROHIBIT,
};

export type IfIndexByName = ReadonlyMap<string, number> | ((name: string) => number);

/** 10.0.0.1 style text of an unsigned address. */
export function ipv4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function routeName(r: RouteConfig, i: number): string {
  const via = r.via === null ? '' : ` via ${r.via.text}`;
  const dev = r.dev === null ? '' : ` dev ${r.dev}`;
  return `routes[${i}] (${r.type === 'unicast' ? '' : r.type + ' '}${r.to.text}${via}${dev})`;
}

/**
 * Build the table: connected routes for every interface address (ifIndex =
 * position in `ifaces`), then `routes` in order.
 */
export function buildRoutes(
  ifaces: readonly { addresses: readonly { addr: number; prefix: number }[] }[],
  routes: readonly RouteConfig[],
  ifIndexByName: IfIndexByName,
): RouteTable {
  const table = new RouteTable();
  const connected: { net: number; prefix: number; ifIndex: number }[] = [];
  ifaces.forEach((f, ifIndex) => {
    for (const a of f.addresses) {
      const net = (a.addr & prefixMask(a.prefix)) >>> 0;
      table.add(net, a.prefix, ifIndex, 0, ROUTE_UNICAST);
      connected.push({ net, prefix: a.prefix, ifIndex });
    }
  });
  // Longest connected prefix first, so the first match is the best one.
  connected.sort((a, b) => b.prefix - a.prefix);
  const indexOf = (name: string): number => {
    const i = typeof ifIndexByName === 'function' ? ifIndexByName(name) : ifIndexByName.get(name);
    return i === undefined ? -1 : i;
  };

  routes.forEach((r, i) => {
    const type = ROUTE_TYPE_CODES[r.type];
    if (type !== ROUTE_UNICAST) {
      table.add(r.to.addr, r.to.prefix, -1, 0, type);
      return;
    }
    let outIf = -1;
    if (r.dev !== null) {
      outIf = indexOf(r.dev);
      if (outIf < 0) throw new NetConfigError('ROUTE_DEV_UNKNOWN', `${routeName(r, i)}: no interface named ${r.dev}`);
    }
    let gateway = 0;
    if (r.via !== null) {
      gateway = r.via.addr >>> 0;
      const c = connected.find((k) => (outIf < 0 || k.ifIndex === outIf) && ((gateway & prefixMask(k.prefix)) >>> 0) === k.net);
      if (c === undefined) {
        const where = outIf < 0 ? 'any interface' : r.dev;
        throw new NetConfigError(
          'ROUTE_GATEWAY_UNREACHABLE',
          `${routeName(r, i)}: gateway ${ipv4Text(gateway)} is not on a connected subnet of ${where}`,
        );
      }
      outIf = c.ifIndex;
    }
    if (outIf < 0) throw new NetConfigError('ROUTE_NO_NEXTHOP', `${routeName(r, i)}: a unicast route needs via or dev`);
    table.add(r.to.addr, r.to.prefix, outIf, gateway, ROUTE_UNICAST);
  });
  return table;
}
