/**
 * Operations on the ruleset model, as iptables (nf_tables backend) performs them.
 * Invariants:
 * - Copy-on-write: every operation returns a new Ruleset and leaves its input
 *   untouched. Tables, chains and rules an operation does not change are shared
 *   with the input (same objects), so their counters carry over.
 * - Inside inTransaction(tx, …) (one iptables-restore block), the ruleset,
 *   tables, chains and rule arrays that tx itself created are edited in place:
 *   nothing outside the transaction can see them yet, and a restore of n rules
 *   stays O(n) instead of copying the chain once per rule. Objects from before
 *   the transaction are still copied, never mutated.
 * - nft semantics: a table exists once something creates it (-A/-I/-N/-P/restore);
 *   reading (list, check) never creates one. A table, once created, has all its
 *   built-in chains.
 * - Failures are IptablesError with iptables' message and exit status (nft column
 *   of netfilter-behaviour.md §2.5). Rule equality for -D/-C is supplied by the
 *   caller (the text layer compares canonical save text).
 * (IptablesError lives in src/iptables/errors.ts, a leaf module with no imports.)
 */
import { IptablesError, opFailed } from '../iptables/errors.js';
import { BUILTIN_CHAINS, newTable, type Chain, type Rule, type Ruleset, type Table, type TableName } from './model.js';

export type RuleEq = (a: Rule, b: Rule) => boolean;

const NO_CHAIN = 'No chain/target/match by that name.';

function noChain(): IptablesError {
  return opFailed(NO_CHAIN, 'NO_CHAIN');
}

export function isBuiltinChain(table: TableName, chain: string): boolean {
  return (BUILTIN_CHAINS[table] as readonly string[]).includes(chain);
}

/** What one transaction created (and may therefore edit in place). */
export class Transaction {
  readonly owned = new WeakSet<object>();
}

let current: Transaction | null = null;

/** Runs `fn` with `tx` as the current transaction (synchronous; nests). */
export function inTransaction<T>(tx: Transaction, fn: () => T): T {
  const outer = current;
  current = tx;
  try {
    return fn();
  } finally {
    current = outer;
  }
}

function owned(o: object): boolean {
  return current !== null && current.owned.has(o);
}

function own<T extends object>(o: T): T {
  current?.owned.add(o);
  return o;
}

function withTable(rs: Ruleset, t: Table): Ruleset {
  if (owned(rs)) {
    rs.tables.set(t.name, t);
    return rs;
  }
  const tables = new Map(rs.tables);
  tables.set(t.name, t);
  return own({ tables });
}

function withChain(t: Table, c: Chain): Table {
  if (owned(t)) {
    t.chains.set(c.name, c);
    return t;
  }
  const chains = new Map(t.chains);
  chains.set(c.name, c);
  return own({ name: t.name, chains });
}

/** The table, created (with its built-in chains) when absent. */
export function ensureTable(rs: Ruleset, table: TableName): Ruleset {
  if (rs.tables.has(table)) return rs;
  const t = newTable(table);
  for (const c of t.chains.values()) own(c);
  return withTable(rs, own(t));
}

/** The table if it exists, else a fresh one that is not stored (for reading). */
export function viewTable(rs: Ruleset, table: TableName): Table {
  return rs.tables.get(table) ?? newTable(table);
}

export function findChain(rs: Ruleset, table: TableName, chain: string): Chain | undefined {
  return viewTable(rs, table).chains.get(chain);
}

/** Built-in chains in hook order, then user chains sorted by strcmp (nft's listing order). */
export function chainsInOrder(t: Table): Chain[] {
  const builtins: Chain[] = [];
  const user: Chain[] = [];
  for (const c of t.chains.values()) (c.policy !== null ? builtins : user).push(c);
  const order = BUILTIN_CHAINS[t.name] as readonly string[];
  builtins.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  user.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtins, ...user];
}

/** Rules that jump or go to `chain` anywhere in the table. */
export function countReferences(t: Table, chain: string): number {
  let n = 0;
  for (const c of t.chains.values()) {
    for (const r of c.rules) {
      if ((r.target.kind === 'jump' || r.target.kind === 'goto') && r.target.chain === chain) n++;
    }
  }
  return n;
}

/**
 * Changes one existing chain's rules (creating the table first). `edit` gets a
 * rules array it may change in place, and throws before changing anything.
 */
