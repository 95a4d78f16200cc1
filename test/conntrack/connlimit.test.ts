/**
 * connlimit over the connection table (nf_conncount's rules): connections
 * per source group counted with the packet's own, closed ones (TIME_WAIT,
 * CLOSE) and gone ones no longer count, --connlimit-upto inverts, the mask
 * groups sources.
 */
import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/conntrack.js';
import { CONNTRACK_DEFAULTS } from '../../src/conntrack/settings.js';
import { ConntrackTable } from '../../src/conntrack/table.js';
import { TcpTracker } from '../../src/conntrack/tcp.js';
import { MAC_HOST, MAC_LAN, MAC_PEER, MAC_WAN, TCP_ACK, TCP_RST, TCP_SYN, eth, setup, tcpPacket } from '../dataplane/harness.js';

function lab(rule: string) {
  const t = setup(`*filter\n:FORWARD ACCEPT [0:0]\n${rule}\nCOMMIT\n`, {
    conntrack: (now) => new Conntrack(new ConntrackTable(64, 16), new TcpTracker(64, CONNTRACK_DEFAULTS), CONNTRACK_DEFAULTS, now),
  });
  t.learnPeer();
  t.learnLan('10.1.1.2');
  const syn = (src: string, sport: number) => t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, tcpPacket(src, '10.1.2.2', sport, 22, TCP_SYN, { seq: 1 })));
  const sent = () => t.ports[1].sent.filter((f) => f[12] === 8).length;
  return { ...t, syn, sent };
}

describe('connlimit', () => {
  it('--connlimit-above 2: the third connection from one source is dropped, another source is not', () => {
    const l = lab('-A FORWARD -p tcp --syn -m connlimit --connlimit-above 2 -j DROP');
    l.syn('10.1.1.2', 1001);
    l.syn('10.1.1.2', 1002);
    l.syn('10.1.1.2', 1003);
    l.syn('10.1.1.3', 1001);
    expect(l.sent()).toBe(3);
  });

  it('a retransmitted SYN is the same connection; --connlimit-mask groups sources', () => {
    const l = lab('-A FORWARD -p tcp --syn -m connlimit --connlimit-above 1 --connlimit-mask 24 -j DROP');
    l.syn('10.1.1.2', 1001);
    l.syn('10.1.1.2', 1001);
    l.syn('10.1.1.3', 1002);
    expect(l.sent()).toBe(2);
  });

  it('a connection reset no longer counts; --connlimit-upto inverts', () => {
    const l = lab('-A FORWARD -p tcp --syn -m connlimit --connlimit-upto 1 -j ACCEPT\n-A FORWARD -p tcp --syn -j DROP');
    l.syn('10.1.1.2', 1001);
    l.syn('10.1.1.2', 1002);
    expect(l.sent()).toBe(1);
    // The server answers, then resets the first connection: CLOSE does not count.
    l.rx(1, eth(MAC_WAN, MAC_PEER, 0x0800, tcpPacket('10.1.2.2', '10.1.1.2', 22, 1001, TCP_SYN | TCP_ACK, { seq: 50, ack: 2 })));
    l.rx(1, eth(MAC_WAN, MAC_PEER, 0x0800, tcpPacket('10.1.2.2', '10.1.1.2', 22, 1001, TCP_RST, { seq: 51 })));
    l.syn('10.1.1.2', 1003);
    expect(l.sent()).toBe(2);
  });
});
