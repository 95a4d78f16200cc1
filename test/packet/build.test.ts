import { describe, expect, it } from 'vitest';
import * as P from '../../src/packet/index.js';
import { fixture, frameBytes, ip, macBytes } from './fixtures.js';

const MAC_A = macBytes('02:00:0a:d5:01:01');
const MAC_B = macBytes('02:00:0a:d5:01:02');
const B_IP = ip('10.213.1.2');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** The IP packet of a captured fixture (its frame minus the Ethernet header). */
const ipOf = (name: string): Uint8Array => frameBytes(fixture(name)).subarray(14);
/** The IP total length of a frame's packet (what the parser would give). */
const tl = (frame: Uint8Array): number => P.ipTotLen(frame, 14);

describe('builders reproduce the kernel byte for byte (captured frames)', () => {
  it('TCP RST for a SYN to a closed port (REJECT/tcp-reset and the stack build the same segment)', () => {
    const syn = frameBytes(fixture('tcp-syn-2'), 3);
    const out = new Uint8Array(100);
    expect(P.buildTcpReset(out, 11, syn, 3 + 14, 60)).toBe(P.TCP_RST_LEN);
    expect(hex(out.subarray(11, 11 + 40))).toBe(hex(ipOf('tcp-rst-ack')));
  });

  const icmpCases: [string, string, string, number, number, number][] = [
    ['port unreachable', 'udp-2', 'icmp-port-unreachable', 3, 3, 0],
    ['port unreachable, TOS 0x28 → 0xc8', 'udp-tos', 'icmp-port-unreachable-tos', 3, 3, 0],
    ['time exceeded (quoted TTL 1, whole 84-byte packet)', 'icmp-echo-request-2', 'icmp-time-exceeded', 11, 0, 0],
    ['frag needed, mtu 576, quote capped at 576 total', 'icmp-echo-request-3', 'icmp-frag-needed', 3, 4, 576],
  ];
  it.each(icmpCases)('ICMP %s', (_d, origName, kernelName, type, code, rest) => {
    const orig = frameBytes(fixture(origName));
    const kernel = ipOf(kernelName);
    const out = new Uint8Array(700);
    const id = P.ipId(kernel, 0);
    const n = P.buildIcmpError(out, 64, orig, 14, tl(orig), type, code, B_IP, rest, id, P.ICMP_ERROR_MAXLEN);
    expect(n).toBe(kernel.length);
    expect(hex(out.subarray(64, 64 + n))).toBe(hex(kernel));
  });

  it.each([['icmp-echo-request', 'icmp-echo-reply'], ['icmp-echo-request-tos', 'icmp-echo-reply-tos']])(
    'echo reply in place: %s → %s', (req, rep) => {
      const b = frameBytes(fixture(req), 5);
      const kernel = ipOf(rep);
      P.echoReplyInPlace(b, 5 + 14, 64, P.ipId(kernel, 0));
      expect(hex(b.subarray(19, 19 + kernel.length))).toBe(hex(kernel));
    });

  it('ARP request and the reply to it', () => {
    const out = new Uint8Array(60);
    expect(P.buildArpRequest(out, 2, MAC_A, ip('10.213.1.1'), B_IP)).toBe(42);
    expect(hex(out.subarray(2, 44))).toBe(fixture('arp-request').hex);
    const req = frameBytes(fixture('arp-request'), 1);
    expect(P.arpReplyInPlace(req, 1, 15, MAC_B, B_IP)).toBe(42);
    expect(hex(req.subarray(1, 43))).toBe(fixture('arp-reply').hex);
    const out2 = new Uint8Array(42);
    P.buildArpReply(out2, 0, MAC_B, 0, B_IP, MAC_A, 0, ip('10.213.1.1'));
    expect(hex(out2)).toBe(fixture('arp-reply').hex);
  });
});

