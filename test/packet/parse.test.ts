import { describe, expect, it } from 'vitest';
import { PacketContext } from '../../src/packet/context.js';
import { DropReason, DROP_REASON_NAMES } from '../../src/packet/drop-reason.js';
import { checkL4, l4HeaderMin, parseFrame, parseIPv4, tcpHeaderSane } from '../../src/packet/parse.js';
import { ETH_P_ARP, ethertypeOf, PacketType, pktTypeOf } from '../../src/packet/ethernet.js';
import { FIXTURES, fixture, frameBytes, ip, macBytes } from './fixtures.js';

const LEAD = 7;
const reasonName = (r: number): string => DROP_REASON_NAMES[r].toUpperCase();

function parse(name: string, lead = LEAD): { ctx: PacketContext; r: number; b: Uint8Array } {
  const f = fixture(name);
  const b = frameBytes(f, lead, 3);
  const ctx = new PacketContext();
  const r = parseFrame(ctx, b, lead, b.length - lead - 3, true);
  return { ctx, r, b };
}

describe('parseFrame on every fixture', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s', (_n, f) => {
    const b = frameBytes(f, LEAD, 3);
    const len = b.length - LEAD - 3;
    const ctx = new PacketContext();
    const r = parseFrame(ctx, b, LEAD, len, true);
    expect(reasonName(r)).toBe(f.expect.reason);
    expect(ctx.buf).toBe(b);
    expect(ctx.frameOff).toBe(LEAD);
    expect(ctx.frameLen).toBe(len);
    if (r !== DropReason.NONE) {
      expect(ctx.l4Off).toBe(-1);
      return;
    }
    const x = f.fields;
    expect(ctx.l4Off >= 0).toBe(f.expect.l4);
    if (x.undecodable) return; // scapy gave up on it (truncated L4): see the truncation tests
    expect(ctx.l2Len).toBe(x.l2Len);
    expect(ctx.vlanTci).toBe(x.vlan ? x.vlan.tci : -1);
    expect(ctx.l3Off).toBe(LEAD + x.l2Len);
    expect(ctx.ipHdrLen).toBe(x.ip.ihl * 4);
    expect(ctx.ipTotLen).toBe(x.ip.len);
    expect(ctx.tos).toBe(x.ip.tos);
    expect(ctx.ipId).toBe(x.ip.id);
    expect(ctx.fragOff).toBe(x.ip.frag);
    expect(ctx.mf).toBe(x.ip.mf);
    expect(ctx.df).toBe(x.ip.df);
    expect(ctx.ttl).toBe(x.ip.ttl);
    expect(ctx.proto).toBe(x.ip.proto);
    expect(ctx.saddr).toBe(ip(x.ip.src));
    expect(ctx.daddr).toBe(ip(x.ip.dst));
    expect(ctx.l4Off >= 0).toBe(f.expect.l4);
    if (!f.expect.l4) {
      expect([ctx.l4Len, ctx.sport, ctx.dport, ctx.tcpFlags, ctx.icmpType, ctx.spi]).toEqual([0, 0, 0, 0, 0, 0]);
      return;
    }
    expect(ctx.l4Off).toBe(LEAD + x.l4Off);
    expect(ctx.l4Len).toBe(x.ip.len - x.ip.ihl * 4);
    expect(checkL4(ctx)).toBe(DropReason.NONE);
    if (x.tcp) {
      expect([ctx.sport, ctx.dport, ctx.tcpSeq, ctx.tcpAck, ctx.tcpFlags, ctx.tcpHdrLen, ctx.tcpWindow])
        .toEqual([x.tcp.sport, x.tcp.dport, x.tcp.seq, x.tcp.ack, x.tcp.flags & 0xff, x.tcp.dataofs * 4, x.tcp.window]);
      expect(tcpHeaderSane(ctx)).toBe(true);
    } else if (x.udp) {
      expect([ctx.sport, ctx.dport]).toEqual([x.udp.sport, x.udp.dport]);
    } else if (x.icmp) {
      expect([ctx.icmpType, ctx.icmpCode]).toEqual([x.icmp.type, x.icmp.code]);
      expect([ctx.icmpId, ctx.icmpSeq]).toEqual(x.icmp.id === null ? [0, 0] : [x.icmp.id, x.icmp.seq]);
      expect([ctx.sport, ctx.dport]).toEqual([0, 0]);
    }
  });
});

