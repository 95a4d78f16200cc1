/**
 * The configuration validator: plain data (parsed YAML) in, a complete
 * RawgateConfig out, or a ConfigError listing every field that is wrong.
 * Cross-field rules (unique names, routes naming known interfaces, gateways
 * on a connected subnet, slot size against MTU) are checked after the
 * per-field ones, only on fields that were themselves valid.
 */
import * as path from 'node:path';
import { ConfigError } from './errors.js';
import { Issues, join, readBool, readEnum, readInt, readList, readObject, readOptionalObject, readString, show } from './fields.js';
import type { Obj } from './fields.js';
import { formatIpv4, inSubnet, parseCidr, parseIpv4, prefixMask } from './ipv4.js';
import { DEFAULTS } from './types.js';
import { readConntrack } from './conntrack.js';
import { readDefrag } from './defrag.js';
import type {
  ArpConfig, HostPortConfig, IcmpConfig, IfAddress, InterfaceConfig, InterfaceKind, IoConfig, LogLevel,
  MetricsConfig, RawgateConfig, RouteConfig, RouteType,
} from './types.js';

const TOP = ['interfaces', 'routes', 'hostPort', 'rules', 'arp', 'icmp', 'metrics', 'control', 'logging', 'io', 'conntrack', 'defrag'] as const;
const IF_FIELDS = ['name', 'kind', 'addresses', 'mtu', 'mac', 'promisc', 'persistent', 'netns'] as const;
const ROUTE_FIELDS = ['to', 'via', 'dev', 'type'] as const;
const KINDS: readonly InterfaceKind[] = ['afpacket', 'tap', 'tun'];
const ROUTE_TYPES: readonly RouteType[] = ['unicast', 'blackhole', 'unreachable', 'prohibit'];
const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
/** Linux interface names: 1..15 bytes, no '/', ':' or white space, not '.' or '..'. */
const IFNAME = /^[A-Za-z0-9_.+-]{1,15}$/;
const NSNAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
/** Ethernet header plus one VLAN tag: a slot must hold the MTU plus this. */
// Ethernet + 802.1Q header (18), or the 16 bytes a TUN frame starts into its slot plus the 4-byte tag headroom (20).
const L2_OVERHEAD = 20;

export interface ValidateOptions {
  /** Where the file lives: relative `rules` paths resolve against its directory. */
  file?: string | null;
}

export function validateConfig(data: unknown, opts: ValidateOptions = {}): RawgateConfig {
  const file = opts.file ? path.resolve(opts.file) : null;
  const iss = new Issues();
  const root = readObject(iss, data ?? {}, '', TOP) ?? {};

  const io = readIo(iss, root);
  const interfaces = readInterfaces(iss, root, io.slotSize);
  const hostPort = readHostPort(iss, root, io.slotSize);
  const routes = readRoutes(iss, root, interfaces, hostPort);
  const config: RawgateConfig = {
    interfaces,
    routes,
    hostPort,
    rules: readRules(iss, root, file),
    arp: readArp(iss, root),
    icmp: readIcmp(iss, root),
    metrics: readMetrics(iss, root),
    control: readControl(iss, root),
    logging: readLogging(iss, root),
    io,
    conntrack: readConntrack(iss, root),
    defrag: readDefrag(iss, root),
    source: file,
  };
  if (iss.list.length > 0) throw new ConfigError(iss.list, file);
  return config;
}

function readLogging(iss: Issues, root: Obj): RawgateConfig['logging'] {
  const o = readOptionalObject(iss, root.logging, 'logging', ['level', 'logRate', 'logBurst']);
  return {
    level: readEnum(iss, o, 'level', 'logging', LEVELS, DEFAULTS.logging.level)!,
    logRate: readInt(iss, o, 'logRate', 'logging', DEFAULTS.logging.logRate, 1, 1_000_000),
    logBurst: readInt(iss, o, 'logBurst', 'logging', DEFAULTS.logging.logBurst, 1, 1_000_000),
  };
}

