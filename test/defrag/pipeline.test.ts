/**
 * Reassembly in the pipeline (while conntrack runs): fragments in any order
 * become one datagram the rules and conntrack see once; it leaves
 * refragmented to at most its largest fragment (and the egress MTU); DF with
 * a fragment larger than the egress MTU gets frag-needed; an overlap drops
 * the datagram under defrag_overlap; a held fragment is no drop.
 */
import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/conntrack.js';
import { CONNTRACK_DEFAULTS } from '../../src/conntrack/settings.js';
import { ConntrackTable } from '../../src/conntrack/table.js';
import { TcpTracker } from '../../src/conntrack/tcp.js';
import { DropReason } from '../../src/packet/index.js';
import { MAC_HOST, MAC_LAN, SLOTS, drops, eth, fragmentsOf, ipPacket, setup } from '../dataplane/harness.js';

const RULES = `*filter
:FORWARD DROP [0:0]
-A FORWARD -m state --state INVALID -j DROP
-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i lan0 -m state --state NEW -j ACCEPT
COMMIT
`;

function lab() {
  const t = setup(RULES, { conntrack: (now) => new Conntrack(new ConntrackTable(64, 16), new TcpTracker(64, CONNTRACK_DEFAULTS), CONNTRACK_DEFAULTS, now) });
  t.learnPeer();
  const fromLan = (pkt: Uint8Array) => t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt));
  const sent = (i: number) => t.ports[i].sent.filter((f) => f[12] === 8).map((f) => f.subarray(14));
  const rules = () => t.p.ruleset.ruleset.tables.get('filter')!.chains.get('FORWARD')!.rules.map((r) => r.pkts);
  return { ...t, fromLan, sent, rules };
}

const ipLen = (p: Uint8Array) => (p[2] << 8) | p[3];

describe('defrag in the pipeline', () => {
  it('reassembles out of order, the rules count one packet, and it leaves refragmented to the largest fragment', () => {
    const l = lab();
    const pkt = ipPacket('10.1.1.2', '10.1.2.2', { payload: 2972 }); // 3000 bytes
    const frags = fragmentsOf(pkt, 1000);
    for (const f of [frags[2], frags[0], frags[1]]) l.fromLan(f!);
    expect(l.rules()).toEqual([0, 0, 1]);
    const out = l.sent(1);
    expect(out.length).toBe(3);
    expect(Math.max(...out.map(ipLen))).toBeLessThanOrEqual(1020);
    // The payload comes out whole, in order.
    const body = out.flatMap((f) => [...f.subarray(20, ipLen(f))]);
    expect(body).toEqual([...pkt.subarray(20)]);
    expect(l.slab.free.length).toBe(SLOTS);
    expect(l.p.counters.rxDrops.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('a reassembled DF datagram whose largest fragment exceeds the egress MTU gets frag-needed', () => {
    const l = lab();
    const pkt = ipPacket('10.1.1.2', '10.1.4.2', { payload: 2972, df: true });
    for (const f of fragmentsOf(pkt, 1456, true)) l.fromLan(f);
    expect(drops(l.p, 0, DropReason.FRAG_NEEDED)).toBe(1);
  });

  it('an overlap drops the whole datagram as defrag_overlap', () => {
    const l = lab();
    const pkt = ipPacket('10.1.1.2', '10.1.2.2', { payload: 2972 });
    const frags = fragmentsOf(pkt, 1000);
    const overlapping = fragmentsOf(pkt, 504)[1]!; // bytes 504..1007 cross the first fragment's end
    l.fromLan(frags[0]!);
    l.fromLan(overlapping);
    l.fromLan(frags[1]!);
    l.fromLan(frags[2]!);
    expect(drops(l.p, 0, DropReason.DEFRAG_OVERLAP)).toBeGreaterThanOrEqual(1);
    expect(l.sent(1).length).toBe(0);
  });
});
