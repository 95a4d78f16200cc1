/**
 * The netfilter hook chain: what runs at each hook, in the kernel's priority
 * order (include/uapi/linux/netfilter_ipv4.h, NF_IP_PRI_*). This is the one
 * definition: the dataplane's hook runner, the built-in chains of each table,
 * the traversal order documented for `iptables -L` users and the traversal
 * test are all derived from it.
 * Invariants:
 * - Entries of one hook are sorted by priority; equal priorities do not occur.
 * - A table appears at a hook exactly when it has that built-in chain.
 * - The nat table appears as NAT_DST (-100) or NAT_SRC (100) entries: it is
 *   consulted only for a connection's first packet (the NAT stage decides).
 */
import type { HookName, TableName } from './model.js';

/** What a hook entry is; the dataplane switches on this number. */
export const EntryKind = {
  /** nf_defrag_ipv4: reassembly before anything looks at the packet. */
  DEFRAG: 0,
  /** An iptables table's built-in chain for this hook. */
  TABLE: 1,
  /** nf_conntrack_in: look up or create the connection, set the packet's state. */
  CONNTRACK: 2,
  /** The nat table, for a connection's first packet (DNAT before filter, SNAT after). */
  NAT: 3,
  /** Helpers and nf_conntrack_confirm: the connection enters the table when the packet survives the hook. */
  CONFIRM: 4,
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export interface HookEntry {
  /** NF_IP_PRI_* value (confirm is INT_MAX, as the kernel registers it). */
  priority: number;
  kind: EntryKind;
  /** The table, for TABLE and NAT entries. */
  table: TableName | null;
  /** How the entry is named in documentation and tests. */
  label: string;
}

/** NF_IP_PRI_* values. */
export const Priority = {
  CONNTRACK_DEFRAG: -400,
  RAW: -300,
  CONNTRACK: -200,
  MANGLE: -150,
  NAT_DST: -100,
  FILTER: 0,
  SECURITY: 50,
  NAT_SRC: 100,
  CONNTRACK_CONFIRM: 2147483647,
} as const;

const defrag: HookEntry = { priority: Priority.CONNTRACK_DEFRAG, kind: EntryKind.DEFRAG, table: null, label: 'defrag' };
const raw: HookEntry = { priority: Priority.RAW, kind: EntryKind.TABLE, table: 'raw', label: 'raw' };
const conntrack: HookEntry = { priority: Priority.CONNTRACK, kind: EntryKind.CONNTRACK, table: null, label: 'conntrack' };
const mangle: HookEntry = { priority: Priority.MANGLE, kind: EntryKind.TABLE, table: 'mangle', label: 'mangle' };
const natDst: HookEntry = { priority: Priority.NAT_DST, kind: EntryKind.NAT, table: 'nat', label: 'nat (DNAT)' };
const filter: HookEntry = { priority: Priority.FILTER, kind: EntryKind.TABLE, table: 'filter', label: 'filter' };
const security: HookEntry = { priority: Priority.SECURITY, kind: EntryKind.TABLE, table: 'security', label: 'security' };
const natSrc: HookEntry = { priority: Priority.NAT_SRC, kind: EntryKind.NAT, table: 'nat', label: 'nat (SNAT)' };
const confirm: HookEntry = { priority: Priority.CONNTRACK_CONFIRM, kind: EntryKind.CONFIRM, table: null, label: 'conntrack confirm' };

/** Every hook's entries, in the order a packet meets them. */
export const HOOK_ENTRIES: Readonly<Record<HookName, readonly HookEntry[]>> = {
  PREROUTING: [defrag, raw, conntrack, mangle, natDst],
  INPUT: [mangle, filter, security, natSrc, confirm],
  FORWARD: [mangle, filter, security],
  OUTPUT: [defrag, raw, conntrack, mangle, natDst, filter, security],
  POSTROUTING: [mangle, natSrc, confirm],
};

const HOOK_ORDER: readonly HookName[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** The tables registered at a hook, in order (TABLE and NAT entries). */
export function hookTables(hook: HookName): TableName[] {
  const out: TableName[] = [];
  for (const e of HOOK_ENTRIES[hook]) if (e.table !== null) out.push(e.table);
  return out;
}

/** The hooks at which a table has a built-in chain, in hook order. */
export function tableHooks(table: TableName): HookName[] {
  return HOOK_ORDER.filter((h) => HOOK_ENTRIES[h].some((e) => e.table === table));
}
