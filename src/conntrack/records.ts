/**
 * The connection table as the `conntrack` command line sees it (CtSource):
 * entries as records, deletion by id, flush, the -S counters, events. Off the
 * packet path: records are plain objects made when asked for.
 * Invariant: only confirmed entries exist for the tool, as for ctnetlink.
 */
import type { CtEventType, CtRecord, CtSource, CtStats, CtTupleRecord } from './cli/types.js';
import type { Conntrack } from './conntrack.js';
import { CtEvent } from './table.js';
import { PROTO_ICMP, PROTO_TCP } from './tuple.js';
import { HELPER_NAMES, ownHelper } from './helpers/index.js';

const EVENT_NAMES: readonly CtEventType[] = ['NEW', 'UPDATE', 'DESTROY'];

/**
 * Whole seconds left as the kernel reports them: its clock moves in jiffies
 * (CONFIG_HZ=250: 4 ms), so an entry refreshed less than a jiffy ago still
 * shows its full timeout (30, not 29), as nf_ct_expires(ct) / HZ does.
 */
export function secondsLeft(ms: number): number {
  return ms > 0 ? Math.floor((ms + 3.999) / 1000) : 0;
}

export class ConntrackRecords implements CtSource {
  constructor(private readonly ct: Conntrack, private readonly now: () => number) {}

  private tuple(n: number, proto: number): CtTupleRecord {
    const t = this.ct.table;
    const ports = t.ports(n);
    const icmp = proto === PROTO_ICMP;
    return {
      src: t.src(n), dst: t.dst(n),
      sport: icmp ? 0 : ports >>> 16, dport: icmp ? 0 : ports & 0xffff,
      icmpType: icmp ? (ports >>> 8) & 0xff : 0, icmpCode: icmp ? ports & 0xff : 0, icmpId: icmp ? ports >>> 16 : 0,
    };
  }

  /** The record of a slot; `timeout` is the whole seconds left, as the kernel reports it. */
  record(slot: number): CtRecord {
    const t = this.ct.table;
    const proto = t.proto(slot);
    const left = t.expires(slot) - this.now();
    return {
      id: t.id(slot),
      proto,
      timeout: secondsLeft(left),
      tcpState: proto === PROTO_TCP ? this.ct.tcp.state(slot) : -1,
      orig: this.tuple(slot * 2, proto),
      reply: this.tuple(slot * 2 + 1, proto),
      status: t.status(slot),
      mark: t.mark(slot),
      zone: t.zone(slot),
      helper: HELPER_NAMES[ownHelper(t.helper(slot))] ?? '',
      use: 1,
    };
  }

  *list(): Iterable<CtRecord> {
    for (const s of this.ct.table.confirmedSlots()) yield this.record(s);
  }

  count(): number {
    let n = 0;
    for (const _ of this.ct.table.confirmedSlots()) n++;
    return n;
  }

  private slotOf(id: number): number {
    for (const s of this.ct.table.confirmedSlots()) if (this.ct.table.id(s) === id) return s;
    return -1;
  }

  delete(id: number): boolean {
    const s = this.slotOf(id);
    if (s < 0) return false;
    this.ct.table.destroy(s);
    return true;
  }

  flush(): number {
    return this.ct.table.flush();
  }

  update(id: number, change: { mark?: number }): boolean {
    const s = this.slotOf(id);
    if (s < 0) return false;
    if (change.mark !== undefined) this.ct.table.setMark(s, change.mark >>> 0);
    this.ct.table.emit(CtEvent.UPDATE, s);
    return true;
  }

  stats(): CtStats[] {
    const st = this.ct.stats;
    return [{
      found: st.found, invalid: st.invalid, insert: st.insert, insert_failed: 0, drop: st.drop,
      early_drop: this.ct.table.earlyDrops, error: 0, search_restart: st.search_restart, clash_resolve: 0, chaintoolong: 0,
    }];
  }

  subscribe(cb: (type: CtEventType, rec: CtRecord) => void): () => void {
    return this.ct.table.listen((e, slot) => cb(EVENT_NAMES[e]!, this.record(slot)));
  }
}
