/**
 * The FTP helper through the pipeline (harness: conntrack, defrag and NAT
 * attached): `-t raw -j CT --helper ftp` attaches it (helper=ftp in the
 * records), PORT/227 make an expectation, the data connection's first packet
 * is RELATED and matches `-m helper --helper ftp`, an unannounced one does
 * not; commands count only at line starts; a partial command is dropped.
 * With MASQUERADE/SNAT the text is rewritten to the translated address, the
 * data connection follows the master (DNAT back to the client for active
 * mode, SNAT for passive), and when the text changed length every later
 * segment is sequence-adjusted both ways, SACK blocks included, checksums
 * valid and the window tracker still accepting.
 */
import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../../src/conntrack/conntrack.js';
import { ConntrackRecords } from '../../../src/conntrack/records.js';
import { CONNTRACK_DEFAULTS } from '../../../src/conntrack/settings.js';
import { ConntrackTable, Status } from '../../../src/conntrack/table.js';
import { TcpTracker } from '../../../src/conntrack/tcp.js';
import { DropReason, ipHeaderChecksumOk, setIpChecksum, setTcpChecksum, tcpChecksumOk } from '../../../src/packet/index.js';
import { MAC_HOST, MAC_LAN, MAC_PEER, MAC_WAN, TCP_ACK, TCP_PSH, TCP_SYN, drops, eth, ip, setup } from '../../dataplane/harness.js';

const CLIENT = '10.1.1.2', SERVER = '10.1.2.2';

/** A TCP segment with a text payload and raw option bytes (padded to 4). */
function seg(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack: number, payload = '', opts: number[] = []): Uint8Array {
  const o = [...opts];
  while (o.length % 4) o.push(1);
  const data = new TextEncoder().encode(payload);
  const hl = 20 + o.length;
  const l4 = hl + data.length;
  const b = new Uint8Array(20 + l4);
  b[0] = 0x45; b[2] = (20 + l4) >> 8; b[3] = (20 + l4) & 255; b[8] = 64; b[9] = 6;
  const dv = new DataView(b.buffer);
  dv.setUint32(12, ip(src)); dv.setUint32(16, ip(dst));
  dv.setUint16(20, sport); dv.setUint16(22, dport);
  dv.setUint32(24, seq >>> 0); dv.setUint32(28, ack >>> 0);
  b[32] = (hl / 4) << 4; b[33] = flags; dv.setUint16(34, 65535);
  b.set(o, 40);
  b.set(data, 20 + hl);
  setTcpChecksum(b, 0, 20, l4);
  setIpChecksum(b, 0);
  return b;
}

const text = (p: Uint8Array) => new TextDecoder().decode(p.subarray(20 + ((p[32] >> 4) * 4)));
const u32 = (p: Uint8Array, o: number) => new DataView(p.buffer, p.byteOffset).getUint32(o);
const u16 = (p: Uint8Array, o: number) => new DataView(p.buffer, p.byteOffset).getUint16(o);
const ipStr = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
function valid(p: Uint8Array) {
  expect(ipHeaderChecksumOk(p, 0, 20)).toBe(true);
  expect(tcpChecksumOk(p, 0, 20, u16(p, 2) - 20)).toBe(true);
}

