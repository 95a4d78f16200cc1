/**
 * The ruleset model: tables, chains, rules, as iptables has them. Text lives in
 * src/iptables (text in, model out); evaluation lives here (interpreter, JIT).
 * Invariants:
 * - A Ruleset value is treated as immutable once published to the dataplane;
 *   a change builds a new Ruleset (copy-on-write) and counters are carried over.
 * - Counters (pkts/bytes) are the one mutable part: the evaluator bumps them.
 * - Addresses are unsigned 32-bit numbers with host bits already masked.
 */
import type { Match } from './matches.js';
import type { Target } from './targets.js';
import { hookTables, tableHooks } from './hook-entries.js';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
export type HookName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** Hook numbers (NF_INET_*), used on the hot path. */
export const Hook = { PREROUTING: 0, INPUT: 1, FORWARD: 2, OUTPUT: 3, POSTROUTING: 4 } as const;
export type Hook = (typeof Hook)[keyof typeof Hook];
export const HOOK_NAMES: readonly HookName[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** Built-in chains per table, in hook order (the order iptables-save prints them); from HOOK_ENTRIES. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly HookName[]>> = {
  raw: tableHooks('raw'),
  mangle: tableHooks('mangle'),
  nat: tableHooks('nat'),
  filter: tableHooks('filter'),
  security: tableHooks('security'),
};

/** Table traversal order at each hook, from HOOK_ENTRIES (the kernel's priorities). */
export const HOOK_TABLES: Readonly<Record<HookName, readonly TableName[]>> = {
  PREROUTING: hookTables('PREROUTING'),
  INPUT: hookTables('INPUT'),
  FORWARD: hookTables('FORWARD'),
  OUTPUT: hookTables('OUTPUT'),
  POSTROUTING: hookTables('POSTROUTING'),
};

/** Table order iptables-save (nft backend) prints (seen on 1.8.9: mangle, security, raw, filter, nat). */
export const SAVE_TABLE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

/** Fragment test of the generic rule part (-f / ! -f). */
export const Frag = { ANY: 0, NON_FIRST: 1, FIRST_OR_UNFRAGMENTED: 2 } as const;
export type Frag = (typeof Frag)[keyof typeof Frag];

export interface Rule {
  /** -s / -d: address and mask (both unsigned 32-bit; mask 0 = any). */
  src: number;
  srcMask: number;
  invSrc: boolean;
  dst: number;
  dstMask: number;
  invDst: boolean;
  /** -i / -o: '' = any; a trailing '+' is a prefix wildcard. */
  inIface: string;
  invIn: boolean;
  outIface: string;
  invOut: boolean;
  /** -p: protocol number, 0 = all. */
  proto: number;
  invProto: boolean;
  frag: Frag;
  /** Matches in command-line order (iptables-save prints them in this order). */
  matches: Match[];
  target: Target;
  /** Counters: packets, and bytes counted as the IP total length. */
  pkts: number;
  bytes: number;
}

export interface Chain {
  name: string;
  /** Built-in chains have a policy; user chains have null. */
  policy: 'ACCEPT' | 'DROP' | null;
  rules: Rule[];
  /** Policy counters (built-in chains), as `-L -v` shows them. */
  pkts: number;
  bytes: number;
}

export interface Table {
  name: TableName;
  /** Built-in chains first in hook order, then user chains; lookup by name. */
  chains: Map<string, Chain>;
}

/** A whole ruleset. Tables absent from the map do not exist yet (nft semantics: save prints only existing tables). */
export interface Ruleset {
  tables: Map<TableName, Table>;
}

export function emptyRule(): Rule {
  return {
    src: 0, srcMask: 0, invSrc: false, dst: 0, dstMask: 0, invDst: false,
    inIface: '', invIn: false, outIface: '', invOut: false,
    proto: 0, invProto: false, frag: Frag.ANY, matches: [],
    target: { kind: 'none' }, pkts: 0, bytes: 0,
  };
}

export function newTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const c of BUILTIN_CHAINS[name]) chains.set(c, { name: c, policy: 'ACCEPT', rules: [], pkts: 0, bytes: 0 });
  return { name, chains };
}
