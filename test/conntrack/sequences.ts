/**
 * The crafted packet sequences of the conntrack kernel-parity test, as data
 * for test/conntrack/ct_driver.py (which builds them with scapy).
 *
 * Invariants:
 * - Hosts are named, not addressed ('lan', 'wan'): the two labs have
 *   different subnets, the driver fills in the addresses.
 * - Every sequence uses its own ports, all in CRAFTED_PORTS (the host
 *   namespaces' kernels drop those in INPUT, so they never answer crafted
 *   segments with RSTs or port-unreachables of their own), and no sequence
 *   depends on state left by another.
 * - Sequence numbers are fixed, so both routers see byte-identical packets.
 */

export type Host = 'lan' | 'wan';
/** chksum: a deliberately wrong L4 checksum (else scapy computes the right one). */
export interface TcpSeg {
  sport: number; dport: number; flags: string; seq: number; ack: number; data?: string; win?: number; chksum?: number;
  /** TCP options as scapy takes them, e.g. [['WScale', 7]]. */
  options?: [string, number][];
}
export interface UdpDgram { sport: number; dport: number; data?: string; chksum?: number }
export type L4 = { tcp: TcpSeg } | { udp: UdpDgram } | { icmp: Icmp };
/** chksum: a deliberately wrong ICMP checksum. */
export interface Icmp { type: number; code?: number; id?: number; seq?: number; data?: string; quote?: Quote; chksum?: number }
/** The packet an ICMP error quotes: IP header + the first quoteLen (default 20) bytes of L4; frag: its fragment offset (8-byte units). */
export type Quote = L4 & { src: Host; dst: Host; quoteLen?: number; frag?: number };
/** from: the host whose interface sends it; src 'wan.gw': with the source address of a (nonexistent) gateway on the WAN segment. */
/** ttl: of the IP header (default 64; 1 expires at the router). */
export type Step = L4 & { from: Host; to?: Host; src?: 'wan.gw'; ttl?: number };
export interface Sequence {
  name: string;
  steps: Step[];
  /**
   * What Linux (6.x; seen on 6.18) does with it under the test's ruleset, so
   * that agreeing with the kernel also means doing what the rules say:
   * packets arriving at either host per step (the WAN kernel's echo reply
   * counts), and FORWARD packet counts [policy, INVALID DROP,
   * ESTABLISHED/RELATED ACCEPT, NEW-not-SYN DROP, NEW from the LAN, NEW to
   * the open port]. (5.x kernels differ on the window cases: there any
   * failed window check is INVALID.)
   */
  kernel: { arrived: number[]; pkts: number[] };
}

/**
 * Ports the crafted sequences use, 20000-21999, moved up by a pass's port
 * offset (at most 2000) in ct_driver.py; both hosts drop them in INPUT, and
 * real clients' ephemeral ports (32768 up) stay out of this range.
 */
export const CRAFTED_PORTS = '20000:23999';
/** The LAN server port the WAN may open connections to (the "port forward without NAT" rule). */
export const OPEN_PORT = 8022;

const ISN_LAN = 1000;
const ISN_WAN = 5000;

const tcp = (from: Host, sport: number, dport: number, flags: string, seq: number, ack: number, data?: string, extra: Partial<TcpSeg> = {}): Step =>
  ({ from, tcp: { sport, dport, flags, seq, ack, ...(data !== undefined ? { data } : {}), ...extra } });

/** Client → server SYN, SYN/ACK, ACK with the fixed ISNs (client seq 1000, server seq 5000). */
function handshake(client: Host, cport: number, sport: number): Step[] {
  const server: Host = client === 'lan' ? 'wan' : 'lan';
  return [
    tcp(client, cport, sport, 'S', ISN_LAN, 0),
    tcp(server, sport, cport, 'SA', ISN_WAN, ISN_LAN + 1),
    tcp(client, cport, sport, 'A', ISN_LAN + 1, ISN_WAN + 1),
  ];
}