function editChain(rs: Ruleset, table: TableName, chain: string, edit: (rules: Rule[]) => void): Ruleset {
  const rs2 = ensureTable(rs, table);
  const t = rs2.tables.get(table)!;
  const c = t.chains.get(chain);
  if (!c) throw noChain();
  if (owned(c)) {
    edit(c.rules);
    return withTable(rs2, withChain(t, c));
  }
  const rules = [...c.rules];
  edit(rules);
  return withTable(rs2, withChain(t, own({ ...c, rules })));
}

/** -A */
export function appendRule(rs: Ruleset, table: TableName, chain: string, rule: Rule): Ruleset {
  return editChain(rs, table, chain, (rules) => { rules.push(rule); });
}

/** -I chain N (1-based; N may be one past the end). */
export function insertRule(rs: Ruleset, table: TableName, chain: string, num: number, rule: Rule): Ruleset {
  return editChain(rs, table, chain, (rules) => {
    if (num < 1 || num > rules.length + 1) throw opFailed('Index of insertion too big.', 'INDEX_TOO_BIG');
    rules.splice(num - 1, 0, rule);
  });
}

/** -R chain N */
export function replaceRule(rs: Ruleset, table: TableName, chain: string, num: number, rule: Rule): Ruleset {
  return editChain(rs, table, chain, (rules) => {
    if (num < 1 || num > rules.length) throw opFailed('Index of replacement too big.', 'INDEX_TOO_BIG');
    rules[num - 1] = rule;
  });
}

/** -D chain N */
export function deleteRuleNum(rs: Ruleset, table: TableName, chain: string, num: number): Ruleset {
  return editChain(rs, table, chain, (rules) => {
    if (num < 1 || num > rules.length) throw opFailed('Index of deletion too big.', 'INDEX_TOO_BIG');
    rules.splice(num - 1, 1);
  });
}

const BAD_RULE = 'Bad rule (does a matching rule exist in that chain?).';

/** -D chain rule-spec: the first rule equal to `rule`. */
export function deleteRuleSpec(rs: Ruleset, table: TableName, chain: string, rule: Rule, eq: RuleEq): Ruleset {
  if (!rs.tables.has(table) && isBuiltinChain(table, chain)) throw opFailed(BAD_RULE, 'NO_SUCH_RULE');
  return editChain(rs, table, chain, (rules) => {
    const i = rules.findIndex((r) => eq(r, rule));
    if (i < 0) throw opFailed(BAD_RULE, 'NO_SUCH_RULE');
    rules.splice(i, 1);
  });
}

/** -C chain rule-spec: throws unless an equal rule exists. Never creates the table. */
export function checkRule(rs: Ruleset, table: TableName, chain: string, rule: Rule, eq: RuleEq): void {
  const c = findChain(rs, table, chain);
  if (!c) throw noChain();
  if (!c.rules.some((r) => eq(r, rule))) throw opFailed(BAD_RULE, 'NO_SUCH_RULE');
}

/** -F [chain] */
export function flush(rs: Ruleset, table: TableName, chain?: string): Ruleset {
  const t = rs.tables.get(table);
  if (chain === undefined) {
    if (!t) return rs;
    const chains = new Map<string, Chain>();
    for (const [n, c] of t.chains) chains.set(n, c.rules.length ? own({ ...c, rules: [] }) : c);
    return withTable(rs, { name: table, chains });
  }
  if (!t) {
    if (isBuiltinChain(table, chain)) return rs;
    throw noChain();
  }
  const c = t.chains.get(chain);
  if (!c) throw noChain();
  return withTable(rs, withChain(t, own({ ...c, rules: [] })));
}

/** -Z [chain [N]]: rule counters, and policy counters of the chain(s) when no N is given. */
export function zero(rs: Ruleset, table: TableName, chain?: string, num?: number): Ruleset {
  const t = rs.tables.get(table);
  if (!t) {
    if (chain !== undefined) throw noChain();
    throw new IptablesError(` CHAIN_ZERO failed (No such file or directory): chain ${chain ?? BUILTIN_CHAINS[table][0]}`, 4, 'NO_TABLE', 'other');
  }
  const zeroChain = (c: Chain): Chain => ({
    ...c,
    pkts: num === undefined ? 0 : c.pkts,
    bytes: num === undefined ? 0 : c.bytes,
    rules: c.rules.map((r, i) => (num === undefined || i === num - 1 ? { ...r, pkts: 0, bytes: 0 } : r)),
  });
  if (chain === undefined) {
    const chains = new Map<string, Chain>();
    for (const [n, c] of t.chains) chains.set(n, zeroChain(c));
    return withTable(rs, { name: table, chains });
  }
  const c = t.chains.get(chain);
  if (!c) throw noChain();
  return withTable(rs, withChain(t, zeroChain(c)));
}

