/**
 * TCP connection tracking in the pipeline with the tutorial's stateful
 * FORWARD chain: a handshake from the LAN, data both ways, FIN teardown to
 * TIME_WAIT; what the WAN cannot do: connect in, pick up with a stray ACK
 * (a NEW pickup, refused by "NEW only from the LAN"), answer with a SYN/ACK
 * nobody asked for (INVALID); an RST closes; the states and timeouts are the
 * kernel's.
 */
import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/conntrack.js';
import { CONNTRACK_DEFAULTS } from '../../src/conntrack/settings.js';
import { ConntrackTable, Status } from '../../src/conntrack/table.js';
import { InvalidReason } from '../../src/conntrack/invalid.js';
import { TcpState, TcpTracker } from '../../src/conntrack/tcp.js';
import { MAC_HOST, MAC_PEER, MAC_WAN, MAC_LAN, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, eth, setup, tcpPacket } from '../dataplane/harness.js';

const STATEFUL = `*filter
:FORWARD DROP [0:0]
-A FORWARD -m state --state INVALID -j DROP
-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i lan0 -m state --state NEW -j ACCEPT
COMMIT
`;

function lab() {
  let tcp!: TcpTracker;
  const t = setup(STATEFUL, {
    conntrack: (now) => {
      tcp = new TcpTracker(64, CONNTRACK_DEFAULTS);
      return new Conntrack(new ConntrackTable(64, 16), tcp, CONNTRACK_DEFAULTS, now);
    },
  });
  t.learnPeer();
  t.learnLan('10.1.1.2');
  const ct = t.ct!;
  const lan = (flags: number, seq: number, ack: number, payload = 0) =>
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, tcpPacket('10.1.1.2', '10.1.2.2', 40000, 80, flags, { seq, ack, payload })));
  const wan = (flags: number, seq: number, ack: number, payload = 0, dport = 40000) =>
    t.rx(1, eth(MAC_WAN, MAC_PEER, 0x0800, tcpPacket('10.1.2.2', '10.1.1.2', 80, dport, flags, { seq, ack, payload })));
  const sent = (i: number) => t.ports[i].sent.filter((f) => f[12] === 8).length;
  const slot = () => [...ct.table.confirmedSlots()][0];
  const state = () => tcp.state(slot());
  const left = () => Math.round((ct.table.expires(slot()) - t.now()) / 1000);
  return { ...t, ct, tcp, lan, wan, sent, slot, state, left };
}

describe('conntrack: TCP through the stateful FORWARD chain', () => {
  it('handshake, data, teardown: the kernel\'s states and timeouts, ASSURED on the third packet', () => {
    const l = lab();
    l.lan(TCP_SYN, 1000, 0);
    expect([l.state(), l.left()]).toEqual([TcpState.SYN_SENT, 120]);
    l.wan(TCP_SYN | TCP_ACK, 5000, 1001);
    expect([l.state(), l.left()]).toEqual([TcpState.SYN_RECV, 60]);
    expect(l.ct.table.status(l.slot()) & Status.ASSURED).toBe(0);
    l.lan(TCP_ACK, 1001, 5001);
    expect([l.state(), l.left()]).toEqual([TcpState.ESTABLISHED, 432000]);
    expect(l.ct.table.status(l.slot()) & Status.ASSURED).toBeTruthy();
    l.lan(TCP_ACK, 1001, 5001, 100);
    l.wan(TCP_ACK, 5001, 1101, 200);
    l.lan(TCP_ACK, 1101, 5201);
    l.lan(TCP_FIN | TCP_ACK, 1101, 5201);
    expect([l.state(), l.left()]).toEqual([TcpState.FIN_WAIT, 120]);
    l.wan(TCP_ACK, 5201, 1102);
    expect([l.state(), l.left()]).toEqual([TcpState.CLOSE_WAIT, 60]);
    l.wan(TCP_FIN | TCP_ACK, 5201, 1102);
    expect([l.state(), l.left()]).toEqual([TcpState.LAST_ACK, 30]);
    l.lan(TCP_ACK, 1102, 5202);
    expect([l.state(), l.left()]).toEqual([TcpState.TIME_WAIT, 120]);
    expect(l.sent(1)).toBe(6);
    expect(l.sent(0)).toBe(4);
  });

  it('the WAN cannot connect in, and a stray ACK is a NEW pickup the rules refuse', () => {
    const l = lab();
    l.wan(TCP_SYN, 1, 0, 0, 22);
    l.wan(TCP_ACK, 1, 1, 0, 22);
    expect(l.sent(0)).toBe(0);
    expect(l.ct.table.count).toBe(0);
  });

  it('a SYN/ACK nobody asked for is INVALID', () => {
    const l = lab();
    l.wan(TCP_SYN | TCP_ACK, 1, 1);
    expect(l.sent(0)).toBe(0);
    expect(l.ct.invalid[InvalidReason.TCP_INVALID_NEW]).toBe(1);
    const rules = l.p.ruleset.ruleset.tables.get('filter')!.chains.get('FORWARD')!.rules;
    expect(rules[0].pkts).toBe(1);
  });

  it('an RST closes the connection (CLOSE, 10 s)', () => {
    const l = lab();
    l.lan(TCP_SYN, 1000, 0);
    l.wan(TCP_SYN | TCP_ACK, 5000, 1001);
    l.lan(TCP_ACK, 1001, 5001);
    l.wan(TCP_RST, 5001, 0);
    expect([l.state(), l.left()]).toEqual([TcpState.CLOSE, 10]);
  });

  it('an RST answering a SYN before any reply deletes the entry at once', () => {
    const l = lab();
    l.lan(TCP_SYN, 1000, 0);
    l.wan(TCP_RST | TCP_ACK, 0, 1001);
    expect(l.sent(0)).toBe(1);
    expect(l.ct.table.count).toBe(0);
  });
});