function readInterfaces(iss: Issues, root: Obj, slotSize: number): InterfaceConfig[] {
  if (root.interfaces === undefined) {
    iss.add('interfaces', 'is required (at least one interface)');
    return [];
  }
  const list = readList(iss, root.interfaces, 'interfaces');
  if (list === null) return [];
  if (list.length === 0) iss.add('interfaces', 'needs at least one interface');
  const out: InterfaceConfig[] = [];
  const names = new Map<string, number>();
  const owners = new Map<number, string>();
  list.forEach((item, i) => {
    const p = join('interfaces', i);
    const o = readObject(iss, item, p, IF_FIELDS);
    if (o === null) return;
    const name = readString(iss, o, 'name', p, null);
    if (name !== null) {
      if (!IFNAME.test(name) || name === '.' || name === '..') {
        iss.add(join(p, 'name'), `${show(name)} is not a valid interface name (1-15 characters of letters, digits, _ . + -)`);
      } else if (names.has(name)) {
        iss.add(join(p, 'name'), `${show(name)} is already used by interfaces[${names.get(name)}]`);
      } else names.set(name, i);
    }
    const kind = readEnum(iss, o, 'kind', p, KINDS, null);
    const addresses = readAddresses(iss, o, p, owners);
    const mtu = readInt(iss, o, 'mtu', p, DEFAULTS.mtu, 68, 65535);
    if (mtu + L2_OVERHEAD > slotSize) iss.add(join(p, 'mtu'), fitMsg(mtu, slotSize));
    let mac: string | null = null;
    if (o.mac !== undefined) {
      const m = o.mac;
      if (kind === 'tun') iss.add(join(p, 'mac'), 'only tap and afpacket interfaces have a MAC address');
      else if (typeof m !== 'string' || !MAC.test(m)) iss.add(join(p, 'mac'), `${show(m)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
      else if ((parseInt(m.slice(0, 2), 16) & 1) !== 0) iss.add(join(p, 'mac'), `${show(m)} is a multicast address`);
      else if (m === '00:00:00:00:00:00') iss.add(join(p, 'mac'), `${show(m)} is the zero address`);
      else mac = m.toLowerCase();
    }
    if (o.promisc !== undefined && kind !== null && kind !== 'afpacket') iss.add(join(p, 'promisc'), 'only afpacket interfaces have a promiscuous mode');
    const promisc = readBool(iss, o, 'promisc', p, kind === 'afpacket');
    if (o.persistent !== undefined && kind === 'afpacket') iss.add(join(p, 'persistent'), 'only tap and tun devices are created by rawgate (and can persist)');
    const persistent = readBool(iss, o, 'persistent', p, false);
    let netns: string | null = null;
    if (o.netns !== undefined) {
      if (kind === 'afpacket') iss.add(join(p, 'netns'), 'only tap and tun devices (which rawgate creates) can be moved to a namespace');
      else if (typeof o.netns !== 'string' || !NSNAME.test(o.netns)) iss.add(join(p, 'netns'), `${show(o.netns)} is not a network namespace name`);
      else netns = o.netns;
    }
    if (name !== null && kind !== null) out.push({ name, kind, addresses, mtu, mac, promisc, persistent, netns });
  });
  return out;
}

function readAddresses(iss: Issues, o: Obj, p: string, owners: Map<number, string>): IfAddress[] {
  const ap = join(p, 'addresses');
  if (o.addresses === undefined) return [];
  const list = readList(iss, o.addresses, ap);
  if (list === null) return [];
  const out: IfAddress[] = [];
  list.forEach((a, j) => {
    const q = join(ap, j);
    const c = typeof a === 'string' ? parseCidr(a) : null;
    if (c === null) {
      iss.add(q, `${show(a)} is not an IPv4 address in CIDR form (a.b.c.d/len)`);
      return;
    }
    const text = a as string;
    if (c.prefix === 0) return iss.add(q, `${show(text)}: an interface address needs a prefix length of 1..32`);
    const m = prefixMask(c.prefix);
    if (c.prefix <= 30 && (c.addr & ~m) === 0) return iss.add(q, `${show(text)} is the network address of its subnet`);
    if (c.prefix <= 30 && ((c.addr & ~m) >>> 0) === (~m >>> 0)) return iss.add(q, `${show(text)} is the broadcast address of its subnet`);
    const first = c.addr >>> 24;
    if (first === 0 || first === 127 || first >= 224) return iss.add(q, `${show(text)} is not a unicast address usable on an interface`);
    const owner = owners.get(c.addr);
    if (owner !== undefined) return iss.add(q, `${formatIpv4(c.addr)} is already assigned at ${owner}`);
    owners.set(c.addr, q);
    out.push({ text, addr: c.addr, prefix: c.prefix });
  });
  return out;
}

function fitMsg(mtu: number, slotSize: number): string {
  return `${mtu} does not fit io.slotSize ${slotSize} (a slot needs mtu + ${L2_OVERHEAD} bytes)`;
}

function readHostPort(iss: Issues, root: Obj, slotSize: number): HostPortConfig {
  const o = readOptionalObject(iss, root.hostPort, 'hostPort', ['enabled', 'name', 'mtu']);
  const d = DEFAULTS.hostPort;
  const name = readString(iss, o, 'name', 'hostPort', d.name)!;
  if (!IFNAME.test(name)) iss.add('hostPort.name', `${show(name)} is not a valid interface name`);
  const enabled = readBool(iss, o, 'enabled', 'hostPort', d.enabled);
  const mtu = readInt(iss, o, 'mtu', 'hostPort', d.mtu, 68, 65535);
  if (enabled && mtu + L2_OVERHEAD > slotSize) iss.add('hostPort.mtu', fitMsg(mtu, slotSize));
  return { enabled, name, mtu };
}

function readRoutes(iss: Issues, root: Obj, ifs: InterfaceConfig[], host: HostPortConfig): RouteConfig[] {
  const hostClash = ifs.findIndex((f) => f.name === host.name);
  if (host.enabled && hostClash >= 0) iss.add('hostPort.name', `${show(host.name)} is also the name of interfaces[${hostClash}]`);
  if (root.routes === undefined) return [];
  const list = readList(iss, root.routes, 'routes');
  if (list === null) return [];
  const out: RouteConfig[] = [];
  list.forEach((item, i) => {
    const p = join('routes', i);
    const o = readObject(iss, item, p, ROUTE_FIELDS);
    if (o === null) return;
    const type = readEnum(iss, o, 'type', p, ROUTE_TYPES, 'unicast')!;
    let to: RouteConfig['to'] | null = null;
    if (o.to === undefined) iss.add(join(p, 'to'), 'is required (a.b.c.d/len or default)');
    else if (o.to === 'default') to = { text: 'default', addr: 0, prefix: 0 };
    else {
      const c = typeof o.to === 'string' ? parseCidr(o.to) : null;
      if (c === null) iss.add(join(p, 'to'), `${show(o.to)} is not an IPv4 network in CIDR form (a.b.c.d/len) or default`);
      else if ((c.addr & ~prefixMask(c.prefix)) !== 0) iss.add(join(p, 'to'), `${show(o.to)} has host bits set (did you mean ${formatIpv4((c.addr & prefixMask(c.prefix)) >>> 0)}/${c.prefix}?)`);
      else to = { text: o.to as string, addr: c.addr, prefix: c.prefix };
    }
    let dev: string | null = null;
    if (o.dev !== undefined) {
      dev = readString(iss, o, 'dev', p, null);
      const known = ifs.some((f) => f.name === dev) || (host.enabled && dev === host.name);
      if (dev !== null && !known) {
        iss.add(join(p, 'dev'), `${show(dev)} is not a configured interface`);
        dev = null;
      }
    }
    let via: RouteConfig['via'] = null;
    if (o.via !== undefined) {
      const a = typeof o.via === 'string' ? parseIpv4(o.via) : null;
      if (a === null) iss.add(join(p, 'via'), `${show(o.via)} is not an IPv4 address`);
      else if (type !== 'unicast') iss.add(join(p, 'via'), `a ${type} route has no gateway`);
      else {
        const candidates = dev === null ? ifs : ifs.filter((f) => f.name === dev);
        if (!candidates.some((f) => f.addresses.some((x) => inSubnet(a, x)))) {
          iss.add(join(p, 'via'), `${o.via} is not on a subnet of ${dev === null ? 'any interface' : show(dev)}`);
        } else via = { text: o.via as string, addr: a };
      }
    }
    const typeValid = o.type === undefined || (ROUTE_TYPES as readonly unknown[]).includes(o.type);
    if (typeValid && type === 'unicast' && o.via === undefined && o.dev === undefined) iss.add(p, 'a unicast route needs via or dev');
    if (to !== null) {
      const dup = out.findIndex((r) => r.to.addr === to!.addr && r.to.prefix === to!.prefix);
      if (dup >= 0) iss.add(join(p, 'to'), `${to.text} is already routed by routes[${dup}]`);
      out.push({ to, via, dev, type });
    }
  });
  return out;
}

function readRules(iss: Issues, root: Obj, file: string | null): string | null {
  if (root.rules === undefined || root.rules === null) return null;
  if (typeof root.rules !== 'string' || root.rules === '') {
    iss.add('rules', `expected the path of an iptables-restore file, got ${show(root.rules)}`);
    return null;
  }
  return path.resolve(file === null ? process.cwd() : path.dirname(file), root.rules);
}

function readArp(iss: Issues, root: Obj): ArpConfig {
  const d = DEFAULTS.arp;
  const o = readOptionalObject(iss, root.arp, 'arp', Object.keys(d));
  return {
    maxEntries: readInt(iss, o, 'maxEntries', 'arp', d.maxEntries, 1, 1 << 24),
    reachableMs: readInt(iss, o, 'reachableMs', 'arp', d.reachableMs, 1, 86_400_000),
    staleMs: readInt(iss, o, 'staleMs', 'arp', d.staleMs, 1, 86_400_000),
    queueLen: readInt(iss, o, 'queueLen', 'arp', d.queueLen, 0, 65536),
    retries: readInt(iss, o, 'retries', 'arp', d.retries, 1, 100),
    retransMs: readInt(iss, o, 'retransMs', 'arp', d.retransMs, 1, 600_000),
  };
}

function readIcmp(iss: Issues, root: Obj): IcmpConfig {
  const d = DEFAULTS.icmp;
  const o = readOptionalObject(iss, root.icmp, 'icmp', Object.keys(d));
  return {
    ratelimitMs: readInt(iss, o, 'ratelimitMs', 'icmp', d.ratelimitMs, 0, 3_600_000),
    ratemask: readInt(iss, o, 'ratemask', 'icmp', d.ratemask, 0, 0x3ffff),
    msgsPerSec: readInt(iss, o, 'msgsPerSec', 'icmp', d.msgsPerSec, 0, 1_000_000_000),
    msgsBurst: readInt(iss, o, 'msgsBurst', 'icmp', d.msgsBurst, 0, 1_000_000_000),
  };
}

function readMetrics(iss: Issues, root: Obj): MetricsConfig {
  const d = DEFAULTS.metrics;
  const o = readOptionalObject(iss, root.metrics, 'metrics', ['enabled', 'listen', 'ruleSeries']);
  const enabled = readBool(iss, o, 'enabled', 'metrics', d.enabled);
  const ruleSeries = readInt(iss, o, 'ruleSeries', 'metrics', d.ruleSeries, 0, 1_000_000);
  const listen = readString(iss, o, 'listen', 'metrics', d.listen)!;
  const m = /^(.+):([0-9]{1,5})$/.exec(listen);
  const host = m ? m[1].replace(/^\[(.*)\]$/, '$1') : '';
  const port = m ? Number(m[2]) : NaN;
  const hostOk = host === 'localhost' || parseIpv4(host) !== null || (m !== null && m[1].startsWith('['));
  if (!m || !hostOk || port > 65535) {
    iss.add('metrics.listen', `${show(listen)} is not host:port (e.g. 127.0.0.1:9108)`);
    return { enabled, listen: d.listen, host: '127.0.0.1', port: 9108, ruleSeries };
  }
  return { enabled, listen, host, port, ruleSeries };
}

function readControl(iss: Issues, root: Obj) {
  const o = readOptionalObject(iss, root.control, 'control', ['socket']);
  const socket = readString(iss, o, 'socket', 'control', DEFAULTS.control.socket)!;
  if (!path.isAbsolute(socket)) iss.add('control.socket', `${show(socket)} must be an absolute path`);
  // sun_path holds 108 bytes including the terminating NUL.
  else if (Buffer.byteLength(socket) > 107) iss.add('control.socket', `${show(socket)} is longer than a Unix socket path can be (107 bytes)`);
  return { socket };
}

function readIo(iss: Issues, root: Obj): IoConfig {
  const d = DEFAULTS.io;
  const o = readOptionalObject(iss, root.io, 'io', Object.keys(d));
  const io = {
    slots: readInt(iss, o, 'slots', 'io', d.slots, 16, 1 << 20),
    slotSize: readInt(iss, o, 'slotSize', 'io', d.slotSize, 256, 1 << 17),
    batch: readInt(iss, o, 'batch', 'io', d.batch, 1, 1024),
  };
  if (io.batch > io.slots) iss.add('io.batch', `${io.batch} is larger than io.slots (${io.slots})`);
  return io;
}
