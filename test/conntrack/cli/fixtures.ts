/**
 * Reads test/conntrack/fixtures/conntrack-1.4.7.txt (format: see
 * scripts/fixtures/conntrack-capture.sh) and turns the kernel's lines back
 * into CtRecords, so each recorded command can be replayed against a fake
 * table holding what the real one held. Invariant: parsing is strict: a line
 * it cannot read throws, so a format drift fails the tests instead of
 * silently shrinking them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inetAton } from '../../../src/conntrack/cli/address.js';
import {
  IPS_ASSURED, IPS_CONFIRMED, IPS_HW_OFFLOAD, IPS_OFFLOAD, IPS_SEEN_REPLY, L4_NAMES, TCP_STATE_NAMES,
  type CtSource, type CtEventOrigin, type CtEventType, type CtRecord, type CtStats, type CtTupleRecord,
} from '../../../src/conntrack/cli/types.js';

export const FIXTURE_FILE = fileURLToPath(new URL('../fixtures/conntrack-1.4.7.txt', import.meta.url));

export interface RecordedCase {
  name: string;
  argv: string[];
  exit: number;
  blocks: Record<string, string>;
}

export function readRecordings(file = FIXTURE_FILE): RecordedCase[] {
  const cases: RecordedCase[] = [];
  let cur: RecordedCase | undefined;
  let block: string | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('#') && !cur) continue;
    if (line.startsWith('@@ case ')) {
      cur = { name: line.slice(8), argv: [], exit: -1, blocks: {} };
      cases.push(cur);
      block = undefined;
    } else if (!cur) {
      if (line !== '') throw new Error(`fixture: text before the first case: ${line}`);
    } else if (line.startsWith('@ argv')) {
      cur.argv = line.slice(6).split(' ').filter((a) => a !== '');
    } else if (line.startsWith('@ exit ')) {
      cur.exit = Number(line.slice(7));
    } else if (line === '@ noeol') {
      const b = block!;
      cur.blocks[b] = cur.blocks[b]!.replace(/\n$/, '');
    } else if (line.startsWith('@ ')) {
      block = line.slice(2);
      cur.blocks[block] = '';
    } else if (line === '|' || line.startsWith('| ')) {
      if (!block) throw new Error(`fixture ${cur.name}: text outside a block`);
      cur.blocks[block] += `${line.slice(2)}\n`;
    } else if (line !== '') {
      throw new Error(`fixture ${cur.name}: unreadable line: ${line}`);
    }
  }
  return cases;
}

const NUMBERS_BY_NAME = new Map(Object.entries(L4_NAMES).map(([n, name]) => [name, Number(n)]));

export interface ParsedLine { rec: CtRecord; event?: CtEventType; origin?: CtEventOrigin; get: boolean }

function emptyTuple(): CtTupleRecord {
  return { src: 0, dst: 0, sport: 0, dport: 0, icmpType: 0, icmpCode: 0, icmpId: 0 };
}

/** One line of `conntrack -L` / `-E` output back into a record. */
export function parseEntryLine(line: string): ParsedLine {
  const toks = line.trim().split(/\s+/);
  let i = 0;
  let event: CtEventType | undefined;
  const ev = /^\[(NEW|UPDATE|DESTROY)\]$/.exec(toks[0]!);
  if (ev) { event = ev[1] as CtEventType; i++; }
  if (toks[i] === 'ipv4') i += 2;
  const name = toks[i++]!;
  const proto = Number(toks[i++]);
  if (!Number.isInteger(proto) || (name !== 'unknown' && NUMBERS_BY_NAME.get(name) !== proto)) throw new Error(`bad line: ${line}`);
  const rec: CtRecord = {
    id: 0, proto, timeout: 0, tcpState: -1, orig: emptyTuple(), reply: emptyTuple(),
    status: IPS_CONFIRMED | IPS_SEEN_REPLY, mark: 0, zone: 0, helper: '', use: 0,
  };
  if (/^\d+$/.test(toks[i] ?? '')) rec.timeout = Number(toks[i++]);
  const state = TCP_STATE_NAMES.indexOf(toks[i] as (typeof TCP_STATE_NAMES)[number]);
  if (state >= 0) { rec.tcpState = state; i++; }
  let dir: CtTupleRecord | undefined;
  let origin: CtEventOrigin | undefined;
  for (; i < toks.length; i++) {
    const t = toks[i]!;
    if (t === '[UNREPLIED]') { rec.status &= ~IPS_SEEN_REPLY; continue; }
    if (t === '[ASSURED]') { rec.status |= IPS_ASSURED; continue; }
    if (t === '[OFFLOAD]') { rec.status |= IPS_OFFLOAD; continue; }
    if (t === '[HW_OFFLOAD]') { rec.status |= IPS_HW_OFFLOAD; continue; }
    if (t === '[USERSPACE]') { origin = { portid: 0 }; continue; }
    const eq = t.indexOf('=');
    if (eq < 0) throw new Error(`bad token ${t} in: ${line}`);
    const k = t.slice(0, eq);
    const v = t.slice(eq + 1);
    if (k === 'src') {
      dir = dir === undefined ? rec.orig : rec.reply;
      dir.src = inetAton(v)!;
    } else if (k === 'dst') dir!.dst = inetAton(v)!;
    else if (k === 'sport') dir!.sport = Number(v);
    else if (k === 'dport') dir!.dport = Number(v);
    else if (k === 'type') dir!.icmpType = Number(v);
    else if (k === 'code') dir!.icmpCode = Number(v);
    else if (k === 'id' && toks[i - 1]!.startsWith('code=')) dir!.icmpId = Number(v); // the tuple's, not -o id's
    else if (k === 'mark') rec.mark = Number(v);
    else if (k === 'zone') rec.zone = Number(v);
    else if (k === 'helper') rec.helper = v;
    else if (k === 'use') rec.use = Number(v);
    else if (k === 'id') rec.id = Number(v);
    else if (k === 'portid') origin!.portid = Number(v);
    else if (k === 'progname') origin!.progname = v;
    else throw new Error(`unknown field ${k} in: ${line}`);
  }
  return { rec, event, origin, get: false };
}