/** -N name (the caller has checked the name's syntax). */
export function newChain(rs: Ruleset, table: TableName, name: string): Ruleset {
  const rs2 = ensureTable(rs, table);
  const t = rs2.tables.get(table)!;
  if (t.chains.has(name)) throw opFailed('Chain already exists.', 'CHAIN_EXISTS');
  return withTable(rs2, withChain(t, own({ name, policy: null, rules: [], pkts: 0, bytes: 0 })));
}

function chainBusy(name: string): IptablesError {
  return new IptablesError(` CHAIN_DEL failed (Device or resource busy): chain ${name}`, 4, 'CHAIN_BUSY', 'other');
}

/** -X [name]: one empty, unreferenced user chain, or every user chain (all or nothing). */
export function deleteChain(rs: Ruleset, table: TableName, name?: string): Ruleset {
  const t = rs.tables.get(table);
  if (name !== undefined) {
    const c = t?.chains.get(name);
    if (!t || !c || c.policy !== null) throw noChain();
    if (c.rules.length > 0 || countReferences(t, name) > 0) throw chainBusy(name);
    const chains = new Map(t.chains);
    chains.delete(name);
    return withTable(rs, { name: table, chains });
  }
  if (!t) return rs;
  const user = chainsInOrder(t).filter((c) => c.policy === null);
  const doomed = new Set(user.map((c) => c.name));
  for (const c of user) {
    if (c.rules.length > 0) throw chainBusy(c.name);
  }
  // References from chains that survive (built-ins) keep a chain busy.
  for (const c of t.chains.values()) {
    if (doomed.has(c.name)) continue;
    for (const r of c.rules) {
      if ((r.target.kind === 'jump' || r.target.kind === 'goto') && doomed.has(r.target.chain)) throw chainBusy(r.target.chain);
    }
  }
  const chains = new Map<string, Chain>();
  for (const [n, c] of t.chains) if (!doomed.has(n)) chains.set(n, c);
  return withTable(rs, { name: table, chains });
}

/** -E old new: renames a user chain and every jump/goto to it. */
export function renameChain(rs: Ruleset, table: TableName, oldName: string, newName: string): Ruleset {
  const t = rs.tables.get(table);
  const c = t?.chains.get(oldName);
  if (!t || !c || c.policy !== null) throw noChain();
  if (t.chains.has(newName)) throw opFailed('File exists.', 'CHAIN_EXISTS');
  const chains = new Map<string, Chain>();
  for (const [n, ch] of t.chains) {
    const renamed = n === oldName ? { ...ch, name: newName } : ch;
    const rules = renamed.rules.map((r) =>
      (r.target.kind === 'jump' || r.target.kind === 'goto') && r.target.chain === oldName
        ? { ...r, target: { kind: r.target.kind, chain: newName } }
        : r,
    );
    const changed = rules.some((r, i) => r !== renamed.rules[i]);
    chains.set(renamed.name, changed ? { ...renamed, rules } : renamed);
  }
  return withTable(rs, { name: table, chains });
}

/** -P chain policy (built-in chains only; ACCEPT or DROP). Counters, when given, set the policy counters. */
export function setPolicy(
  rs: Ruleset, table: TableName, chain: string, policy: string, counters?: { pkts: number; bytes: number },
): Ruleset {
  if (!isBuiltinChain(table, chain)) throw opFailed('Bad built-in chain name.', 'NOT_BUILTIN');
  if (policy !== 'ACCEPT' && policy !== 'DROP') throw opFailed("Bad policy name. Run `dmesg' for more information.", 'BAD_POLICY');
  const rs2 = ensureTable(rs, table);
  const t = rs2.tables.get(table)!;
  const c = t.chains.get(chain)!;
  return withTable(rs2, withChain(t, { ...c, policy, ...(counters ?? {}) }));
}

/** Replaces whole tables (iptables-restore's commit). */
export function replaceTables(rs: Ruleset, tables: readonly Table[]): Ruleset {
  let out = rs;
  for (const t of tables) out = withTable(out, t);
  return out;
}

export function emptyRuleset(): Ruleset {
  return { tables: new Map() };
}