describe('parseFrame details', () => {
  it('tells ARP apart through ethertypeOf (NOT_IPV4 from the parser)', () => {
    for (const n of ['arp-request', 'arp-reply', 'arp-request-vlan']) {
      const { ctx, r, b } = parse(n);
      expect(r).toBe(DropReason.NOT_IPV4);
      expect(ethertypeOf(b, LEAD, b.length - LEAD)).toBe(ETH_P_ARP);
      expect(ctx.l3Off).toBe(LEAD + ctx.l2Len);
    }
    expect(parse('arp-request-vlan').ctx.vlanTci).toBe((5 << 13) | 100);
  });

  it('reads a VLAN-tagged IPv4 frame past its tag', () => {
    const { ctx, r } = parse('icmp-echo-request-vlan');
    expect(r).toBe(DropReason.NONE);
    expect(ctx.l2Len).toBe(18);
    expect(ctx.vlanTci & 0xfff).toBe(100);
    expect([ctx.icmpType, ctx.icmpId, ctx.icmpSeq]).toEqual([8, 0x77, 3]);
  });

  it('sets pktType from the destination MAC; pktTypeOf knows the port MAC', () => {
    expect(parse('arp-request').ctx.pktType).toBe(PacketType.BROADCAST);
    expect(parse('tcp-syn').ctx.pktType).toBe(PacketType.HOST);
    const { b } = parse('tcp-syn');
    expect(pktTypeOf(b, LEAD, macBytes('02:00:0a:d5:01:02'))).toBe(PacketType.HOST);
    expect(pktTypeOf(b, LEAD, macBytes('02:00:0a:d5:01:09'))).toBe(PacketType.OTHERHOST);
    const m = frameBytes(fixture('tcp-syn'));
    m[0] = 0x01; m[1] = 0x00; m[2] = 0x5e;
    expect(pktTypeOf(m, 0, macBytes('02:00:0a:d5:01:02'))).toBe(PacketType.MULTICAST);
  });

  it('ignores Ethernet padding: ipTotLen is authoritative', () => {
    const { ctx, r } = parse('udp-eth-padding');
    expect(r).toBe(DropReason.NONE);
    expect(ctx.frameLen).toBe(60);
    expect(ctx.ipTotLen).toBe(29);
    expect(ctx.l4Len).toBe(9);
  });

  it('parses an L3 frame (TUN) with l2 = false', () => {
    const f = fixture('tcp-syn');
    const raw = frameBytes(f);
    const b = new Uint8Array(200);
    b.set(raw.subarray(14), 9);
    const ctx = new PacketContext();
    expect(parseFrame(ctx, b, 9, raw.length - 14, false)).toBe(DropReason.NONE);
    expect([ctx.l2Len, ctx.vlanTci, ctx.l3Off, ctx.frameOff, ctx.l4Off]).toEqual([0, -1, 9, 9, 29]);
    expect(ctx.dport).toBe(8080);
  });

  it('fills SPI for AH and ESP and ports for SCTP', () => {
    expect(parse('ah-spi').ctx.spi).toBe(0xdeadbeef);
    expect(parse('esp-spi').ctx.spi).toBe(0x80000001);
    const s = parse('sctp-ports').ctx;
    expect([s.sport, s.dport]).toEqual([3868, 2905]);
  });

  it('resets every parsed field between packets (no stale L4 from the previous one)', () => {
    const ctx = new PacketContext();
    const a = frameBytes(fixture('tcp-syn'));
    expect(parseFrame(ctx, a, 0, a.length, true)).toBe(DropReason.NONE);
    expect(ctx.tcpFlags).toBe(2);
    const c = frameBytes(fixture('icmp-frag-later'));
    expect(parseFrame(ctx, c, 0, c.length, true)).toBe(DropReason.NONE);
    expect([ctx.l4Off, ctx.sport, ctx.dport, ctx.tcpFlags, ctx.tcpSeq, ctx.tcpHdrLen]).toEqual([-1, 0, 0, 0, 0, 0]);
    const d = frameBytes(fixture('eth-truncated'));
    expect(parseFrame(ctx, d, 0, d.length, true)).toBe(DropReason.FRAME_TRUNCATED);
    expect([ctx.saddr, ctx.daddr, ctx.proto, ctx.ipTotLen, ctx.l2Len, ctx.vlanTci]).toEqual([0, 0, 0, 0, 0, -1]);
  });
});

