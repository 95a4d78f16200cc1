/**
 * Connection tracking in the pipeline for UDP and ICMP, with the tutorial's
 * stateful FORWARD chain (INVALID dropped, ESTABLISHED,RELATED accepted, NEW
 * only from the LAN, policy DROP): replies pass, unsolicited packets do not,
 * ICMP errors about a known flow are RELATED, a packet dropped by a rule
 * leaves no entry, UDP's timeouts and ASSURED follow the kernel's 2 s rule,
 * and a full table early-drops unassured entries before refusing new ones.
 */
import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/conntrack.js';
import { CONNTRACK_DEFAULTS } from '../../src/conntrack/settings.js';
import { ConntrackTable, Status } from '../../src/conntrack/table.js';
import { InvalidReason } from '../../src/conntrack/invalid.js';
import { TcpTracker } from '../../src/conntrack/tcp.js';
import { DropReason } from '../../src/packet/index.js';
import { MAC_HOST, MAC_PEER, MAC_WAN, MAC_LAN, drops, eth, icmpError, ip, ipPacket, setup } from '../dataplane/harness.js';

const STATEFUL = `*filter
:FORWARD DROP [0:0]
-A FORWARD -m state --state INVALID -j DROP
-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i lan0 -m state --state NEW -j ACCEPT
COMMIT
`;

function lab(capacity = 64) {
  const t = setup(STATEFUL, {
    conntrack: (now) => new Conntrack(new ConntrackTable(capacity, 16), new TcpTracker(capacity, CONNTRACK_DEFAULTS), CONNTRACK_DEFAULTS, now),
  });
  t.learnPeer();
  t.learnLan('10.1.1.2');
  t.learnLan('10.1.1.3');
  const fromLan = (pkt: Uint8Array) => t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt));
  const fromWan = (pkt: Uint8Array) => t.rx(1, eth(MAC_WAN, MAC_PEER, 0x0800, pkt));
  const sentLan = () => t.ports[0].sent.filter((f) => f[12] === 8).length;
  const sentWan = () => t.ports[1].sent.filter((f) => f[12] === 8).length;
  const ruleCounts = () => t.p.ruleset.ruleset.tables.get('filter')!.chains.get('FORWARD')!.rules.map((r) => r.pkts);
  return { ...t, ct: t.ct!, fromLan, fromWan, sentLan, sentWan, ruleCounts };
}

