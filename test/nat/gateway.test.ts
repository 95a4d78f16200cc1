/**
 * NAT in the pipeline, the tutorial's gateway on known bytes: MASQUERADE to
 * the WAN (replies de-NATed, two LAN hosts on the same source port kept
 * apart), a DNAT port forward from the WAN to a LAN server, SNAT to a fixed
 * address, ICMP echo through MASQUERADE (the id), an ICMP error about a
 * masqueraded flow translated back (outer and quoted header), checksums
 * valid after every rewrite, untracked packets untouched.
 */
import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/conntrack.js';
import { CONNTRACK_DEFAULTS } from '../../src/conntrack/settings.js';
import { ConntrackTable, Status } from '../../src/conntrack/table.js';
import { TcpTracker } from '../../src/conntrack/tcp.js';
import { icmpChecksumOk, ipHeaderChecksumOk, tcpChecksumOk, udpChecksumOk } from '../../src/packet/index.js';
import { DropReason } from '../../src/packet/index.js';
import { MAC_HOST, MAC_LAN, MAC_PEER, MAC_WAN, TCP_ACK, TCP_SYN, drops, eth, icmpError, ip, ipPacket, setup, tcpPacket } from '../dataplane/harness.js';

const ipStr = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const port = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

function lab(nat: string) {
  const t = setup(`*nat\n${nat}COMMIT\n*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m state --state INVALID -j DROP\nCOMMIT\n`, {
    conntrack: (now) => new Conntrack(new ConntrackTable(64, 16), new TcpTracker(64, CONNTRACK_DEFAULTS), CONNTRACK_DEFAULTS, now),
  });
  t.learnPeer();
  t.learnLan('10.1.1.2');
  t.learnLan('10.1.1.3');
  const fromLan = (pkt: Uint8Array) => t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt));
  const fromWan = (pkt: Uint8Array) => t.rx(1, eth(MAC_WAN, MAC_PEER, 0x0800, pkt));
  /** IP packets sent out of interface i (Ethernet stripped), ARP left out. */
  const out = (i: number) => t.ports[i].sent.filter((f) => f[12] === 8).map((f) => f.subarray(14));
  return { ...t, fromLan, fromWan, out };
}

function valid(p: Uint8Array): void {
  expect(ipHeaderChecksumOk(p, 0, 20)).toBe(true);
  const len = ((p[2] << 8) | p[3]) - 20;
  if (p[9] === 17) expect(udpChecksumOk(p, 0, 20, len)).toBe(true);
  if (p[9] === 6) expect(tcpChecksumOk(p, 0, 20, len)).toBe(true);
  if (p[9] === 1) expect(icmpChecksumOk(p, 20, len)).toBe(true);
}