describe('malformed frames: one reason each', () => {
  const cases: [string, number][] = [
    ['eth-truncated', DropReason.FRAME_TRUNCATED],
    ['vlan-truncated', DropReason.FRAME_TRUNCATED],
    ['ipv6-frame', DropReason.NOT_IPV4],
    ['ip-truncated', DropReason.IP_TRUNCATED],
    ['bad-version', DropReason.IP_BAD_VERSION],
    ['bad-ihl-small', DropReason.IP_BAD_IHL],
    ['bad-ihl-beyond', DropReason.IP_BAD_IHL],
    ['bad-totlen-beyond', DropReason.IP_BAD_TOTAL_LENGTH],
    ['bad-totlen-below-ihl', DropReason.IP_BAD_TOTAL_LENGTH],
    ['bad-ip-checksum', DropReason.IP_BAD_CHECKSUM],
  ];
  it.each(cases)('%s', (name, reason) => {
    expect(parse(name).r).toBe(reason);
  });

  it('keeps the header fields of a packet dropped for its checksum (for logging)', () => {
    const { ctx } = parse('bad-ip-checksum');
    expect([ctx.saddr, ctx.daddr, ctx.proto]).toEqual([ip('10.213.1.1'), ip('10.213.1.2'), 17]);
  });

  it('an empty or 1-byte IP packet is IP_TRUNCATED / IP_BAD_VERSION', () => {
    const ctx = new PacketContext();
    const b = new Uint8Array([0x45, 0, 0]);
    expect(parseIPv4(ctx, b, 0, 0)).toBe(DropReason.IP_TRUNCATED);
    expect(parseIPv4(ctx, b, 0, 3)).toBe(DropReason.IP_TRUNCATED);
    b[0] = 0x60;
    expect(parseIPv4(ctx, b, 0, 3)).toBe(DropReason.IP_BAD_VERSION);
  });

  it('truncated L4 on a first fragment: parsed, l4Off = -1, checkL4 says L4_TRUNCATED', () => {
    for (const n of ['tcp-truncated', 'udp-truncated']) {
      const { ctx, r } = parse(n);
      expect(r).toBe(DropReason.NONE);
      expect(ctx.l4Off).toBe(-1);
      expect(ctx.fragOff).toBe(0);
      expect(checkL4(ctx)).toBe(DropReason.L4_TRUNCATED);
    }
    // A later fragment has no L4 header either, but that is not truncation.
    expect(checkL4(parse('icmp-frag-later').ctx)).toBe(DropReason.NONE);
  });

  it('every header length boundary of every L4 protocol', () => {
    const ctx = new PacketContext();
    for (const proto of [1, 6, 17, 33, 50, 51, 132, 136, 47]) {
      const need = l4HeaderMin(proto);
      for (const l4Len of [0, need - 1, need, need + 1].filter((n) => n >= 0)) {
        const tot = 20 + l4Len;
        const b = new Uint8Array(tot);
        b[0] = 0x45; b[2] = tot >> 8; b[3] = tot & 0xff; b[8] = 64; b[9] = proto;
        let s = 0;
        for (let i = 0; i < 20; i += 2) s += (b[i] << 8) | b[i + 1];
        while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
        b[10] = (~s >> 8) & 0xff; b[11] = ~s & 0xff;
        expect(parseIPv4(ctx, b, 0, tot)).toBe(DropReason.NONE);
        expect(ctx.l4Off >= 0).toBe(l4Len >= need);
        expect(checkL4(ctx)).toBe(l4Len >= need ? DropReason.NONE : DropReason.L4_TRUNCATED);
      }
    }
  });

  it('tcpHeaderSane flags a data offset below 20 or beyond the segment', () => {
    const f = fixture('tcp-syn');
    const b = frameBytes(f);
    const ctx = new PacketContext();
    b[14 + 20 + 12] = 0x40; // doff 4
    parseFrame(ctx, b, 0, b.length, true);
    expect(tcpHeaderSane(ctx)).toBe(false);
    b[14 + 20 + 12] = 0xf0; // doff 15 = 60 bytes > 40
    parseFrame(ctx, b, 0, b.length, true);
    expect(ctx.tcpHdrLen).toBe(60);
    expect(tcpHeaderSane(ctx)).toBe(false);
  });
});