describe('conntrack: UDP and ICMP through the stateful FORWARD chain', () => {
  it('passes a UDP reply and drops an unsolicited one', () => {
    const l = lab();
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 4000, dport: 53 }));
    expect(l.sentWan()).toBe(1);
    expect(l.ct.table.count).toBe(1);
    l.fromWan(ipPacket('10.1.2.2', '10.1.1.2', { sport: 53, dport: 4000 }));
    expect(l.sentLan()).toBe(1);
    l.fromWan(ipPacket('10.1.2.2', '10.1.1.2', { sport: 53, dport: 4001 }));
    expect(l.sentLan()).toBe(1);
    expect(drops(l.p, 1, DropReason.POLICY_DROP)).toBe(1);
    // INVALID rule: 0, ESTABLISHED: 1 (the reply), NEW from LAN: 1.
    expect(l.ruleCounts()).toEqual([0, 1, 1]);
  });

  it('a packet dropped by a rule leaves no entry', () => {
    const l = lab();
    l.fromWan(ipPacket('10.1.2.2', '10.1.1.2', { sport: 53, dport: 4000 }));
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 1, dport: 2, ttl: 1 })); // TTL expiry drops before FORWARD
    expect(l.ct.table.count).toBe(0);
  });

  it('ICMP echo: the reply passes; an echo reply without a request is INVALID', () => {
    const l = lab();
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { proto: 1, icmpId: 99 }));
    l.fromWan(ipPacket('10.1.2.2', '10.1.1.2', { proto: 1, icmpType: 0, icmpId: 99 }));
    expect(l.sentLan()).toBe(1);
    l.fromWan(ipPacket('10.1.2.2', '10.1.1.2', { proto: 1, icmpType: 0, icmpId: 100 }));
    expect(l.sentLan()).toBe(1);
    expect(l.ct.invalid[InvalidReason.ICMP_INVALID_NEW]).toBe(1);
    expect(l.ruleCounts()).toEqual([1, 1, 1]);
  });

  it('an ICMP error about a live flow is RELATED; about an unknown one INVALID; with a wrong outer destination INVALID', () => {
    const l = lab();
    const out = ipPacket('10.1.1.2', '10.1.2.2', { sport: 4000, dport: 53 });
    l.fromLan(out);
    const slot = [...l.ct.table.confirmedSlots()][0]!;
    const before = l.ct.table.expires(slot);
    l.fromWan(icmpError('10.1.2.2', '10.1.1.2', out));
    expect(l.sentLan()).toBe(1);
    expect(l.ct.table.expires(slot)).toBe(before); // the error does not refresh the entry
    l.fromWan(icmpError('10.1.2.2', '10.1.1.2', ipPacket('10.1.1.2', '10.1.2.2', { sport: 4001, dport: 53 })));
    expect(l.ct.invalid[InvalidReason.ICMP_ERROR_NO_CONNECTION]).toBe(1);
    l.fromWan(icmpError('10.1.2.2', '10.1.1.3', out));
    expect(l.ct.invalid[InvalidReason.ICMP_ERROR_BAD_OUTER]).toBe(1);
    expect(l.sentLan()).toBe(1);
  });

  it('UDP: 30 s unreplied; a reply within 2 s keeps 30 s and no ASSURED; traffic after 2 s gives 120 s and ASSURED', () => {
    const l = lab();
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2'));
    const slot = [...l.ct.table.confirmedSlots()][0];
    const left = () => Math.round((l.ct.table.expires(slot) - l.now()) / 1000);
    expect(left()).toBe(30);
    l.advance(500);
    l.fromWan(ipPacket('10.1.2.2', '10.1.1.2', { sport: 53, dport: 4000 }));
    expect(left()).toBe(30);
    expect(l.ct.table.status(slot) & Status.SEEN_REPLY).toBeTruthy();
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2'));
    expect(l.ct.table.status(slot) & Status.ASSURED).toBe(0);
    l.advance(2000);
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2'));
    expect(left()).toBe(120);
    expect(l.ct.table.status(slot) & Status.ASSURED).toBeTruthy();
  });

  it('an entry expires after its timeout: the reply is then unsolicited', () => {
    const l = lab();
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2'));
    l.advance(30_001);
    l.fromWan(ipPacket('10.1.2.2', '10.1.1.2', { sport: 53, dport: 4000 }));
    expect(l.sentLan()).toBe(0);
    expect(l.ct.table.count).toBe(0);
  });

  it('a full table early-drops unassured entries; when all are assured the new packet is dropped as ct_table_full', () => {
    const l = lab(4);
    for (let i = 0; i < 4; i++) l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 5000 + i }));
    expect(l.ct.table.count).toBe(4);
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 6000 }));
    expect(l.ct.table.count).toBeLessThanOrEqual(4);
    expect(l.ct.table.earlyDrops).toBeGreaterThan(0);
    // Make every entry ASSURED, then nothing can be evicted.
    for (const s of l.ct.table.confirmedSlots()) l.ct.table.addStatus(s, Status.ASSURED);
    const full = l.ct.table.count === 4;
    if (!full) for (let i = 0; l.ct.table.count < 4; i++) {
      l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 7000 + i }));
      for (const s of l.ct.table.confirmedSlots()) l.ct.table.addStatus(s, Status.ASSURED);
    }
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 8000 }));
    expect(drops(l.p, 0, DropReason.CT_TABLE_FULL)).toBe(1);
    expect(l.ct.table.count).toBe(4);
  });
});

void ip;
