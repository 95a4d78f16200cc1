/**
 * The pipeline on known bytes, no root needed: fake ports record what they
 * send, the net layer is the real one. Every malformed-frame reason is
 * counted and dropped (never thrown), forwarding rewrites in place, the
 * router answers ARP, echo, TTL expiry, frag-needed, no route; a neighbour
 * miss parks the packet and solicits. Slot accounting: every slot handed in
 * ends sent, parked or released.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEADROOM } from '../../src/dataplane/pipeline.js';
import { DropReason, internetChecksum, setIpChecksum, setUdpChecksum, ipHeaderChecksumOk } from '../../src/packet/index.js';
import { MAC_HOST, MAC_LAN, MAC_PEER, MAC_WAN, SLOT, SLOTS, arpRequest, drops, eth, ip, ipPacket, setup } from './harness.js';

describe('pipeline', () => {
  it('counts and drops every kind of malformed frame, never throwing, releasing each slot', () => {
    const t = setup();
    const good = ipPacket('10.1.1.2', '10.1.2.2');
    const cases: [Uint8Array, number][] = [
      [new Uint8Array(10), DropReason.FRAME_TRUNCATED],
      [eth(MAC_LAN, MAC_HOST, 0x86dd, new Uint8Array(40)), DropReason.NOT_IPV4],
      [eth(MAC_LAN, MAC_HOST, 0x0800, good.subarray(0, 12)), DropReason.IP_TRUNCATED],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 0 ? 0x65 : v))), DropReason.IP_BAD_VERSION],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 0 ? 0x44 : v))), DropReason.IP_BAD_IHL],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 2 ? 0x09 : v))), DropReason.IP_BAD_TOTAL_LENGTH],
      [eth(MAC_LAN, MAC_HOST, 0x0800, Uint8Array.from(good, (v, i) => (i === 10 ? v ^ 0xff : v))), DropReason.IP_BAD_CHECKSUM],
      [eth(MAC_LAN, MAC_HOST, 0x0806, new Uint8Array(10)), DropReason.ARP_MALFORMED],
    ];
    for (const [frame, reason] of cases) {
      expect(() => t.rx(0, frame)).not.toThrow();
      expect(drops(t.p, 0, reason), `reason ${reason}`).toBe(1);
    }
    expect(t.slab.free.length).toBe(SLOTS);
    expect(t.ports.every((p) => p.sent.length === 0)).toBe(true);
  });

  it('answers ARP for its own address on that port only', () => {
    const t = setup();
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1'));
    expect(t.ports[0].sent).toHaveLength(1);
    const r = t.ports[0].sent[0];
    expect([...r.subarray(0, 6)]).toEqual(MAC_HOST);
    expect([...r.subarray(6, 12)]).toEqual(MAC_LAN);
    expect(r[21]).toBe(2); // op reply
    expect([...r.subarray(22, 28)]).toEqual(MAC_LAN);
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.2.1'));
    expect(t.ports[0].sent).toHaveLength(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('forwards with TTL - 1 and a valid header checksum, after resolving the next hop', () => {
    const t = setup();
    const pkt = ipPacket('10.1.1.2', '10.1.2.2', { ttl: 64 });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt));
    // Miss: parked, and an ARP request for 10.1.2.2 went out of wan0.
    expect(t.solicits).toEqual([ip('10.1.2.2')]);
    expect(t.ports[1].sent).toHaveLength(1);
    expect(t.ports[1].sent[0][21]).toBe(1);
    t.learnPeer();
    t.p.endBatch();
    const out = t.ports[1].sent[1];
    expect([...out.subarray(0, 6)]).toEqual(MAC_PEER);
    expect([...out.subarray(6, 12)]).toEqual(MAC_WAN);
    expect(out[14 + 8]).toBe(63);
    expect(ipHeaderChecksumOk(out, 14, 20)).toBe(true);
    expect([...out.subarray(14 + 20)]).toEqual([...pkt.subarray(20)]);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('answers TTL 1 with time exceeded, no route with net unreachable, and echo to itself', () => {
    const t = setup();
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2', { ttl: 1 })));
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '192.0.2.1')));
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.1.1', { proto: 1 })));
    // Replies to 10.1.1.2 wait for its MAC: rawgate asked for it; an ARP request from the host teaches it.
    expect(t.ports[0].sent.filter((f) => f[12] === 8 && f[13] === 6)).toHaveLength(1);
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1'));
    const icmp = t.ports[0].sent.filter((f) => f[12] === 8 && f[13] === 0 && f[14 + 9] === 1);
    const kinds = icmp.map((f) => `${f[34]}/${f[35]}`).sort();
    expect(kinds).toEqual(['0/0', '11/0', '3/0']);
    for (const f of icmp) expect(new DataView(f.buffer, f.byteOffset).getUint32(14 + 12)).toBe(ip('10.1.1.1'));
    expect(drops(t.p, 0, DropReason.TTL_EXPIRED)).toBe(1);
    expect(drops(t.p, 0, DropReason.NO_ROUTE)).toBe(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('sends frag-needed with the next-hop MTU for DF, and fragments without DF (TUN, MTU 1400)', () => {
    const t = setup();
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.4.2', { payload: 1472 - 8 + 8, df: true })));
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1'));
    const fn = t.ports[0].sent.find((f) => f[12] === 8 && f[14 + 9] === 1 && f[34] === 3);
    expect(fn && [fn[35], (fn[40] << 8) | fn[41]]).toEqual([4, 1400]);
    expect(drops(t.p, 0, DropReason.FRAG_NEEDED)).toBe(1);

    const big = ipPacket('10.1.1.2', '10.1.4.2', { payload: 1472 });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, big));
    const frags = t.ports[2].sent;
    expect(frags.length).toBe(2);
    expect(frags.every((f) => f.length <= 1400 && ipHeaderChecksumOk(f, 0, 20))).toBe(true);
    const payload = new Uint8Array(1480);
    let total = 0;
    for (const f of frags) {
      const off = (((f[6] & 0x1f) << 8) | f[7]) * 8;
      payload.set(f.subarray(20), off);
      total += f.length - 20;
    }
    expect(total).toBe(1480);
    expect([...payload]).toEqual([...big.subarray(20)]);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('hands packets for its own addresses to the host port and filters them in INPUT', () => {
    const t = setup('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 53 -j DROP\nCOMMIT\n');
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.1.1', { proto: 17 })));
    expect(t.ports[3].sent).toHaveLength(0);
    expect(drops(t.p, 0, DropReason.FILTER_DROP)).toBe(1);
    const tcpish = ipPacket('10.1.1.2', '10.1.1.1', { proto: 17 });
    tcpish[23] = 54; // dport 54
    setUdpChecksum(tcpish, 0, 20, tcpish.length - 20);
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, tcpish));
    expect(t.ports[3].sent).toHaveLength(1);
    expect(t.ports[3].sent[0].length).toBe(tcpish.length);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('leaves room for an Ethernet header when a TUN packet goes out of an Ethernet port', () => {
    const t = setup();
    t.learnPeer();
    t.rx(2, ipPacket('10.1.4.2', '10.1.2.2'), 16);
    expect(t.ports[1].sent).toHaveLength(1);
    expect(t.ports[1].sent[0][14 + 8]).toBe(63);
    expect(HEADROOM).toBeGreaterThanOrEqual(14);
  });

  it('never throws and never loses a slot on random frames (mutations of a good one, and noise)', () => {
    const t = setup();
    t.learnPeer();
    const good = eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2', { payload: 40 }));
    const mutated = fc.tuple(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(good.length))
      .map(([edits, cut]) => {
        const f = good.slice(0, Math.max(1, cut));
        for (const [i, v] of edits) if (i < f.length) f[i] = v;
        return f;
      });
    const noise = fc.uint8Array({ minLength: 1, maxLength: 200 });
    fc.assert(fc.property(fc.oneof(mutated, noise), fc.boolean(), (frame, l3) => {
      if (l3) t.rx(2, frame.subarray(Math.min(14, frame.length - 1)), 16);
      else t.rx(0, frame);
      for (const p of t.ports) p.flush();
      return t.slab.free.length === SLOTS;
    }), { numRuns: 2000 });
  });

  it('MIRROR sends the packet back out of its interface with the addresses swapped (2.4 semantics)', () => {
    const t = setup('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p udp --dport 53 -j MIRROR\nCOMMIT\n');
    t.rx(0, arpRequest(MAC_HOST, '10.1.1.2', '10.1.1.1')); // rawgate learns the LAN host
    const sentBefore = t.ports[0].sent.length;
    const pkt = ipPacket('10.1.1.2', '10.1.2.2', { ttl: 64 });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, pkt));
    const back = t.ports[0].sent.slice(sentBefore);
    expect(back).toHaveLength(1);
    const f = back[0];
    expect([...f.subarray(0, 6)]).toEqual(MAC_HOST);
    const dv = new DataView(f.buffer, f.byteOffset);
    expect([dv.getUint32(14 + 12), dv.getUint32(14 + 16)]).toEqual([ip('10.1.2.2'), ip('10.1.1.2')]);
    expect(f[14 + 8]).toBe(63); // decremented once, by forwarding
    expect(ipHeaderChecksumOk(f, 14, 20)).toBe(true);
    expect(t.ports[1].sent.filter((x) => x[12] === 8 && x[13] === 0)).toHaveLength(0);
    expect(drops(t.p, 0, DropReason.REJECTED)).toBe(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('runs the security table after filter on FORWARD', () => {
    const t = setup('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p udp -j ACCEPT\nCOMMIT\n' +
      '*security\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p udp --dport 53 -j DROP\nCOMMIT\n');
    t.learnPeer();
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2')));
    expect(t.ports[1].sent).toHaveLength(0);
    expect(drops(t.p, 0, DropReason.FILTER_DROP)).toBe(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });
});
