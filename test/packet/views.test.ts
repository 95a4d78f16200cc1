import { describe, expect, it } from 'vitest';
import * as P from '../../src/packet/index.js';
import { FIXTURES, fixture, frameBytes, ip, mac } from './fixtures.js';

const LEAD = 5; // odd, so every accessor is exercised at an absolute, unaligned offset

const withIp = FIXTURES.filter((f) => f.fields.ip && f.expect.reason === 'NONE');

describe('views agree with scapy on the fixtures', () => {
  it('has the captured and crafted fixtures it expects', () => {
    expect(FIXTURES.filter((f) => f.source === 'capture').length).toBeGreaterThanOrEqual(25);
    for (const n of ['arp-request', 'arp-reply', 'icmp-echo-request', 'icmp-echo-reply', 'tcp-syn', 'tcp-synack',
      'tcp-rst-ack', 'udp', 'icmp-port-unreachable', 'icmp-time-exceeded', 'icmp-frag-needed', 'icmp-frag-first',
      'icmp-frag-later', 'arp-request-vlan', 'icmp-echo-request-vlan']) {
      expect(fixture(n).source).toBe('capture');
    }
  });

  it.each(FIXTURES.filter((f) => !f.fields.undecodable && f.expect.reason !== 'FRAME_TRUNCATED').map((f) => [f.name, f] as const))('ethernet: %s', (_n, f) => {
    const b = frameBytes(f, LEAD);
    const e = f.fields.eth;
    expect(P.rdMac(b, P.ethDstOff(LEAD))).toBe(mac(e.dst));
    expect(P.rdMac(b, P.ethSrcOff(LEAD))).toBe(mac(e.src));
    expect(P.ethType(b, LEAD)).toBe(e.type);
    expect(P.ethIsTagged(b, LEAD)).toBe(!!f.fields.vlan);
    expect(P.ethHeaderLen(b, LEAD, b.length - LEAD)).toBe(f.fields.l2Len);
    if (f.fields.vlan) {
      expect(P.ethVlanTci(b, LEAD)).toBe(f.fields.vlan.tci);
      expect(P.ethVlanId(b, LEAD)).toBe(f.fields.vlan.vid);
      expect(P.ethInnerType(b, LEAD)).toBe(f.fields.vlan.type);
      expect(P.ethertypeOf(b, LEAD, b.length - LEAD)).toBe(f.fields.vlan.type);
    } else {
      expect(P.ethertypeOf(b, LEAD, b.length - LEAD)).toBe(e.type);
    }
    expect(P.isBroadcastMac(b, LEAD)).toBe(e.dst === 'ff:ff:ff:ff:ff:ff');
  });

  it.each(FIXTURES.filter((f) => f.fields.arp).map((f) => [f.name, f] as const))('arp: %s', (_n, f) => {
    const b = frameBytes(f, LEAD);
    const a = LEAD + f.fields.l2Len;
    const x = f.fields.arp;
    expect(P.ethertypeOf(b, LEAD, b.length - LEAD)).toBe(P.ETH_P_ARP);
    expect(P.arpValid(b, a, b.length - a)).toBe(true);
    expect(P.arpValid(b, a, P.ARP_LEN - 1)).toBe(false);
    expect(P.arpOp(b, a)).toBe(x.op);
    expect(P.arpSha(b, a)).toBe(mac(x.hwsrc));
    expect(P.arpSpa(b, a)).toBe(ip(x.psrc));
    expect(P.arpTha(b, a)).toBe(mac(x.hwdst));
    expect(P.arpTpa(b, a)).toBe(ip(x.pdst));
    expect(P.rdMac(b, P.arpShaOff(a))).toBe(mac(x.hwsrc));
    expect(P.rdMac(b, P.arpThaOff(a))).toBe(mac(x.hwdst));
  });

  it.each(withIp.map((f) => [f.name, f] as const))('ipv4: %s', (_n, f) => {
    const b = frameBytes(f, LEAD);
    const l3 = LEAD + f.fields.l2Len;
    const x = f.fields.ip;
    expect(P.ipVersion(b, l3)).toBe(x.version);
    expect(P.ipIhl(b, l3)).toBe(x.ihl);
    expect(P.ipHdrLen(b, l3)).toBe(x.ihl * 4);
    expect(P.ipTos(b, l3)).toBe(x.tos);
    expect(P.ipTotLen(b, l3)).toBe(x.len);
    expect(P.ipId(b, l3)).toBe(x.id);
    expect(P.ipDf(b, l3)).toBe(x.df === 1);
    expect(P.ipMf(b, l3)).toBe(x.mf === 1);
    expect(P.ipFragOff(b, l3)).toBe(x.frag);
    expect(P.ipIsFragment(b, l3)).toBe(x.mf === 1 || x.frag !== 0);
    expect(P.ipTtl(b, l3)).toBe(x.ttl);
    expect(P.ipProto(b, l3)).toBe(x.proto);
    expect(P.ipChecksum(b, l3)).toBe(x.chksum);
    expect(P.ipSaddr(b, l3)).toBe(ip(x.src));
    expect(P.ipDaddr(b, l3)).toBe(ip(x.dst));
    const opts = Buffer.from(b.subarray(P.ipOptionsOff(l3), P.ipOptionsOff(l3) + P.ipOptionsLen(b, l3))).toString('hex');
    expect(opts).toBe(x.options);
    expect(P.ipHeaderChecksumOk(b, l3, x.ihl * 4)).toBe(x.chksumOk);
    expect(P.ipHeaderChecksum(b, l3, x.ihl * 4)).toBe(x.chksum);
  });

  it.each(withIp.filter((f) => f.fields.tcp).map((f) => [f.name, f] as const))('tcp: %s', (_n, f) => {
    const b = frameBytes(f, LEAD);
    const l3 = LEAD + f.fields.l2Len;
    const t = LEAD + f.fields.l4Off;
    const x = f.fields.tcp;
    expect(P.tcpSport(b, t)).toBe(x.sport);
    expect(P.tcpDport(b, t)).toBe(x.dport);
    expect(P.tcpSeq(b, t)).toBe(x.seq);
    expect(P.tcpAck(b, t)).toBe(x.ack);
    expect(P.tcpHdrLen(b, t)).toBe(x.dataofs * 4);
    expect(P.tcpFlags(b, t)).toBe(x.flags & 0xff);
    expect(P.tcpResBits(b, t)).toBe(x.reserved);
    expect(P.tcpWindow(b, t)).toBe(x.window);
    expect(P.tcpChecksum(b, t)).toBe(x.chksum);
    expect(P.tcpUrgPtr(b, t)).toBe(x.urgptr);
    expect(P.tcpMss(b, t, x.dataofs * 4)).toBe(x.mss);
    const hasTs = x.options.some((o: [string]) => o[0] === 'Timestamp');
    expect(P.tcpOptionFind(b, t, x.dataofs * 4, P.TCPOPT_TIMESTAMP) >= 0).toBe(hasTs);
    const hasWs = x.options.some((o: [string]) => o[0] === 'WScale');
    const ws = P.tcpOptionFind(b, t, x.dataofs * 4, P.TCPOPT_WINDOW);
    expect(ws >= 0).toBe(hasWs);
    if (hasWs) expect(b[ws + 2]).toBe(x.options.find((o: [string]) => o[0] === 'WScale')[1]);
    const len = f.fields.ip.len - f.fields.ip.ihl * 4;
    expect(P.tcpChecksumOk(b, l3, t, len)).toBe(f.fields.l4ChksumOk);
  });

  it.each(withIp.filter((f) => f.fields.udp).map((f) => [f.name, f] as const))('udp: %s', (_n, f) => {
    const b = frameBytes(f, LEAD);
    const l3 = LEAD + f.fields.l2Len;
    const u = LEAD + f.fields.l4Off;
    const x = f.fields.udp;
    expect(P.udpSport(b, u)).toBe(x.sport);
    expect(P.udpDport(b, u)).toBe(x.dport);
    expect(P.udpLen(b, u)).toBe(x.len);
    expect(P.udpChecksum(b, u)).toBe(x.chksum);
    if (f.fields.ip.mf === 0) {
      const ok = P.udpChecksumOk(b, l3, u, f.fields.ip.len - f.fields.ip.ihl * 4);
      expect(ok).toBe(x.chksum === 0 ? true : f.fields.l4ChksumOk);
    }
  });

  it.each(withIp.filter((f) => f.fields.icmp).map((f) => [f.name, f] as const))('icmp: %s', (_n, f) => {
    const b = frameBytes(f, LEAD);
    const c = LEAD + f.fields.l4Off;
    const x = f.fields.icmp;
    const len = f.fields.ip.len - f.fields.ip.ihl * 4;
    expect(P.icmpType(b, c)).toBe(x.type);
    expect(P.icmpCode(b, c)).toBe(x.code);
    expect(P.icmpChecksum(b, c)).toBe(x.chksum);
    expect(P.icmpChecksumOk(b, c, len)).toBe(f.fields.ip.mf === 0);
    expect(P.isIcmpError(x.type)).toBe(!!x.quoted);
    expect(P.isIcmpQuery(x.type)).toBe(x.id !== null);
    if (x.id !== null) {
      expect(P.icmpId(b, c)).toBe(x.id);
      expect(P.icmpSeq(b, c)).toBe(x.seq);
    }
    if (x.nexthopmtu !== undefined) expect(P.icmpNextHopMtu(b, c)).toBe(x.nexthopmtu);
    if (x.quoted) {
      const q = P.icmpQuotedOff(c);
      expect(P.ipSaddr(b, q)).toBe(ip(x.quoted.src));
      expect(P.ipDaddr(b, q)).toBe(ip(x.quoted.dst));
      expect(P.ipProto(b, q)).toBe(x.quoted.proto);
      expect(P.ipTotLen(b, q)).toBe(x.quoted.len);
      expect(P.ipTtl(b, q)).toBe(x.quoted.ttl);
      expect(P.ipId(b, q)).toBe(x.quoted.id);
      expect(len - 8).toBe(x.quotedLen);
    }
  });

  it('reads the redirect gateway and parameter-problem pointer', () => {
    const r = frameBytes(fixture('icmp-redirect'));
    expect(P.icmpGateway(r, 34)).toBe(ip('10.213.1.254'));
    const pp = frameBytes(fixture('icmp-param-problem'));
    expect(P.icmpPointer(pp, 34)).toBe(20);
    expect(P.icmpRest(pp, 34)).toBe(P.icmpPointerRest(20));
  });

  it('walks IP options: finds RR and router alert, stops at END', () => {
    const f = fixture('ipopt-tcp-syn-odd-mss');
    const b = frameBytes(f, LEAD);
    const l3 = LEAD + 14;
    expect(P.ipOptionFind(b, l3, P.IPOPT_RR)).toBe(l3 + 20);
    expect(P.ipOptionFind(b, l3, P.IPOPT_NOOP)).toBe(l3 + 31);
    expect(P.ipOptionFind(b, l3, P.IPOPT_RA)).toBe(l3 + 32);
    expect(P.ipOptionFind(b, l3, P.IPOPT_TS)).toBe(-1);
    const plain = frameBytes(fixture('tcp-syn'));
    expect(P.ipOptionFind(plain, 14, P.IPOPT_RR)).toBe(-1);
    // A malformed length (0) ends the walk instead of looping.
    b[l3 + 21] = 0;
    expect(P.ipOptionFind(b, l3, P.IPOPT_RA)).toBe(-1);
  });

  it('finds TCP options the way xt_tcpudp walks them', () => {
    const f = fixture('ipopt-tcp-syn-odd-mss');
    const b = frameBytes(f);
    const t = f.fields.l4Off;
    expect(P.tcpOptionFind(b, t, 32, P.TCPOPT_NOP)).toBe(t + 20);
    expect(P.tcpOptionFind(b, t, 32, P.TCPOPT_MSS)).toBe(t + 21);
    expect(P.tcpOptionFind(b, t, 32, P.TCPOPT_SACK_PERM)).toBe(t + 29);
    expect(P.tcpOptionFind(b, t, 32, P.TCPOPT_EOL)).toBe(t + 31);
    expect(P.tcpOptionFind(b, t, 20, P.TCPOPT_MSS)).toBe(-1); // no options region
    expect(P.tcpOptionFind(b, t, 24, P.TCPOPT_WINDOW)).toBe(-1); // beyond the given end
    expect(P.tcpMss(b, t, 24)).toBe(-1); // MSS value would straddle the end
    expect(P.tcpMss(b, t, 25)).toBe(1380);
  });
});
