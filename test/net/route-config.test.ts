import { describe, expect, it } from 'vitest';
import type { RouteConfig } from '../../src/config/types.js';
import { buildRoutes, isNetConfigError, NetConfigError } from '../../src/net/index.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;
const net = (s: string): { text: string; addr: number; prefix: number } => {
  if (s === 'default') return { text: s, addr: 0, prefix: 0 };
  const [a, p] = s.split('/');
  return { text: s, addr: ip(a), prefix: Number(p) };
};
const route = (to: string, via: string | null, dev: string | null, type: RouteConfig['type'] = 'unicast'): RouteConfig => ({
  to: net(to),
  via: via === null ? null : { text: via, addr: ip(via) },
  dev,
  type,
});

const ifaces = [
  { name: 'lan0', addresses: [{ addr: ip('10.0.1.1'), prefix: 24 }] },
  { name: 'wan0', addresses: [{ addr: ip('203.0.113.2'), prefix: 29 }, { addr: ip('10.0.0.1'), prefix: 16 }] },
  { name: 'rg-host', addresses: [] },
];
const byName = new Map(ifaces.map((f, i) => [f.name, i]));

describe('buildRoutes', () => {
  it('installs connected routes for every interface address', () => {
    const t = buildRoutes(ifaces, [], byName);
    expect(t.size).toBe(3);
    const a = t.lookup(ip('10.0.1.77'));
    expect([t.outIf(a), t.gateway(a), t.type(a), t.prefixLen(a)]).toEqual([0, 0, 0, 24]);
    const b = t.lookup(ip('10.0.2.1'));
    expect([t.outIf(b), t.prefixLen(b)]).toEqual([1, 16]);
    expect(t.outIf(t.lookup(ip('203.0.113.7')))).toBe(1);
    expect(t.lookup(ip('8.8.8.8'))).toBe(-1);
  });

  it('resolves the output interface of a route with via but no dev', () => {
    const t = buildRoutes(ifaces, [route('default', '203.0.113.1', null), route('10.99.0.0/16', '10.0.1.254', null)], byName);
    const d = t.lookup(ip('8.8.8.8'));
    expect([t.outIf(d), t.gateway(d)]).toEqual([1, ip('203.0.113.1')]);
    const r = t.lookup(ip('10.99.3.4'));
    expect([t.outIf(r), t.gateway(r)]).toEqual([0, ip('10.0.1.254')]);
  });

  it('picks the longest connected subnet for the gateway', () => {
    // 10.0.1.254 is in both 10.0.0.0/16 (wan0) and 10.0.1.0/24 (lan0).
    const t = buildRoutes(ifaces, [route('192.0.2.0/24', '10.0.1.254', null)], byName);
    expect(t.outIf(t.lookup(ip('192.0.2.1')))).toBe(0);
  });

  it('honours dev, with and without via, and non-unicast types', () => {
    const t = buildRoutes(
      ifaces,
      [
        route('198.51.100.0/24', null, 'rg-host'),
        route('192.0.2.0/24', '10.0.1.254', 'wan0'),
        route('172.16.0.0/12', null, null, 'blackhole'),
        route('172.16.5.0/24', null, null, 'prohibit'),
      ],
      (n) => byName.get(n) ?? -1,
    );
    const h = t.lookup(ip('198.51.100.9'));
    expect([t.outIf(h), t.gateway(h)]).toEqual([2, 0]);
    const g = t.lookup(ip('192.0.2.1'));
    expect([t.outIf(g), t.gateway(g)]).toEqual([1, ip('10.0.1.254')]);
    const b = t.lookup(ip('172.17.0.1'));
    expect([t.type(b), t.outIf(b)]).toEqual([1, -1]);
    expect(t.type(t.lookup(ip('172.16.5.5')))).toBe(3);
  });

  it('throws ROUTE_GATEWAY_UNREACHABLE naming the route', () => {
    let err: unknown;
    try {
      buildRoutes(ifaces, [route('default', '192.0.2.1', null)], byName);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetConfigError);
    expect(isNetConfigError(err)).toBe(true);
    const e = err as NetConfigError;
    expect(e.code).toBe('ROUTE_GATEWAY_UNREACHABLE');
    expect(e.message).toContain('routes[0]');
    expect(e.message).toContain('default');
    expect(e.message).toContain('192.0.2.1');
    // On a named dev the gateway must be in that dev's subnets.
    expect(() => buildRoutes(ifaces, [route('default', '203.0.113.1', 'lan0')], byName)).toThrow(
      expect.objectContaining({ code: 'ROUTE_GATEWAY_UNREACHABLE' }),
    );
  });

  it('rejects an unknown dev and a unicast route without next hop', () => {
    expect(() => buildRoutes(ifaces, [route('default', null, 'eth9')], byName)).toThrow(
      expect.objectContaining({ code: 'ROUTE_DEV_UNKNOWN' }),
    );
    expect(() => buildRoutes(ifaces, [route('default', null, null)], byName)).toThrow(
      expect.objectContaining({ code: 'ROUTE_NO_NEXTHOP' }),
    );
  });
});