describe('NAT: the tutorial gateway', () => {
  it('MASQUERADE: LAN → WAN leaves from the WAN address, the reply comes back to the LAN host', () => {
    const l = lab('-A POSTROUTING -o wan0 -j MASQUERADE\n');
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 4000, dport: 53 }));
    const o = l.out(1)[0]!;
    expect([ipStr(o, 12), port(o, 20)]).toEqual(['10.1.2.1', 4000]);
    valid(o);
    l.fromWan(ipPacket('10.1.2.2', '10.1.2.1', { sport: 53, dport: 4000 }));
    const back = l.out(0)[0]!;
    expect([ipStr(back, 16), port(back, 22)]).toEqual(['10.1.1.2', 4000]);
    valid(back);
    const slot = [...l.ct!.table.confirmedSlots()][0]!;
    expect(l.ct!.table.status(slot) & Status.SRC_NAT).toBeTruthy();
  });

  it('two LAN hosts on the same source port: the second gets another port, replies find each', () => {
    const l = lab('-A POSTROUTING -o wan0 -j MASQUERADE\n');
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 4000, dport: 53 }));
    l.fromLan(ipPacket('10.1.1.3', '10.1.2.2', { sport: 4000, dport: 53 }));
    const [a, b] = l.out(1) as [Uint8Array, Uint8Array];
    expect(port(a, 20)).toBe(4000);
    expect(port(b, 20)).not.toBe(4000);
    expect(port(b, 20)).toBeGreaterThanOrEqual(1024);
    valid(b);
    l.fromWan(ipPacket('10.1.2.2', '10.1.2.1', { sport: 53, dport: port(b, 20) }));
    l.fromWan(ipPacket('10.1.2.2', '10.1.2.1', { sport: 53, dport: 4000 }));
    expect(l.out(0).map((p) => `${ipStr(p, 16)}:${port(p, 22)}`)).toEqual(['10.1.1.3:4000', '10.1.1.2:4000']);
  });

  it('DNAT port forward: WAN → the router :8080 reaches the LAN server :80, the reply leaves from the router :8080', () => {
    const l = lab('-A PREROUTING -i wan0 -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2:80\n');
    l.fromWan(tcpPacket('10.1.2.2', '10.1.2.1', 5555, 8080, TCP_SYN, { seq: 1 }));
    const syn = l.out(0)[0]!;
    expect([ipStr(syn, 16), port(syn, 22)]).toEqual(['10.1.1.2', 80]);
    valid(syn);
    l.fromLan(tcpPacket('10.1.1.2', '10.1.2.2', 80, 5555, TCP_SYN | TCP_ACK, { seq: 100, ack: 2 }));
    const sa = l.out(1)[0]!;
    expect([ipStr(sa, 12), port(sa, 20)]).toEqual(['10.1.2.1', 8080]);
    valid(sa);
  });

  it('SNAT --to-source a fixed address; ICMP echo keeps its id when free', () => {
    const l = lab('-A POSTROUTING -o wan0 -j SNAT --to-source 10.1.2.1\n');
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { proto: 1, icmpId: 77 }));
    const o = l.out(1)[0]!;
    expect([ipStr(o, 12), port(o, 24)]).toEqual(['10.1.2.1', 77]);
    valid(o);
    l.fromWan(ipPacket('10.1.2.2', '10.1.2.1', { proto: 1, icmpType: 0, icmpId: 77 }));
    const r = l.out(0)[0]!;
    expect(ipStr(r, 16)).toBe('10.1.1.2');
    valid(r);
  });

  it('an ICMP error about a masqueraded flow is translated back: outer destination and quoted source', () => {
    const l = lab('-A POSTROUTING -o wan0 -j MASQUERADE\n');
    l.fromLan(ipPacket('10.1.1.3', '10.1.2.2', { sport: 4000, dport: 53 }));
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 4000, dport: 53 }));
    const sent = l.out(1)[1]!; // 10.1.1.2's flow, moved to another port
    l.fromWan(icmpError('10.1.2.2', '10.1.2.1', sent));
    const err = l.out(0)[0]!;
    expect(ipStr(err, 16)).toBe('10.1.1.2');
    expect([ipStr(err, 28 + 12), port(err, 28 + 20)]).toEqual(['10.1.1.2', 4000]);
    valid(err);
    expect(ipHeaderChecksumOk(err, 28, 20)).toBe(true);
  });

  it('a connection nothing maps keeps its tuple (null binding), and the nat table sees only first packets', () => {
    const l = lab('-A POSTROUTING -o lan0 -j MASQUERADE\n');
    for (let i = 0; i < 3; i++) l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 4000, dport: 53 }));
    expect(l.out(1).every((p) => ipStr(p, 12) === '10.1.1.2' && port(p, 20) === 4000)).toBe(true);
    const post = l.p.ruleset.ruleset.tables.get('nat')!.chains.get('POSTROUTING')!;
    expect(post.pkts).toBe(1);
  });

  it('a port range that runs out drops the new connection as nat_exhausted, counted', () => {
    const l = lab('-A POSTROUTING -o wan0 -p udp -j SNAT --to-source 10.1.2.1:1000-1001\n');
    for (const sp of [5000, 5001, 5002]) l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: sp, dport: 53 }));
    expect(l.out(1).map((p) => port(p, 20)).sort()).toEqual([1000, 1001]);
    expect(drops(l.p, 0, DropReason.NAT_EXHAUSTED)).toBe(1);
    expect(l.ct!.table.count).toBe(2);
  });
});

void ip;
