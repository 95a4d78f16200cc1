/**
 * One conntrack entry as conntrack(8) prints it (libnetfilter_conntrack's
 * __snprintf_conntrack_default): every field followed by one space, the
 * last space dropped. Invariants: -L/-D lines always carry mark= and use=;
 * a -G answer shows one more use (the kernel's reference while answering);
 * events carry no use=, mark= only when non-zero, no helper= on DESTROY and
 * the timeout on DESTROY only when non-zero; zone= only for a non-default zone.
 */
import { formatIPv4 } from './address.js';
import {
  IPS_ASSURED, IPS_HW_OFFLOAD, IPS_OFFLOAD, IPS_SEEN_REPLY, L4_NAMES, TCP_STATE_NAMES,
  type CtEventOrigin, type CtEventType, type CtRecord, type CtStats, type CtTupleRecord,
} from './types.js';

export interface FormatOptions {
  /** -o extended: the layer 3 name and number first. */
  extended?: boolean;
  /** -o id: id= last. */
  id?: boolean;
  /** An event line of this type (conntrack -E). */
  event?: CtEventType;
  /** Printed in answer to a get (-G, and -U's re-read). */
  get?: boolean;
}

const PORT_PROTOS = new Set([6, 17, 33, 132, 136]);

function tuple(proto: number, t: CtTupleRecord): string {
  let s = `src=${formatIPv4(t.src)} dst=${formatIPv4(t.dst)} `;
  if (PORT_PROTOS.has(proto)) s += `sport=${t.sport} dport=${t.dport} `;
  else if (proto === 1 || proto === 58) s += `type=${t.icmpType} code=${t.icmpCode} id=${t.icmpId} `;
  else if (proto === 47) s += `srckey=0x${t.sport.toString(16)} dstkey=0x${t.dport.toString(16)} `;
  return s;
}

const padEnd = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function formatEntry(r: CtRecord, o: FormatOptions = {}): string {
  const ev = o.event;
  let s = ev ? `${`[${ev}]`.padStart(9)} ` : '';
  if (o.extended) s += 'ipv4     2 ';
  s += `${padEnd(L4_NAMES[r.proto] ?? 'unknown', 8)} ${r.proto} `;
  if (ev !== 'DESTROY' || r.timeout > 0) s += `${r.timeout} `;
  if (r.proto === 6 && r.tcpState >= 0) s += `${TCP_STATE_NAMES[r.tcpState] ?? 'NONE'} `;
  s += tuple(r.proto, r.orig);
  if (!(r.status & IPS_SEEN_REPLY)) s += '[UNREPLIED] ';
  s += tuple(r.proto, r.reply);
  if (r.status & IPS_HW_OFFLOAD) s += '[HW_OFFLOAD] ';
  else if (r.status & IPS_OFFLOAD) s += '[OFFLOAD] ';
  else if (r.status & IPS_ASSURED) s += '[ASSURED] ';
  if (!ev || r.mark !== 0) s += `mark=${r.mark >>> 0} `;
  if (r.zone !== 0) s += `zone=${r.zone} `;
  if (r.helper !== '' && ev !== 'DESTROY') s += `helper=${r.helper} `;
  if (!ev) s += `use=${o.get ? r.use + 1 : r.use} `;
  if (o.id) s += `id=${r.id >>> 0} `;
  return s.trimEnd();
}

/** The suffix of an event caused by a netlink user. */
export function formatOrigin(origin: CtEventOrigin): string {
  return ` [USERSPACE] portid=${origin.portid >>> 0}${origin.progname !== undefined ? ` progname=${origin.progname}` : ''}`;
}

const STATS_FIELDS = ['found', 'invalid', 'insert', 'insert_failed', 'drop', 'early_drop', 'error', 'search_restart', 'clash_resolve', 'chaintoolong'] as const;

/** -S: one line per cpu, in the attribute order current kernels send. */
export function formatStats(stats: readonly CtStats[]): string {
  return stats.map((st, cpu) => `${padEnd(`cpu=${cpu}`, 8)}\t${STATS_FIELDS.map((f) => `${f}=${st[f] >>> 0} `).join('')}\n`).join('');
}

/** -S expect: the per-cpu expectation counters (rawgate keeps no expectations: all zero). */
export function formatExpectStats(cpus: number): string {
  let s = '';
  for (let cpu = 0; cpu < cpus; cpu++) s += `${padEnd(`cpu=${cpu}`, 8)}\texpect_new=0 expect_create=0 expect_delete=0 \n`;
  return s;
}