function lab(nat = '') {
  const rules = `*raw\n-A PREROUTING -p tcp --dport 21 -j CT --helper ftp\nCOMMIT\n*nat\n${nat}COMMIT\n` +
    '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m state --state INVALID -j DROP\n-A FORWARD -m state --state ESTABLISHED -j ACCEPT\n' +
    '-A FORWARD -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT\n-A FORWARD -i lan0 -p tcp --dport 21 -j ACCEPT\nCOMMIT\n';
  let ct!: Conntrack;
  const t = setup(rules, {
    conntrack: (now) => (ct = new Conntrack(new ConntrackTable(256, 256), new TcpTracker(256, CONNTRACK_DEFAULTS), CONNTRACK_DEFAULTS, now)),
  });
  t.learnPeer();
  t.learnLan(CLIENT);
  const sent = [0, 0];
  const fromLan = (p: Uint8Array) => t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, p));
  const fromWan = (p: Uint8Array) => t.rx(1, eth(MAC_WAN, MAC_PEER, 0x0800, p));
  /** The IP packets sent out of interface i since the last call. */
  const out = (i: number) => {
    const all = t.ports[i]!.sent.filter((f) => f[12] === 8).map((f) => f.subarray(14));
    const fresh = all.slice(sent[i]);
    sent[i] = all.length;
    return fresh;
  };
  const records = () => [...new ConntrackRecords(ct, t.now).list()];
  /** Handshake and greeting; returns the server's address as the client sees it from the SYN that left. */
  const control = () => {
    fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_SYN, 1000, 0));
    const syn = out(1)[0]!;
    const pub = ipStr(syn, 12);
    const pubPort = u16(syn, 20);
    fromWan(seg(SERVER, pub, 21, pubPort, TCP_SYN | TCP_ACK, 5000, 1001));
    fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK, 1001, 5001));
    fromWan(seg(SERVER, pub, 21, pubPort, TCP_ACK | TCP_PSH, 5001, 1001, '220 ready\r\n'));
    fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1001, 5012, 'USER a\r\n'));
    out(0); out(1);
    return { pub, pubPort };
  };
  return { ...t, ct: () => ct, fromLan, fromWan, out, records, control };
}

describe('FTP helper without NAT', () => {
  it('PORT: expectation; the data connection is RELATED (helper ftp), an unannounced port is not', () => {
    const l = lab();
    l.control();
    expect(l.records().map((r) => r.helper)).toEqual(['ftp']);
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'PORT 10,1,1,2,4,1\r\n'));
    expect(text(l.out(1)[0]!)).toBe('PORT 10,1,1,2,4,1\r\n');
    const ex = l.ct().helpers.expects;
    expect(ex.count).toBe(1);
    // An unannounced port: NEW, not RELATED: dropped by the policy.
    l.fromWan(seg(SERVER, CLIENT, 20, 1026, TCP_SYN, 9000, 0));
    expect(l.out(0)).toHaveLength(0);
    l.fromWan(seg(SERVER, CLIENT, 20, 1025, TCP_SYN, 9000, 0));
    expect(l.out(0)).toHaveLength(1);
    expect(ex.count).toBe(0); // consumed
    const data = l.records().find((r) => r.orig.dport === 1025)!;
    expect(data.status & Status.EXPECTED).toBeTruthy();
    expect(data.helper).toBe(''); // the child has no helper of its own
    // A second SYN to the same port now is not related: the expectation was used.
    l.fromWan(seg(SERVER, CLIENT, 21, 1025, TCP_SYN, 9100, 0));
    expect(l.out(0)).toHaveLength(0);
  });

  it('227: the client\'s data connection to the announced port is RELATED', () => {
    const l = lab();
    l.control();
    l.fromWan(seg(SERVER, CLIENT, 21, 40000, TCP_ACK | TCP_PSH, 5012, 1009, '227 Entering Passive Mode (10,1,2,2,195,80).\r\n'));
    expect(l.out(0)).toHaveLength(1);
    l.fromLan(seg(CLIENT, SERVER, 40001, 50001, TCP_SYN, 7000, 0));
    expect(l.out(1)).toHaveLength(0); // not announced: NEW, and FORWARD takes NEW to port 21 only
    l.fromLan(seg(CLIENT, SERVER, 40001, 50000, TCP_SYN, 7000, 0));
    expect(l.out(1)).toHaveLength(1);
    expect(l.records().find((r) => r.orig.dport === 50000)!.status & Status.EXPECTED).toBeTruthy();
  });

  it('only at a line start: a PORT inside a segment that does not start a line is not seen', () => {
    const l = lab();
    l.control();
    // Sequence 1005 is not after a newline the client sent.
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'NOOP'));
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1013, 5012, 'PORT 10,1,1,2,4,1\r\n'));
    expect(l.ct().helpers.expects.count).toBe(0);
  });

  it('a partial command is dropped (the sender retransmits)', () => {
    const l = lab();
    l.control();
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'PORT 10,1,1,2,4'));
    expect(l.out(1)).toHaveLength(0);
    expect(drops(l.p, 0, DropReason.CT_HELPER)).toBe(1);
    expect(l.ct().helpers.stats.partial).toBe(1);
  });

  it('an address other than the client\'s is not recorded', () => {
    const l = lab();
    l.control();
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'PORT 10,1,1,9,4,1\r\n'));
    expect(l.out(1)).toHaveLength(1);
    expect(l.ct().helpers.expects.count).toBe(0);
    expect(l.ct().helpers.stats.notRecorded).toBe(1);
  });

  it('one expectation per master: a second PORT replaces the first; 300 s timeout', () => {
    const l = lab();
    l.control();
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'PORT 10,1,1,2,4,1\r\n'));
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1028, 5012, 'PORT 10,1,1,2,4,2\r\n'));
    const ex = l.ct().helpers.expects;
    expect(ex.count).toBe(1);
    const [i] = ex.ofMaster([...l.ct().table.confirmedSlots()][0]!, l.now());
    expect(ex.expectedPort(i!)).toBe(1026);
    expect(ex.expires(i!) - l.now()).toBe(300_000);
    l.advance(300_001);
    l.fromWan(seg(SERVER, CLIENT, 20, 1026, TCP_SYN, 9000, 0));
    expect(l.out(0)).toHaveLength(0);
  });
});

