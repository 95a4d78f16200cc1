import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { validateConfig } from '../../src/config/validate.js';
import { DEFAULTS } from '../../src/config/types.js';

const base = () => ({
  interfaces: [
    { name: 'lan0', kind: 'afpacket', addresses: ['10.0.1.1/24'] },
    { name: 'wan0', kind: 'afpacket', addresses: ['10.0.2.1/24'] },
  ],
});

function issuesOf(data: unknown): { path: string; reason: string }[] {
  try {
    validateConfig(data);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('CONFIG_INVALID');
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

/** Apply `patch` to a valid config and return the one issue it causes. */
function oneIssue(patch: (c: any) => void): { path: string; reason: string } {
  const c: any = base();
  patch(c);
  const issues = issuesOf(c);
  expect(issues).toHaveLength(1);
  return issues[0];
}

describe('validateConfig', () => {
  it('fills every default', () => {
    const c = validateConfig(base());
    expect(c.interfaces[0]).toEqual({
      name: 'lan0', kind: 'afpacket', addresses: [{ text: '10.0.1.1/24', addr: 0x0a000101, prefix: 24 }],
      mtu: 1500, mac: null, promisc: true, persistent: false, netns: null,
    });
    expect(c.hostPort).toEqual({ enabled: true, name: 'rg-host', mtu: 1500 });
    expect(c.metrics).toEqual({ enabled: true, listen: '127.0.0.1:9108', host: '127.0.0.1', port: 9108, ruleSeries: 2000 });
    expect(c.control.socket).toBe('/run/rawgate/rawgate.sock');
    expect(c.arp).toEqual(DEFAULTS.arp);
    expect(c.icmp).toEqual(DEFAULTS.icmp);
    expect(c.io).toEqual(DEFAULTS.io);
    expect(c.logging).toEqual({ level: 'info', logRate: 1000, logBurst: 200 });
    expect(c.routes).toEqual([]);
    expect(c.rules).toBeNull();
  });

  it('names the path and the reason in the message (the brief example)', () => {
    const c: any = base();
    c.interfaces[1].addresses = ['10.0.0.300/24'];
    expect(() => validateConfig(c)).toThrow('interfaces[1].addresses[0]: "10.0.0.300/24" is not an IPv4 address in CIDR form');
  });

  it.each([
    ['missing interfaces', (c: any) => delete c.interfaces, 'interfaces', /required/],
    ['empty interfaces', (c: any) => (c.interfaces = []), 'interfaces', /at least one/],
    ['interfaces not a list', (c: any) => (c.interfaces = 'lan0'), 'interfaces', /expected a list/],
    ['unknown top-level field', (c: any) => (c.interfacs = []), 'interfacs', /unknown field/],
    ['unknown interface field', (c: any) => (c.interfaces[0].adresses = []), 'interfaces[0].adresses', /unknown field/],
    ['missing name', (c: any) => delete c.interfaces[1].name, 'interfaces[1].name', /required/],
    ['bad name', (c: any) => (c.interfaces[0].name = 'way-too-long-name0'), 'interfaces[0].name', /not a valid interface name/],
    ['duplicate name', (c: any) => (c.interfaces[1].name = 'lan0'), 'interfaces[1].name', /already used by interfaces\[0\]/],
    ['bad kind', (c: any) => (c.interfaces[0].kind = 'veth'), 'interfaces[0].kind', /not one of: afpacket, tap, tun/],
    ['missing kind', (c: any) => delete c.interfaces[0].kind, 'interfaces[0].kind', /required/],
    ['address without prefix', (c: any) => (c.interfaces[0].addresses = ['10.0.1.1']), 'interfaces[0].addresses[0]', /CIDR/],
    ['address prefix 33', (c: any) => (c.interfaces[0].addresses = ['10.0.1.1/33']), 'interfaces[0].addresses[0]', /CIDR/],
    ['leading zero octet', (c: any) => (c.interfaces[0].addresses = ['10.0.01.1/24']), 'interfaces[0].addresses[0]', /CIDR/],
    ['network address', (c: any) => (c.interfaces[0].addresses = ['10.0.1.0/24']), 'interfaces[0].addresses[0]', /network address/],
    ['broadcast address', (c: any) => (c.interfaces[0].addresses = ['10.0.1.255/24']), 'interfaces[0].addresses[0]', /broadcast address/],
    ['multicast address', (c: any) => (c.interfaces[0].addresses = ['224.0.0.1/24']), 'interfaces[0].addresses[0]', /not a unicast/],
    ['duplicate address', (c: any) => (c.interfaces[1].addresses = ['10.0.1.1/16']), 'interfaces[1].addresses[0]', /already assigned at interfaces\[0\].addresses\[0\]/],
    ['mtu not a number', (c: any) => (c.interfaces[0].mtu = '1500'), 'interfaces[0].mtu', /expected an integer/],
    ['mtu too small', (c: any) => (c.interfaces[0].mtu = 20), 'interfaces[0].mtu', /out of range/],
    ['mtu larger than a slot', (c: any) => (c.interfaces[0].mtu = 9000), 'interfaces[0].mtu', /does not fit io.slotSize 2048/],
    ['bad mac', (c: any) => (c.interfaces[0].mac = '02:00:00:00:00'), 'interfaces[0].mac', /not a MAC address/],
    ['multicast mac', (c: any) => (c.interfaces[0].mac = '01:00:5e:00:00:01'), 'interfaces[0].mac', /multicast/],
    ['mac on tun', (c: any) => (c.interfaces[0] = { name: 't', kind: 'tun', addresses: [], mac: '02:00:00:00:00:01' }), 'interfaces[0].mac', /only tap and afpacket/],
    ['promisc on tap', (c: any) => (c.interfaces[0] = { name: 't', kind: 'tap', promisc: true }), 'interfaces[0].promisc', /only afpacket/],
    ['promisc not boolean', (c: any) => (c.interfaces[0].promisc = 'yes'), 'interfaces[0].promisc', /true or false/],
    ['persistent on afpacket', (c: any) => (c.interfaces[0].persistent = true), 'interfaces[0].persistent', /only tap and tun/],
    ['netns on afpacket', (c: any) => (c.interfaces[0].netns = 'x'), 'interfaces[0].netns', /only tap and tun/],
    ['bad netns', (c: any) => (c.interfaces[0] = { name: 't', kind: 'tap', netns: 'a b' }), 'interfaces[0].netns', /not a network namespace name/],
    ['route bad to', (c: any) => (c.routes = [{ to: '10.1.0.0/40', dev: 'lan0' }]), 'routes[0].to', /not an IPv4 network/],
    ['route host bits', (c: any) => (c.routes = [{ to: '10.1.0.1/16', dev: 'lan0' }]), 'routes[0].to', /host bits set \(did you mean 10.1.0.0\/16\?\)/],
    ['route missing to', (c: any) => (c.routes = [{ dev: 'lan0' }]), 'routes[0].to', /required/],
    ['route unknown dev', (c: any) => (c.routes = [{ to: 'default', dev: 'eth9' }]), 'routes[0].dev', /not a configured interface/],
    ['route bad via', (c: any) => (c.routes = [{ to: 'default', via: '10.0.2' }]), 'routes[0].via', /not an IPv4 address/],
    ['route via off-link', (c: any) => (c.routes = [{ to: 'default', via: '10.9.9.9' }]), 'routes[0].via', /not on a subnet of any interface/],
    ['route via not on dev', (c: any) => (c.routes = [{ to: 'default', via: '10.0.2.9', dev: 'lan0' }]), 'routes[0].via', /not on a subnet of "lan0"/],
    ['blackhole with via', (c: any) => (c.routes = [{ to: '10.5.0.0/16', type: 'blackhole', via: '10.0.1.9' }]), 'routes[0].via', /blackhole route has no gateway/],
    ['unicast without via or dev', (c: any) => (c.routes = [{ to: '10.5.0.0/16' }]), 'routes[0]', /needs via or dev/],
    ['bad route type', (c: any) => (c.routes = [{ to: '10.5.0.0/16', type: 'local' }]), 'routes[0].type', /not one of/],
    ['duplicate route', (c: any) => (c.routes = [{ to: 'default', dev: 'lan0' }, { to: '0.0.0.0/0', dev: 'wan0' }]), 'routes[1].to', /already routed by routes\[0\]/],
    ['host port name clash', (c: any) => (c.hostPort = { name: 'lan0' }), 'hostPort.name', /also the name of interfaces\[0\]/],
    ['host port enabled not bool', (c: any) => (c.hostPort = { enabled: 1 }), 'hostPort.enabled', /true or false/],
    ['rules not a string', (c: any) => (c.rules = 3), 'rules', /iptables-restore file/],
    ['arp field unknown', (c: any) => (c.arp = { maxEntrys: 5 }), 'arp.maxEntrys', /unknown field/],
    ['arp negative', (c: any) => (c.arp = { retries: 0 }), 'arp.retries', /out of range/],
    ['icmp not integer', (c: any) => (c.icmp = { msgsPerSec: 1.5 }), 'icmp.msgsPerSec', /expected an integer/],
    ['metrics listen', (c: any) => (c.metrics = { listen: 'localhost' }), 'metrics.listen', /not host:port/],
    ['metrics port range', (c: any) => (c.metrics = { listen: '127.0.0.1:70000' }), 'metrics.listen', /not host:port/],
    ['metrics enabled', (c: any) => (c.metrics = { enabled: 'no' }), 'metrics.enabled', /true or false/],
    ['control relative', (c: any) => (c.control = { socket: 'rawgate.sock' }), 'control.socket', /absolute path/],
    ['control too long', (c: any) => (c.control = { socket: '/' + 'x'.repeat(120) }), 'control.socket', /longer than a Unix socket path/],
    ['logging level', (c: any) => (c.logging = { level: 'verbose' }), 'logging.level', /not one of: trace, debug/],
    ['logging logRate', (c: any) => (c.logging = { logRate: 0 }), 'logging.logRate', /out of range/],
    ['logging logBurst', (c: any) => (c.logging = { logBurst: 1.5 }), 'logging.logBurst', /expected an integer/],
    ['io batch > slots', (c: any) => (c.io = { slots: 16, batch: 64 }), 'io.batch', /larger than io.slots/],
    ['io slotSize', (c: any) => (c.io = { slotSize: 100 }), 'io.slotSize', /out of range/],
    ['section not a mapping', (c: any) => (c.arp = [1]), 'arp', /expected a mapping/],
  ])('%s', (_t, patch, path, reason) => {
    const i = oneIssue(patch);
    expect(i.path).toBe(path);
    expect(i.reason).toMatch(reason);
  });

  it('reports every problem at once, each with its path', () => {
    const issues = issuesOf({
      interfaces: [{ name: 'a', kind: 'nope', addresses: ['1.2.3/8'] }],
      metrics: { listen: 'x' },
      logging: { level: 1 },
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['interfaces[0].addresses[0]', 'interfaces[0].kind', 'logging.level', 'metrics.listen']);
    expect(issues).toHaveLength(4);
    const msg = new ConfigError(issues, 'f.yaml').message;
    for (const i of issues) expect(msg).toContain(`${i.path}: ${i.reason}`);
  });

  it('accepts tap/tun options and parses routes', () => {
    const c = validateConfig({
      interfaces: [
        { name: 'lan0', kind: 'afpacket', addresses: ['10.0.1.1/24'], promisc: false, mac: '02:AA:00:00:00:01' },
        { name: 'vm0', kind: 'tap', addresses: ['10.0.3.1/24'], netns: 'guest', persistent: true, mtu: 1400 },
        { name: 'tun0', kind: 'tun', addresses: ['10.0.4.1/30'] },
      ],
      routes: [
        { to: 'default', via: '10.0.1.254' },
        { to: '10.8.0.0/16', via: '10.0.3.9', dev: 'vm0' },
        { to: '10.9.0.0/16', type: 'unreachable' },
        { to: '10.10.0.0/16', dev: 'rg-host' },
      ],
      io: { slots: 1024, slotSize: 4096, batch: 32 },
    });
    expect(c.interfaces[0].mac).toBe('02:aa:00:00:00:01');
    expect(c.interfaces[0].promisc).toBe(false);
    expect(c.interfaces[1]).toMatchObject({ netns: 'guest', persistent: true, mtu: 1400, promisc: false });
    expect(c.routes[0]).toEqual({ to: { text: 'default', addr: 0, prefix: 0 }, via: { text: '10.0.1.254', addr: 0x0a0001fe }, dev: null, type: 'unicast' });
    expect(c.routes[2]).toMatchObject({ type: 'unreachable', via: null, dev: null });
    expect(c.routes[3].dev).toBe('rg-host');
  });
});