/** The LAN host's segment of connection 20030 → 20530, as ICMP errors from the WAN quote it. */
const LIVE_30: Quote = { src: 'lan', dst: 'wan', tcp: { sport: 20030, dport: 20530, flags: 'A', seq: 1001, ack: 5001 } };

export const SEQUENCES: Sequence[] = [
  {
    name: 'TCP LAN → WAN: handshake, data both ways, FIN teardown, a retransmitted last ACK',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], pkts: [0, 0, 10, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20001, 20501),
      tcp('lan', 20001, 20501, 'PA', 1001, 5001, 'hello\n'),
      tcp('wan', 20501, 20001, 'A', 5001, 1007),
      tcp('wan', 20501, 20001, 'PA', 5001, 1007, 'world\n'),
      tcp('lan', 20001, 20501, 'A', 1007, 5007),
      tcp('lan', 20001, 20501, 'FA', 1007, 5007),
      tcp('wan', 20501, 20001, 'FA', 5007, 1008),
      tcp('lan', 20001, 20501, 'A', 1008, 5008),
      // TIME_WAIT: the peer retransmits its FIN (it missed our ACK); still part of the connection.
      tcp('wan', 20501, 20001, 'FA', 5007, 1008),
    ],
  },
  {
    name: 'stray ACKs (no connection): from the WAN, to the open LAN port, from the LAN',
    kernel: { arrived: [0, 0, 0], pkts: [0, 0, 0, 3, 0, 0] },
    steps: [
      tcp('wan', 21002, 20002, 'A', 7000, 9000),
      tcp('wan', 21003, OPEN_PORT, 'A', 7000, 9000),
      tcp('lan', 20004, 20504, 'A', 7000, 9000),
    ],
  },
  {
    name: 'SYN/ACK from the WAN without a SYN (to a closed and to the open LAN port)',
    kernel: { arrived: [0, 0], pkts: [0, 2, 0, 0, 0, 0] },
    steps: [
      tcp('wan', 21005, 20005, 'SA', 5000, 1001),
      tcp('wan', 21006, OPEN_PORT, 'SA', 5000, 1001),
    ],
  },
  {
    name: 'out-of-window segments on an established connection',
    kernel: { arrived: [1, 1, 1, 1, 1, 0, 0, 1, 1, 1], pkts: [0, 2, 7, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20006, 20506),
      tcp('lan', 20006, 20506, 'PA', 1001, 5001, 'abc'),
      tcp('wan', 20506, 20006, 'A', 5001, 1004),
      // Far beyond what the LAN host's window allows: INVALID.
      tcp('wan', 20506, 20006, 'PA', 5001 + 1_000_000_000, 1004, 'zzz'),
      // Acknowledges data the LAN host never sent: INVALID.
      tcp('wan', 20506, 20006, 'A', 5001, 1004 + 500_000),
      // Long-acknowledged data again (below the lower bound): ignored by the window check, so let through.
      tcp('lan', 20006, 20506, 'PA', 1001 - 300_000, 5001, 'old'),
      // In window again: the connection is unharmed.
      tcp('lan', 20006, 20506, 'PA', 1004, 5001, 'def'),
      tcp('wan', 20506, 20006, 'A', 5001, 1007),
    ],
  },
  {
    name: 'RST: an in-window RST with the wrong seq, then the exact one, then data, then a SYN reopening the same ports',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], pkts: [0, 0, 10, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20007, 20507),
      tcp('wan', 20507, 20007, 'R', 5001 + 1000, 0),
      tcp('lan', 20007, 20507, 'PA', 1001, 5001, 'x'),
      tcp('wan', 20507, 20007, 'A', 5001, 1002),
      tcp('wan', 20507, 20007, 'R', 5001, 0),
      tcp('lan', 20007, 20507, 'PA', 1002, 5001, 'y'),
      tcp('lan', 20007, 20507, 'S', 2_000_000, 0),
      tcp('wan', 20507, 20007, 'SA', 9_000_000, 2_000_001),
      tcp('lan', 20007, 20507, 'A', 2_000_001, 9_000_001),
    ],
  },
  {
    name: 'just beyond the receive window (tolerated: "bytes more than expected"), then far beyond it (INVALID)',
    kernel: { arrived: [1, 1, 1, 1, 0, 1], pkts: [0, 1, 4, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20022, 20522),
      // The LAN host announced 65535 from ack 5001: the window ends at 70536.
      tcp('wan', 20522, 20022, 'PA', 70536 + 100, 1001, 'zz'),
      tcp('wan', 20522, 20022, 'PA', 70536 + 200_000, 1001, 'zz'),
      tcp('wan', 20522, 20022, 'PA', 5001, 1001, 'ok'),
    ],
  },
  {
    name: 'window scaling: both sides offer WScale 7, so a window of 1000 means 128000',
    kernel: { arrived: [1, 1, 1, 1, 0], pkts: [0, 1, 3, 0, 1, 0] },
    steps: [
      tcp('lan', 20023, 20523, 'S', 1000, 0, undefined, { win: 1000, options: [['WScale', 7]] }),
      tcp('wan', 20523, 20023, 'SA', 5000, 1001, undefined, { win: 1000, options: [['WScale', 7]] }),
      tcp('lan', 20023, 20523, 'A', 1001, 5001, undefined, { win: 1000 }),
      // Inside 128000 (scaled), far outside 1000 (unscaled).
      tcp('wan', 20523, 20023, 'PA', 5001 + 100_000, 1001, 'far', { win: 1000 }),
      tcp('wan', 20523, 20023, 'PA', 5001 + 400_000, 1001, 'too far', { win: 1000 }),
    ],
  },
  {
    name: 'window scaling offered by the LAN only: not in use, a window of 1000 is 1000',
    kernel: { arrived: [1, 1, 1, 0, 1], pkts: [0, 1, 3, 0, 1, 0] },
    steps: [
      tcp('lan', 20024, 20524, 'S', 1000, 0, undefined, { win: 1000, options: [['WScale', 7]] }),
      tcp('wan', 20524, 20024, 'SA', 5000, 1001, undefined, { win: 1000 }),
      tcp('lan', 20024, 20524, 'A', 1001, 5001, undefined, { win: 1000 }),
      tcp('wan', 20524, 20024, 'PA', 5001 + 100_000, 1001, 'far', { win: 1000 }),
      tcp('wan', 20524, 20024, 'PA', 5001 + 500, 1001, 'near', { win: 1000 }),
    ],
  },
  {
    name: 'connection refused (RST/ACK answers the SYN), then a late SYN/ACK and a retried SYN',
    kernel: { arrived: [1, 1, 0, 1, 1, 1], pkts: [0, 1, 3, 0, 2, 0] },
    steps: [
      tcp('lan', 20025, 20525, 'S', 1000, 0),
      tcp('wan', 20525, 20025, 'RA', 0, 1001),
      tcp('wan', 20525, 20025, 'SA', 5000, 1001),
      tcp('lan', 20025, 20525, 'S', 1000, 0),
      tcp('wan', 20525, 20025, 'SA', 5000, 1001),
      tcp('lan', 20025, 20525, 'A', 1001, 5001),
    ],
  },
  {
    name: 'opening corner cases: an ACK before the SYN/ACK, a SYN retransmitted with a new ISN, the SYN/ACK for the new one',
    kernel: { arrived: [1, 0, 1, 1, 1, 1], pkts: [0, 1, 3, 0, 2, 0] },
    steps: [
      tcp('lan', 20031, 20531, 'S', 1000, 0),
      // No SYN/ACK seen yet: INVALID.
      tcp('lan', 20031, 20531, 'A', 1001, 5001),
      // Before any reply every original-direction packet is NEW (counted by "NEW from the LAN" again).
      tcp('lan', 20031, 20531, 'S', 7000, 0),
      tcp('wan', 20531, 20031, 'SA', 5000, 7001),
      tcp('lan', 20031, 20531, 'A', 7001, 5001),
      tcp('lan', 20031, 20531, 'PA', 7001, 5001, 'x'),
    ],
  },
  {
    name: 'refused with a bare RST (seq 0, no ACK), then a SYN/ACK',
    kernel: { arrived: [1, 1, 0], pkts: [0, 1, 1, 0, 1, 0] },
    steps: [
      tcp('lan', 20032, 20532, 'S', 1000, 0),
      tcp('wan', 20532, 20032, 'R', 0, 0),
      tcp('wan', 20532, 20032, 'SA', 5000, 1001),
    ],
  },
  {
    name: 'half close: the LAN host finishes first, the WAN host goes on sending, then closes',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 1, 1, 1], pkts: [0, 0, 8, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20033, 20533),
      tcp('lan', 20033, 20533, 'FA', 1001, 5001),
      tcp('wan', 20533, 20033, 'PA', 5001, 1002, 'more'),
      tcp('lan', 20033, 20533, 'A', 1002, 5005),
      tcp('wan', 20533, 20033, 'FA', 5005, 1002),
      tcp('lan', 20033, 20533, 'A', 1002, 5006),
      // Data after the close (TIME_WAIT): still the connection's, let through.
      tcp('lan', 20033, 20533, 'PA', 1002, 5006, 'late'),
    ],
  },
  {
    name: 'simultaneous close: the FINs cross, then both ACKs',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 1], pkts: [0, 0, 6, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20034, 20534),
      tcp('lan', 20034, 20534, 'FA', 1001, 5001),
      tcp('wan', 20534, 20034, 'FA', 5001, 1001),
      tcp('lan', 20034, 20534, 'A', 1002, 5002),
      tcp('wan', 20534, 20034, 'A', 5002, 1002),
    ],
  },
  {
    name: 'simultaneous open: SYNs cross, then SYN/ACKs both ways',
    kernel: { arrived: [1, 1, 1, 1, 1, 1], pkts: [0, 0, 5, 0, 1, 0] },
    steps: [
      tcp('lan', 20026, 20526, 'S', 1000, 0),
      tcp('wan', 20526, 20026, 'S', 5000, 0),
      tcp('lan', 20026, 20526, 'SA', 1000, 5001),
      tcp('wan', 20526, 20026, 'SA', 5000, 1001),
      tcp('lan', 20026, 20526, 'PA', 1001, 5001, 'hi'),
      tcp('wan', 20526, 20026, 'A', 5001, 1003),
    ],
  },
  {
    name: 'what dropped packets leave behind: conntrack saw a segment that then expired (TTL 1), but not a NEW one dropped before confirmation',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 1, 0, 0, 0], pkts: [1, 2, 4, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20027, 20527),
      tcp('lan', 20027, 20527, 'PA', 1001, 5001, 'abc'),
      // Expires in the router (its time-exceeded reaches the LAN host), after conntrack has counted it as sent.
      { ...tcp('lan', 20027, 20527, 'PA', 1004, 5001, 'def'), ttl: 1 },
      // So acknowledging it is not acknowledging unseen data.
      tcp('wan', 20527, 20027, 'A', 5001, 1007),
      // A first SYN that expires never becomes a confirmed entry: the SYN/ACK finds none.
      { ...tcp('lan', 20028, 20528, 'S', 1000, 0), ttl: 1 },
      tcp('wan', 20528, 20028, 'SA', 5000, 1001),
      // Nor does a SYN the FORWARD policy drops.
      tcp('wan', 21029, OPEN_PORT + 1, 'S', 1000, 0),
      tcp('lan', OPEN_PORT + 1, 21029, 'SA', 5000, 1001),
    ],
  },
  {
    name: 'malformed from the LAN (SYN|FIN, no flags, FIN|PSH|URG, bad TCP and UDP checksums): INVALID, even for a NEW-from-LAN rule',
    kernel: { arrived: [0, 0, 0, 0, 0, 1], pkts: [0, 5, 0, 0, 1, 0] },
    steps: [
      tcp('lan', 20015, 20515, 'SF', 1000, 0),
      tcp('lan', 20016, 20516, '', 1000, 0),
      tcp('lan', 20017, 20517, 'FPU', 1000, 0),
      tcp('lan', 20018, 20518, 'S', 1000, 0, undefined, { chksum: 0x1234 }),
      { from: 'lan', udp: { sport: 20019, dport: 20519, data: 'bad sum', chksum: 0x1234 } },
      // A zero UDP checksum means "none": valid.
      { from: 'lan', udp: { sport: 20020, dport: 20520, data: 'no sum', chksum: 0 } },
    ],
  },
  {
    name: 'a new SYN on an established connection is let through unrecorded; the SYN/ACK answering it resyncs the entry',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], pkts: [0, 0, 10, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20021, 20521),
      tcp('lan', 20021, 20521, 'PA', 1001, 5001, 'data'),
      tcp('wan', 20521, 20021, 'A', 5001, 1005),
      // The LAN host rebooted and reuses the ports with a new ISN.
      tcp('lan', 20021, 20521, 'S', 3_000_000, 0),
      tcp('wan', 20521, 20021, 'SA', 7_000_000, 3_000_001),
      tcp('lan', 20021, 20521, 'A', 3_000_001, 7_000_001),
      tcp('lan', 20021, 20521, 'PA', 3_000_001, 7_000_001, 'again'),
      tcp('wan', 20521, 20021, 'A', 7_000_001, 3_000_006),
      // An old-incarnation segment from the WAN: below the new window, so ignored by the window check and let through.
      tcp('wan', 20521, 20021, 'PA', 5001, 1005, 'stale'),
    ],
  },
  {
    name: 'ICMP errors from the WAN about a live TCP connection (RELATED), a dead one, and one quoted backwards (INVALID)',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 0, 0, 1], pkts: [0, 2, 6, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20008, 20508),
      { from: 'wan', icmp: { type: 3, code: 3, quote: { src: 'lan', dst: 'wan', tcp: { sport: 20008, dport: 20508, flags: 'A', seq: 1001, ack: 5001 } } } },
      { from: 'wan', icmp: { type: 11, code: 0, quote: { src: 'lan', dst: 'wan', tcp: { sport: 20008, dport: 20508, flags: 'A', seq: 1001, ack: 5001 } } } },
      // From a gateway on the way, not the peer: the outer source is not checked.
      { from: 'wan', src: 'wan.gw', icmp: { type: 11, code: 0, quote: { src: 'lan', dst: 'wan', tcp: { sport: 20008, dport: 20508, flags: 'A', seq: 1001, ack: 5001 } } } },
      { from: 'wan', icmp: { type: 3, code: 3, quote: { src: 'lan', dst: 'wan', tcp: { sport: 20009, dport: 20509, flags: 'S', seq: 1000, ack: 0 } } } },
      // The connection's reply direction quoted: the tuple is found, but the outer destination is not that direction's destination.
      { from: 'wan', icmp: { type: 3, code: 1, quote: { src: 'wan', dst: 'lan', tcp: { sport: 20508, dport: 20008, flags: 'A', seq: 5001, ack: 1001 } } } },
      // The connection still works.
      tcp('lan', 20008, 20508, 'PA', 1001, 5001, 'still'),
    ],
  },
  {
    name: 'ICMP errors, edge cases: 8-byte quote, redirect, source quench, parameter problem (RELATED); quoted fragment, bad checksum, unknown type (INVALID)',
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 1, 0, 0, 0], pkts: [0, 3, 6, 0, 1, 0] },
    steps: [
      ...handshake('lan', 20030, 20530),
      { from: 'wan', icmp: { type: 3, code: 3, quote: { ...LIVE_30, quoteLen: 8 } } },
      { from: 'wan', icmp: { type: 5, code: 1, quote: LIVE_30 } },
      { from: 'wan', icmp: { type: 4, code: 0, quote: LIVE_30 } },
      { from: 'wan', icmp: { type: 12, code: 0, quote: LIVE_30 } },
      { from: 'wan', icmp: { type: 3, code: 3, quote: { ...LIVE_30, frag: 100 } } },
      { from: 'wan', icmp: { type: 3, code: 3, chksum: 0x1234, quote: LIVE_30 } },
      { from: 'wan', icmp: { type: 40, code: 0, quote: LIVE_30 } },
    ],
  },
  {
    name: 'ICMP queries: timestamp (the WAN kernel answers), information request and a crafted reply; replies with no request',
    kernel: { arrived: [2, 1, 1, 0, 0], pkts: [0, 2, 2, 0, 2, 0] },
    steps: [
      // (scapy fills in the three timestamps of types 13 and 14.)
      { from: 'lan', icmp: { type: 13, id: 0x2001, seq: 1, data: '' } },
      { from: 'lan', icmp: { type: 15, id: 0x2002, seq: 1, data: '' } },
      { from: 'wan', icmp: { type: 16, id: 0x2002, seq: 1, data: '' } },
      { from: 'wan', icmp: { type: 14, id: 0x2003, seq: 1, data: '' } },
      { from: 'wan', icmp: { type: 16, id: 0x2004, seq: 1, data: '' } },
    ],
  },
  {
    name: 'UDP: request and reply, unsolicited from the WAN, ICMP errors about the live flow and a dead one',
    kernel: { arrived: [1, 1, 0, 1, 0], pkts: [1, 1, 2, 0, 1, 0] },
    steps: [
      { from: 'lan', udp: { sport: 20010, dport: 20510, data: 'query' } },
      { from: 'wan', udp: { sport: 20510, dport: 20010, data: 'answer' } },
      { from: 'wan', udp: { sport: 21011, dport: 20011, data: 'unsolicited' } },
      { from: 'wan', icmp: { type: 3, code: 3, quote: { src: 'lan', dst: 'wan', udp: { sport: 20010, dport: 20510, data: 'query' } } } },
      { from: 'wan', icmp: { type: 3, code: 3, quote: { src: 'lan', dst: 'wan', udp: { sport: 20012, dport: 20512, data: 'query' } } } },
    ],
  },
  {
    name: 'ICMP: ping LAN → WAN (the WAN kernel answers), time-exceeded about it, unsolicited echo reply, ping from the WAN',
    kernel: { arrived: [2, 1, 0, 0], pkts: [1, 1, 2, 0, 1, 0] },
    steps: [
      { from: 'lan', icmp: { type: 8, id: 0x1234, seq: 1, data: 'parity' } },
      { from: 'wan', icmp: { type: 11, code: 0, quote: { src: 'lan', dst: 'wan', icmp: { type: 8, id: 0x1234, seq: 1, data: 'parity' } } } },
      { from: 'wan', icmp: { type: 0, id: 0x4321, seq: 1, data: 'nobody asked' } },
      { from: 'wan', icmp: { type: 8, id: 0x5678, seq: 1, data: 'let me in' } },
    ],
  },
  {
    name: `WAN → LAN TCP: the open port ${OPEN_PORT} (handshake and data) and a closed one`,
    kernel: { arrived: [1, 1, 1, 1, 1, 1, 0], pkts: [1, 0, 5, 0, 0, 1] },
    steps: [
      ...handshake('wan', 21013, OPEN_PORT),
      tcp('wan', 21013, OPEN_PORT, 'PA', 1001, 5001, 'GET'),
      tcp('lan', OPEN_PORT, 21013, 'A', 5001, 1004),
      // The LAN server's side reports an error about the WAN client's segment: RELATED (the reply direction's error).
      { from: 'lan', icmp: { type: 3, code: 3, quote: { src: 'wan', dst: 'lan', tcp: { sport: 21013, dport: OPEN_PORT, flags: 'PA', seq: 1001, ack: 5001 } } } },
      tcp('wan', 21014, OPEN_PORT + 1, 'S', 1000, 0),
    ],
  },
];