describe('FTP helper with NAT', () => {
  it('MASQUERADE, passive: 227 kept (the server\'s own address), the data connection SNATed like the master', () => {
    const l = lab('-A POSTROUTING -o wan0 -j MASQUERADE\n');
    const { pub } = l.control();
    expect(pub).toBe('10.1.2.1');
    l.fromWan(seg(SERVER, pub, 21, 40000, TCP_ACK | TCP_PSH, 5012, 1009, '227 Entering Passive Mode (10,1,2,2,195,80).\r\n'));
    const r = l.out(0)[0]!;
    expect(text(r)).toBe('227 Entering Passive Mode (10,1,2,2,195,80).\r\n');
    valid(r);
    l.fromLan(seg(CLIENT, SERVER, 40001, 50000, TCP_SYN, 7000, 0));
    const syn = l.out(1)[0]!;
    expect([ipStr(syn, 12), ipStr(syn, 16), u16(syn, 22)]).toEqual([pub, SERVER, 50000]);
    valid(syn);
  });

  it('SNAT, active: PORT rewritten to the public address (longer), data connection DNATed back; seq/ack adjusted both ways', () => {
    const l = lab('-A POSTROUTING -o wan0 -j SNAT --to-source 10.1.2.100\n');
    const { pub } = l.control();
    expect(pub).toBe('10.1.2.100');
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'PORT 10,1,1,2,4,1\r\n'));
    const p = l.out(1)[0]!;
    expect(text(p)).toBe('PORT 10,1,2,100,4,1\r\n'); // 2 bytes longer
    expect(u32(p, 24)).toBe(1009); // the mangled segment keeps its seq
    valid(p);
    const slot = [...l.ct().table.confirmedSlots()][0]!;
    expect(l.ct().table.status(slot) & Status.SEQ_ADJUST).toBeTruthy();
    expect([l.ct().helpers.seqadj.correctionPos(l.ct().helpers.extOf(slot), 0), l.ct().helpers.seqadj.offsetBefore(l.ct().helpers.extOf(slot), 0), l.ct().helpers.seqadj.offsetAfter(l.ct().helpers.extOf(slot), 0)]).toEqual([1009, 0, 2]);
    // The server acks what it got (1009 + 21 bytes): back in the client's space that is 1028.
    l.fromWan(seg(SERVER, pub, 21, 40000, TCP_ACK | TCP_PSH, 5012, 1030, '200 PORT ok\r\n'));
    const a = l.out(0)[0]!;
    expect(u32(a, 28)).toBe(1028);
    valid(a);
    // The client's next segment moves up by 2.
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1028, 5025, 'RETR f\r\n'));
    const n = l.out(1)[0]!;
    expect(u32(n, 24)).toBe(1030);
    valid(n);
    // The data connection to the public address goes to the client's announced port.
    l.fromWan(seg(SERVER, pub, 20, 1025, TCP_SYN, 9000, 0));
    const d = l.out(0)[0]!;
    expect([ipStr(d, 12), ipStr(d, 16), u16(d, 22)]).toEqual([SERVER, CLIENT, 1025]);
    valid(d);
    expect(l.ct().helpers.expects.count).toBe(0);
  });

  it('SACK blocks in the server\'s acks are moved back like the ack', () => {
    const l = lab('-A POSTROUTING -o wan0 -j SNAT --to-source 10.1.2.100\n');
    const { pub } = l.control();
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'PORT 10,1,1,2,4,1\r\n'));
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1028, 5012, 'NOOP\r\n'));
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1034, 5012, 'NOOP\r\n'));
    l.out(1);
    // The server got the PORT (acks 1030) and the second NOOP (server space 1036..1042): SACK it.
    const sack = [1, 5, 10, 0, 0, 0x04, 0x0c, 0, 0, 0x04, 0x12]; // NOP, SACK len 10, 1036..1042
    l.fromWan(seg(SERVER, pub, 21, 40000, TCP_ACK, 5012, 1030, '', sack));
    const a = l.out(0)[0]!;
    expect(u32(a, 28)).toBe(1028);
    expect([u32(a, 43), u32(a, 47)]).toEqual([1034, 1040]); // odd offset: after one NOP
    valid(a);
  });

  it('EPRT and 229 through SNAT: EPRT rewritten, 229 kept', () => {
    const l = lab('-A POSTROUTING -o wan0 -j SNAT --to-source 10.1.2.100\n');
    const { pub } = l.control();
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'EPRT |1|10.1.1.2|6000|\r\n'));
    expect(text(l.out(1)[0]!)).toBe('EPRT |1|10.1.2.100|6000|\r\n');
    l.fromWan(seg(SERVER, pub, 21, 40000, TCP_ACK | TCP_PSH, 5012, 1035, '229 Entering Extended Passive Mode (|||50000|)\r\n'));
    const r = l.out(0)[0]!;
    expect(text(r)).toBe('229 Entering Extended Passive Mode (|||50000|)\r\n');
    expect(u32(r, 28)).toBe(1033);
  });
});