describe('builders: semantics beyond the captures', () => {
  it('gratuitous ARP: request with spa = tpa, broadcast, tha zero', () => {
    const out = new Uint8Array(42).fill(0xaa);
    P.buildGratuitousArp(out, 0, MAC_B, B_IP);
    expect(P.isBroadcastMac(out, 0)).toBe(true);
    expect([P.arpOp(out, 14), P.arpSpa(out, 14), P.arpTpa(out, 14), P.arpTha(out, 14)]).toEqual([1, B_IP, B_IP, 0]);
    expect(P.arpIsGratuitous(out, 14)).toBe(true);
    expect(P.arpValid(out, 14, 28)).toBe(true);
  });

  it('ARP reply in place keeps an 802.1Q tag', () => {
    const b = frameBytes(fixture('arp-request-vlan'));
    const ours = ip('10.213.100.2');
    expect(P.arpReplyInPlace(b, 0, 18, MAC_B, ours)).toBe(46);
    expect([P.ethVlanId(b, 0), P.ethInnerType(b, 0), P.arpOp(b, 18), P.arpSpa(b, 18), P.arpTpa(b, 18)])
      .toEqual([100, P.ETH_P_ARP, 2, ours, ip('10.213.100.1')]);
    expect(P.rdMac(b, 0)).toBe(P.rdMac(MAC_A, 0));
    expect(P.rdMac(b, 6)).toBe(P.rdMac(MAC_B, 0));
    expect(P.arpTha(b, 18)).toBe(P.rdMac(MAC_A, 0));
  });

  it('RST to a segment with ACK: seq = its ack, RST only, ack 0', () => {
    const seg = frameBytes(fixture('tcp-psh-ack'));
    const out = new Uint8Array(40);
    expect(P.buildTcpReset(out, 0, seg, 14, tl(seg))).toBe(40);
    const t = 20;
    expect(P.tcpSeq(out, t)).toBe(P.tcpAck(seg, 34));
    expect([P.tcpAck(out, t), P.tcpFlags(out, t), P.tcpWindow(out, t)]).toEqual([0, P.TCP_RST, 0]);
    expect([P.tcpSport(out, t), P.tcpDport(out, t)]).toEqual([P.tcpDport(seg, 34), P.tcpSport(seg, 34)]);
    expect([P.ipSaddr(out, 0), P.ipDaddr(out, 0)]).toEqual([P.ipDaddr(seg, 14), P.ipSaddr(seg, 14)]);
    expect([P.ipId(out, 0), P.ipDf(out, 0), P.ipTtl(out, 0), P.ipTos(out, 0)]).toEqual([0, true, 64, 0]);
    expect(P.ipHeaderChecksumOk(out, 0, 20)).toBe(true);
    expect(P.tcpChecksumOk(out, 0, 20, 20)).toBe(true);
  });

  it('RST without ACK: ack = seq + SYN + FIN + payload, RST|ACK (A4: seq 0, ack 754692796 for SYN 754692795)', () => {
    const seg = frameBytes(fixture('tcp-syn'));
    const l4 = 34;
    const out = new Uint8Array(40);
    seg[l4 + 13] = P.TCP_SYN | P.TCP_FIN; // no ACK; payload 0
    P.wr32(seg, l4 + 4, 754692795);
    P.buildTcpReset(out, 0, seg, 14, tl(seg));
    expect([P.tcpSeq(out, 20), P.tcpAck(out, 20), P.tcpFlags(out, 20)]).toEqual([0, 754692797, P.TCP_RST | P.TCP_ACK]);
    P.wr32(seg, l4 + 4, 0xffffffff); // wraps as u32
    seg[l4 + 13] = P.TCP_SYN;
    P.buildTcpReset(out, 0, seg, 14, tl(seg));
    expect(P.tcpAck(out, 20)).toBe(0);
    const data = frameBytes(fixture('tcp-psh-ack'));
    data[34 + 13] = P.TCP_PSH; // 14 payload bytes, no ACK
    P.buildTcpReset(out, 0, data, 14, tl(data));
    expect(P.tcpAck(out, 20)).toBe((P.tcpSeq(data, 34) + 14) >>> 0);
  });

  it('no RST for a RST, a non-first fragment, UDP, or a truncated TCP header', () => {
    const out = new Uint8Array(40);
    const rst = (f: Uint8Array): number => P.buildTcpReset(out, 0, f, 14, tl(f));
    expect(rst(frameBytes(fixture('tcp-rst-ack')))).toBe(0);
    const frag = frameBytes(fixture('tcp-syn'));
    P.wr16(frag, 14 + 6, 0x0001);
    expect(rst(frag)).toBe(0);
    expect(rst(frameBytes(fixture('udp')))).toBe(0);
    expect(rst(frameBytes(fixture('tcp-truncated')))).toBe(0);
    expect(rst(frameBytes(fixture('tcp-syn')))).toBe(40);
  });

  it('rejectChecksumOk: verified for TCP/UDP/ICMP/others, skipped for UDP 0 and ESP/AH/SCTP', () => {
    for (const n of ['tcp-syn', 'udp', 'icmp-echo-request', 'udp-zero-checksum', 'esp-spi', 'ah-spi', 'sctp-ports']) {
      expect(P.rejectChecksumOk(frameBytes(fixture(n)), 14)).toBe(true);
    }
    for (const n of ['tcp-syn', 'udp', 'icmp-echo-request']) {
      const b = frameBytes(fixture(n));
      b[b.length - 1] ^= 0x40;
      expect(P.rejectChecksumOk(b, 14)).toBe(false);
    }
    const z = frameBytes(fixture('udp-zero-checksum'));
    z[z.length - 1] ^= 0x40;
    expect(P.rejectChecksumOk(z, 14)).toBe(true);
  });

  it('ICMP error quoting the RFC 792 minimum (header + 8), parameter problem pointer, options in the original', () => {
    const orig = frameBytes(fixture('ipopt-tcp-syn-odd-mss'));
    const hl = P.ipHdrLen(orig, 14);
    const out = new Uint8Array(200);
    const n = P.buildIcmpError(out, 0, orig, 14, tl(orig), 12, 0, ip('10.0.0.1'), P.icmpPointerRest(20), 99, 28 + hl + 8);
    expect(n).toBe(28 + hl + 8);
    expect([P.ipTotLen(out, 0), P.ipTos(out, 0), P.ipTtl(out, 0), P.ipDf(out, 0), P.ipId(out, 0), P.ipProto(out, 0)])
      .toEqual([n, 0xc0 | (0xb8 & 0x1e), 64, false, 99, 1]);
    expect([P.ipSaddr(out, 0), P.ipDaddr(out, 0)]).toEqual([ip('10.0.0.1'), ip('10.213.1.1')]);
    expect([P.icmpType(out, 20), P.icmpCode(out, 20), P.icmpPointer(out, 20)]).toEqual([12, 0, 20]);
    expect(hex(out.subarray(28, n))).toBe(hex(orig.subarray(14, 14 + hl + 8)));
    expect(P.ipHeaderChecksumOk(out, 0, 20)).toBe(true);
    expect(P.icmpChecksumOk(out, 20, n - 20)).toBe(true);
  });

  it('every destination-unreachable code quotes at most 548 bytes and checks out', () => {
    const orig = frameBytes(fixture('icmp-frag-first')); // 1500-byte packet
    const out = new Uint8Array(1000);
    for (const code of [0, 1, 2, 3, 4, 9, 10, 13]) {
      const n = P.buildIcmpError(out, 4, orig, 14, tl(orig), 3, code, B_IP, code === 4 ? 1400 : 0, 1, P.ICMP_ERROR_MAXLEN);
      expect(n).toBe(576);
      expect(P.icmpChecksumOk(out, 24, n - 20)).toBe(true);
      expect(P.icmpNextHopMtu(out, 24)).toBe(code === 4 ? 1400 : 0);
      expect(P.rd16(out, 28)).toBe(0);
    }
  });

  it('builds into the same buffer as the original (slab slots)', () => {
    const f = frameBytes(fixture('udp-2'));
    const slab = new Uint8Array(400);
    slab.set(f, 10);
    const n = P.buildIcmpError(slab, 200, slab, 24, P.ipTotLen(slab, 24), 3, 3, B_IP, 0, P.ipId(ipOf('icmp-port-unreachable'), 0), P.ICMP_ERROR_MAXLEN);
    expect(hex(slab.subarray(200, 200 + n))).toBe(hex(ipOf('icmp-port-unreachable')));
  });

  it('writes Ethernet headers (plain, tagged, src+type only)', () => {
    const b = new Uint8Array(20);
    expect(P.writeEthernet(b, 1, MAC_B, 0, MAC_A, 0, P.ETH_P_IP)).toBe(14);
    expect(hex(b.subarray(1, 15))).toBe('02000ad5010202000ad501010800');
    expect(P.writeEthernetVlan(b, 0, MAC_B, 0, MAC_A, 0, (3 << 13) | 42, P.ETH_P_IP)).toBe(18);
    expect([P.ethertypeOf(b, 0, 18), P.ethHeaderLen(b, 0, 18), P.ethVlanId(b, 0)]).toEqual([P.ETH_P_IP, 18, 42]);
    const c = new Uint8Array(14);
    P.writeEthernetSrcType(c, 0, MAC_A, P.ETH_P_ARP);
    expect(hex(c)).toBe('00000000000002000ad501010806');
    P.wrMac(c, 0, P.rdMac(MAC_B, 0));
    expect(P.macEqual(c, 0, MAC_B, 0)).toBe(true);
  });
});