export function parseEntries(text: string | undefined): ParsedLine[] {
  return (text ?? '').split('\n').filter((l) => l !== '').map(parseEntryLine);
}

/** What identifies an entry across snapshots: protocol, zone and original tuple. */
export function entryKey(r: CtRecord): string {
  const o = r.orig;
  return [r.proto, r.zone, o.src, o.dst, o.sport, o.dport, o.icmpType, o.icmpCode, o.icmpId].join(':');
}

export function parseStats(text: string | undefined): CtStats[] {
  return (text ?? '').split('\n').filter((l) => l !== '').map((l) => {
    const st: Record<string, number> = {};
    for (const m of l.matchAll(/(\w+)=(\d+)/g)) st[m[1]!] = Number(m[2]);
    delete st['cpu'];
    return st as unknown as CtStats;
  });
}

type Listener = (type: CtEventType, rec: CtRecord, origin?: CtEventOrigin) => void;

/** A CtSource over an array, recording what the CLI asked of it. */
export class FakeTable implements CtSource {
  readonly deleted: number[] = [];
  readonly updated: { id: number; mark?: number }[] = [];
  flushed = 0;
  private listeners = new Set<Listener>();

  constructor(public entries: CtRecord[], private readonly cpuStats: CtStats[] = [], readonly canUpdate = true) {}

  list(): Iterable<CtRecord> { return this.entries; }
  count(): number { return this.entries.length; }
  delete(id: number): boolean {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    this.deleted.push(id);
    return true;
  }
  flush(): number {
    const n = this.entries.length;
    this.entries = [];
    this.flushed++;
    return n;
  }
  update(id: number, change: { mark?: number }): boolean {
    const e = this.entries.find((x) => x.id === id);
    if (!e) return false;
    if (change.mark !== undefined) e.mark = change.mark;
    this.updated.push({ id, ...change });
    return true;
  }
  stats(): CtStats[] { return this.cpuStats; }
  subscribe(cb: Listener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  emit(type: CtEventType, rec: CtRecord, origin?: CtEventOrigin): void {
    for (const l of this.listeners) l(type, rec, origin);
  }
  get subscribers(): number { return this.listeners.size; }
}

/**
 * The table a recorded command ran against: the snapshot taken just before
 * it, with the timeout, state and status of every entry the command printed
 * taken from its own output (they moved on between snapshot and command), and
 * without entries that vanished meanwhile (in neither the output nor the
 * snapshot after).
 */
export function tableFor(c: RecordedCase): CtRecord[] {
  const printsEntries = /^(ipv4 |tcp |udp |icmp |unknown )/.test(c.blocks['stdout'] ?? '');
  const printed = new Map(parseEntries(printsEntries ? c.blocks['stdout'] : '').map((l) => [entryKey(l.rec), l.rec]));
  const after = new Set(parseEntries(c.blocks['after']).map((l) => entryKey(l.rec)));
  const out: CtRecord[] = [];
  for (const { rec } of parseEntries(c.blocks['table'])) {
    const key = entryKey(rec);
    const p = printed.get(key);
    if (!p && !after.has(key)) continue;
    if (p) Object.assign(rec, { timeout: p.timeout, tcpState: p.tcpState, status: p.status });
    out.push(rec);
  }
  return out;
}