describe('FTP helper: expectation clashes (nf_nat_exp_find_port)', () => {
  it('two masqueraded clients announcing the same port to one server: the second gets another port, each data connection reaches its own client', () => {
    const l = lab('-A POSTROUTING -o wan0 -j MASQUERADE\n');
    const other = '10.1.1.3';
    l.learnLan(other);
    const { pub } = l.control();
    // A second control connection from another LAN host.
    l.fromLan(seg(other, SERVER, 40000, 21, TCP_SYN, 3000, 0));
    const syn = l.out(1)[0]!;
    const p2 = u16(syn, 20);
    expect(p2).not.toBe(40000); // the first client holds 40000 on the public address
    l.fromWan(seg(SERVER, pub, 21, p2, TCP_SYN | TCP_ACK, 8000, 3001));
    l.fromLan(seg(other, SERVER, 40000, 21, TCP_ACK, 3001, 8001));
    l.fromWan(seg(SERVER, pub, 21, p2, TCP_ACK | TCP_PSH, 8001, 3001, '220 ready\r\n'));
    l.fromLan(seg(other, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 3001, 8012, 'USER a\r\n'));
    l.out(0); l.out(1);
    l.fromLan(seg(CLIENT, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 1009, 5012, 'PORT 10,1,1,2,4,1\r\n'));
    expect(text(l.out(1)[0]!)).toBe('PORT 10,1,2,1,4,1\r\n');
    l.fromLan(seg(other, SERVER, 40000, 21, TCP_ACK | TCP_PSH, 3009, 8012, 'PORT 10,1,1,3,4,1\r\n'));
    const t2 = text(l.out(1)[0]!);
    const m = /^PORT 10,1,2,1,(\d+),(\d+)\r\n$/.exec(t2)!;
    const port2 = Number(m[1]) * 256 + Number(m[2]);
    expect(port2).toBeGreaterThan(1025);
    expect(l.ct().helpers.expects.count).toBe(2);
    l.fromWan(seg(SERVER, pub, 20, port2, TCP_SYN, 9000, 0));
    const d2 = l.out(0)[0]!;
    expect([ipStr(d2, 16), u16(d2, 22)]).toEqual([other, 1025]);
    l.fromWan(seg(SERVER, pub, 20, 1025, TCP_SYN, 9500, 0));
    const d1 = l.out(0)[0]!;
    expect([ipStr(d1, 16), u16(d1, 22)]).toEqual([CLIENT, 1025]);
  });
});
