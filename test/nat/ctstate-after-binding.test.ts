/**
 * --ctstate SNAT/DNAT see the binding the connection's first packet just got:
 * xt_conntrack reads ct->status when it matches, so after DNAT in nat
 * PREROUTING the tutorial's port-forward rule `-m conntrack --ctstate DNAT
 * -j ACCEPT` in filter FORWARD accepts the SYN (found by the NAT kernel-parity
 * e2e test: rawgate computed the bits at conntrack time, before the binding,
 * and the FORWARD policy dropped every SYN). Before the binding (mangle
 * PREROUTING runs before nat) the bit is not there yet, as in the kernel.
 */
import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/conntrack.js';
import { CONNTRACK_DEFAULTS } from '../../src/conntrack/settings.js';
import { ConntrackTable } from '../../src/conntrack/table.js';
import { TcpTracker } from '../../src/conntrack/tcp.js';
import { MAC_HOST, MAC_LAN, MAC_PEER, MAC_WAN, TCP_ACK, TCP_SYN, eth, ipPacket, setup, tcpPacket } from '../dataplane/harness.js';

const ipStr = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const port = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

function lab(rules: string) {
  const t = setup(rules, {
    conntrack: (now) => new Conntrack(new ConntrackTable(64, 16), new TcpTracker(64, CONNTRACK_DEFAULTS), CONNTRACK_DEFAULTS, now),
  });
  t.learnPeer();
  t.learnLan('10.1.1.2');
  const out = (i: number) => t.ports[i].sent.filter((f) => f[12] === 8).map((f) => f.subarray(14));
  return {
    ...t,
    out,
    fromLan: (pkt: Uint8Array) => t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt)),
    fromWan: (pkt: Uint8Array) => t.rx(1, eth(MAC_WAN, MAC_PEER, 0x0800, pkt)),
  };
}

const FORWARD = `*filter
:FORWARD DROP [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i lan0 -o wan0 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -d 10.1.1.2/32 -i wan0 -o lan0 -p tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
`;

describe('--ctstate SNAT/DNAT on the first packet of a connection', () => {
  it('DNAT in nat PREROUTING: filter FORWARD\'s --ctstate DNAT accepts the SYN, and the reply comes back', () => {
    const l = lab(`*nat
-A PREROUTING -i wan0 -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2:80
COMMIT
${FORWARD}`);
    l.fromWan(tcpPacket('10.1.2.2', '10.1.2.1', 5555, 8080, TCP_SYN, { seq: 1 }));
    const syn = l.out(0)[0];
    expect(syn, 'the SYN was dropped in FORWARD').toBeDefined();
    expect([ipStr(syn!, 16), port(syn!, 22)]).toEqual(['10.1.1.2', 80]);
    l.fromLan(tcpPacket('10.1.1.2', '10.1.2.2', 80, 5555, TCP_SYN | TCP_ACK, { seq: 100, ack: 2 }));
    const sa = l.out(1)[0]!;
    expect([ipStr(sa, 12), port(sa, 20)]).toEqual(['10.1.2.1', 8080]);
  });

  it('no binding changed the tuple: --ctstate DNAT does not match, the policy drops', () => {
    const l = lab(`*nat
-A PREROUTING -i wan0 -p tcp --dport 8080 -j ACCEPT
COMMIT
*filter
:FORWARD DROP [0:0]
-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
`);
    l.fromWan(tcpPacket('10.1.2.2', '10.1.1.2', 5555, 8080, TCP_SYN, { seq: 1 }));
    expect(l.out(0)).toEqual([]);
  });

  it('mangle PREROUTING runs before the binding: --ctstate DNAT is not set there yet', () => {
    const l = lab(`*nat
-A PREROUTING -i wan0 -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2:80
COMMIT
*mangle
-A PREROUTING -m conntrack --ctstate DNAT -j DROP
COMMIT
${FORWARD}`);
    l.fromWan(tcpPacket('10.1.2.2', '10.1.2.1', 5555, 8080, TCP_SYN, { seq: 1 }));
    expect(l.out(0).length).toBe(1);
  });

  it('MASQUERADE in nat POSTROUTING sets SNAT for what follows it (filter FORWARD already ran), and later packets carry it', () => {
    const l = lab(`*nat
-A POSTROUTING -o wan0 -j MASQUERADE
COMMIT
*filter
:FORWARD DROP [0:0]
-A FORWARD -m conntrack --ctstate SNAT -j ACCEPT
-A FORWARD -i lan0 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
`);
    l.fromLan(ipPacket('10.1.1.2', '10.1.2.2', { sport: 4000, dport: 53 }));
    expect(l.out(1).length).toBe(1);
    // The reply is accepted by the SNAT rule (ESTABLISHED is not in the ruleset).
    l.fromWan(ipPacket('10.1.2.2', '10.1.2.1', { sport: 53, dport: 4000 }));
    expect(l.out(0).map((p) => `${ipStr(p, 16)}:${port(p, 22)}`)).toEqual(['10.1.1.2:4000']);
  });
});
