/**
 * The validated configuration the daemon runs with. Every optional field of
 * the YAML file is filled with its default here, so consumers never test for
 * absence. Addresses are given both as the user wrote them (`text`) and as
 * unsigned 32-bit numbers.
 */

import type { ConntrackConfig } from './conntrack.js';
import type { DefragConfig } from './defrag.js';

export type InterfaceKind = 'afpacket' | 'tap' | 'tun';
export type RouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** An interface address: `10.0.1.1/24` → addr 0x0a000101, prefix 24. */
export interface IfAddress {
  text: string;
  addr: number;
  prefix: number;
}

export interface InterfaceConfig {
  name: string;
  kind: InterfaceKind;
  addresses: IfAddress[];
  /** Default 1500. */
  mtu: number;
  /** MAC override (tap/afpacket), lower-case `aa:bb:cc:dd:ee:ff`; null = the device's own. */
  mac: string | null;
  /** afpacket only: put the device in promiscuous mode. Default true for afpacket, false otherwise. */
  promisc: boolean;
  /** tap/tun only: keep the device when rawgate exits. Default false. */
  persistent: boolean;
  /** tap/tun only: move the created device into this named network namespace. */
  netns: string | null;
}

export interface RouteConfig {
  /** Destination network; `default` is 0.0.0.0/0. */
  to: { text: string; addr: number; prefix: number };
  /** Gateway, or null for a directly connected (or non-unicast) route. */
  via: { text: string; addr: number } | null;
  /** Output interface name, or null (resolved from `via`). */
  dev: string | null;
  type: RouteType;
}

export interface HostPortConfig {
  /** Default true. */
  enabled: boolean;
  /** Default 'rg-host'. */
  name: string;
  /** Default 1500. */
  mtu: number;
}

export interface ArpConfig {
  maxEntries: number;
  reachableMs: number;
  staleMs: number;
  queueLen: number;
  retries: number;
  retransMs: number;
}

export interface IcmpConfig {
  ratelimitMs: number;
  ratemask: number;
  msgsPerSec: number;
  msgsBurst: number;
}

export interface MetricsConfig {
  enabled: boolean;
  /** As written, e.g. '127.0.0.1:9108'. */
  listen: string;
  host: string;
  port: number;
  /** Rules that get their own Prometheus series (in table, chain, rule order); 0 = none. */
  ruleSeries: number;
}

export interface ControlConfig {
  socket: string;
}

export interface LoggingConfig {
  level: LogLevel;
  /** LOG/NFLOG/ULOG lines per second, all rules together (a token bucket); past it lines are counted, not written. */
  logRate: number;
  /** Lines the bucket holds (a burst written at once). */
  logBurst: number;
}

export interface IoConfig {
  slots: number;
  slotSize: number;
  batch: number;
}

export interface RawgateConfig {
  interfaces: InterfaceConfig[];
  routes: RouteConfig[];
  hostPort: HostPortConfig;
  /** Absolute path of an iptables-restore file, or null (empty ruleset). */
  rules: string | null;
  arp: ArpConfig;
  icmp: IcmpConfig;
  metrics: MetricsConfig;
  control: ControlConfig;
  logging: LoggingConfig;
  io: IoConfig;
  conntrack: ConntrackConfig;
  defrag: DefragConfig;
  /** Absolute path of the file this came from (null when built in memory). */
  source: string | null;
}

export const DEFAULTS = {
  mtu: 1500,
  hostPort: { enabled: true, name: 'rg-host', mtu: 1500 },
  // The kernel's neighbour defaults (gc_thresh3, base_reachable_time, gc_stale_time, unres_qlen, mcast_solicit, retrans_time).
  arp: { maxEntries: 1024, reachableMs: 30_000, staleMs: 60_000, queueLen: 101, retries: 3, retransMs: 1000 },
  // The kernel's icmp_ratelimit, icmp_ratemask, icmp_msgs_per_sec, icmp_msgs_burst.
  icmp: { ratelimitMs: 1000, ratemask: 6168, msgsPerSec: 1000, msgsBurst: 50 },
  metrics: { enabled: true, listen: '127.0.0.1:9108', ruleSeries: 2000 },
  control: { socket: '/run/rawgate/rawgate.sock' },
  logging: { level: 'info' as LogLevel, logRate: 1000, logBurst: 200 },
  io: { slots: 4096, slotSize: 2048, batch: 64 },
} as const;
