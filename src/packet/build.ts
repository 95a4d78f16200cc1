/**
 * Builders for the packets the router itself sends: ARP requests/replies,
 * ICMP echo replies (in place), ICMP errors, and REJECT's TCP RST. They write
 * into a caller-given buffer at a caller-given offset and return the length.
 *
 * Invariants: no allocation (quoting into another buffer makes one subarray
 * view; within one slab it is copyWithin); every checksum written is correct;
 * the caller provides room (ARP 42 bytes with Ethernet, RST 40, ICMP error
 * 28 + quote) and has parsed the original (its header lengths are trusted).
 * Output and original may share a buffer but must not overlap.
 * Kernel fidelity (netfilter-behaviour.md §3.11, §3.13, observed A4/A5):
 * ICMP errors: TOS = (orig TOS & 0x1e) | 0xc0 (RT_TOS | IPTOS_PREC_INTERNETCONTROL),
 * TTL 64, DF clear, no IP options, quote capped like icmp_send's 576-byte room.
 * RST: as nf_reject_ipv4 builds it (spoofed from the original destination,
 * id 0, DF, TTL 64, TOS 0, window 0).
 */
import { copyMac, rd16, rd32, wr16, wr32 } from './bytes.js';
import {
  csumFold, csumPartial, csumReplace16, ipHeaderChecksum, pseudoHeaderSum, setIcmpChecksum, setIpChecksum, setTcpChecksum,
} from './checksum.js';
import { ETH_P_ARP, writeBroadcastMac } from './ethernet.js';
import { ARPOP_REPLY, ARPOP_REQUEST, ARP_LEN } from './arp.js';

/** Ethernet + ARP length. */
export const ARP_FRAME_LEN = 14 + ARP_LEN;
/** The kernel's cap on an ICMP error (icmp_send's room): 576 bytes in all, so 548 quoted. */
export const ICMP_ERROR_MAXLEN = 576;
export const TCP_RST_LEN = 40;

// ---------------------------------------------------------------- ARP

function arpBody(buf: Uint8Array, a: number, op: number): void {
  buf[a] = 0; buf[a + 1] = 1; // Ethernet
  buf[a + 2] = 0x08; buf[a + 3] = 0x00; // IPv4
  buf[a + 4] = 6; buf[a + 5] = 4;
  wr16(buf, a + 6, op);
}

/**
 * Broadcast ARP request "who-has tpa tell spa" from srcMac; tha is zero.
 * Returns ARP_FRAME_LEN (42; the NIC pads to 60 where the medium needs it).
 */
export function buildArpRequest(buf: Uint8Array, off: number, srcMac: Uint8Array, spa: number, tpa: number, srcMacOff = 0): number {
  writeBroadcastMac(buf, off);
  copyMac(buf, off + 6, srcMac, srcMacOff);
  wr16(buf, off + 12, ETH_P_ARP);
  const a = off + 14;
  arpBody(buf, a, ARPOP_REQUEST);
  copyMac(buf, a + 8, srcMac, srcMacOff);
  wr32(buf, a + 14, spa);
  buf.fill(0, a + 18, a + 24);
  wr32(buf, a + 24, tpa);
  return ARP_FRAME_LEN;
}

/** Gratuitous ARP (announce addr): a request with spa = tpa = addr, as Linux sends it. */
export function buildGratuitousArp(buf: Uint8Array, off: number, srcMac: Uint8Array, addr: number, srcMacOff = 0): number {
  return buildArpRequest(buf, off, srcMac, addr, addr, srcMacOff);
}

/** Unicast ARP reply "spa is-at srcMac" to (dstMac, tpa). Returns ARP_FRAME_LEN. */
export function buildArpReply(
  buf: Uint8Array, off: number,
  srcMac: Uint8Array, srcMacOff: number, spa: number,
  dstMac: Uint8Array, dstMacOff: number, tpa: number,
): number {
  copyMac(buf, off, dstMac, dstMacOff);
  copyMac(buf, off + 6, srcMac, srcMacOff);
  wr16(buf, off + 12, ETH_P_ARP);
  const a = off + 14;
  arpBody(buf, a, ARPOP_REPLY);
  copyMac(buf, a + 8, srcMac, srcMacOff);
  wr32(buf, a + 14, spa);
  copyMac(buf, a + 18, dstMac, dstMacOff);
  wr32(buf, a + 24, tpa);
  return ARP_FRAME_LEN;
}

/**
 * Turn a received request (frame at frameOff, ARP at arpOff, any VLAN tag
 * kept) into the reply from ourMac/ourIp, as the kernel's arp_process: sent to
 * the requester's sha, tha = sha, tpa = spa. Returns the frame length.
 */
export function arpReplyInPlace(buf: Uint8Array, frameOff: number, arpOff: number, ourMac: Uint8Array, ourIp: number, ourMacOff = 0): number {
  const spa = rd32(buf, arpOff + 14);
  copyMac(buf, arpOff + 18, buf, arpOff + 8); // tha = sha
  copyMac(buf, frameOff, buf, arpOff + 8); // to the requester
  copyMac(buf, frameOff + 6, ourMac, ourMacOff);
  wr16(buf, arpOff + 6, ARPOP_REPLY);
  copyMac(buf, arpOff + 8, ourMac, ourMacOff);
  wr32(buf, arpOff + 14, ourIp);
  wr32(buf, arpOff + 24, spa);
  return arpOff - frameOff + ARP_LEN;
}

// ---------------------------------------------------------------- ICMP

/**
 * Turn the echo request at l3Off into its reply in place: addresses swapped,
 * type 0, the given TTL and IP id, DF and MF clear (the kernel's ICMP socket
 * uses IP_PMTUDISC_DONT), TOS and payload kept; checksums fixed (ICMP
 * incrementally). IP options are kept as they are.
 */
export function echoReplyInPlace(buf: Uint8Array, l3Off: number, ttl: number, ipId: number): void {
  const s = rd32(buf, l3Off + 12);
  const d = rd32(buf, l3Off + 16);
  wr32(buf, l3Off + 12, d);
  wr32(buf, l3Off + 16, s);
  buf[l3Off + 8] = ttl;
  wr16(buf, l3Off + 4, ipId);
  buf[l3Off + 6] = 0;
  buf[l3Off + 7] = 0;
  setIpChecksum(buf, l3Off);
  const l4 = l3Off + ((buf[l3Off] & 0x0f) << 2);
  const old = rd16(buf, l4);
  buf[l4] = 0;
  csumReplace16(buf, l4 + 2, old, buf[l4 + 1]);
}

/** Rest-of-header word of a parameter problem (pointer in the first byte). */
export const icmpPointerRest = (ptr: number): number => (ptr & 0xff) * 0x1000000;

/**
 * An ICMP error about the packet at orig[origL3Off] (origTotLen bytes, as
 * parsed), written at out[off]: IP header (20 bytes, from saddr to the
 * original source, given id), ICMP type/code, `rest` as the 32-bit
 * rest-of-header (frag-needed: the next-hop MTU; parameter problem:
 * icmpPointerRest(p); redirect: the gateway; else 0), then as much of the
 * original as fits in maxLen bytes in all (ICMP_ERROR_MAXLEN = 576 as the
 * kernel's icmp_send/REJECT; RFC 792's minimum is 28 + its header + 8).
 * Returns the length written: 28 + min(origTotLen, maxLen - 28).
 */
export function buildIcmpError(
  out: Uint8Array, off: number, orig: Uint8Array, origL3Off: number, origTotLen: number,
  type: number, code: number, saddr: number, rest: number, ipId: number, maxLen: number,
): number {
  const room = maxLen - 28;
  const q = origTotLen < room ? origTotLen : room;
  const total = 28 + q;
  const o = off;
  out[o] = 0x45;
  out[o + 1] = (orig[origL3Off + 1] & 0x1e) | 0xc0;
  wr16(out, o + 2, total);
  wr16(out, o + 4, ipId);
  out[o + 6] = 0;
  out[o + 7] = 0;
  out[o + 8] = 64;
  out[o + 9] = 1;
  wr32(out, o + 12, saddr);
  wr32(out, o + 16, rd32(orig, origL3Off + 12));
  wr16(out, o + 10, ipHeaderChecksum(out, o, 20));
  const l4 = o + 20;
  out[l4] = type;
  out[l4 + 1] = code;
  wr32(out, l4 + 4, rest);
  if (out === orig) out.copyWithin(l4 + 8, origL3Off, origL3Off + q);
  else out.set(orig.subarray(origL3Off, origL3Off + q), l4 + 8);
  setIcmpChecksum(out, l4, 8 + q);
  return total;
}

// ---------------------------------------------------------------- TCP RST (REJECT --reject-with tcp-reset)

/**
 * The RST nf_send_reset would send in reply to the TCP segment at
 * orig[origL3Off] (origTotLen bytes, as parsed: the kernel's skb->len),
 * written at out[off]; returns TCP_RST_LEN, or 0 when the
 * kernel sends nothing: a non-first fragment, not TCP, a truncated TCP
 * header, or a RST. (The kernel also declines a segment with a bad checksum
 * when it has to verify it — see rejectChecksumOk; that is the caller's call,
 * because offloaded checksums on veth are not yet filled in.)
 */
export function buildTcpReset(out: Uint8Array, off: number, orig: Uint8Array, origL3Off: number, origTotLen: number, ttl = 64): number {
  const ol3 = origL3Off;
  if ((rd16(orig, ol3 + 6) & 0x1fff) !== 0 || orig[ol3 + 9] !== 6) return 0;
  const ihl = (orig[ol3] & 0x0f) << 2;
  const tot = origTotLen;
  if (tot - ihl < 20) return 0;
  const ot = ol3 + ihl;
  const flags = orig[ot + 13];
  if ((flags & 0x04) !== 0) return 0;

  const o = off;
  out[o] = 0x45;
  out[o + 1] = 0;
  wr16(out, o + 2, TCP_RST_LEN);
  out[o + 4] = 0;
  out[o + 5] = 0;
  out[o + 6] = 0x40; // DF
  out[o + 7] = 0;
  out[o + 8] = ttl;
  out[o + 9] = 6;
  wr32(out, o + 12, rd32(orig, ol3 + 16));
  wr32(out, o + 16, rd32(orig, ol3 + 12));
  wr16(out, o + 10, ipHeaderChecksum(out, o, 20));
  const t = o + 20;
  wr16(out, t, rd16(orig, ot + 2));
  wr16(out, t + 2, rd16(orig, ot));
  if ((flags & 0x10) !== 0) {
    wr32(out, t + 4, rd32(orig, ot + 8));
    wr32(out, t + 8, 0);
    out[t + 13] = 0x04;
  } else {
    // u32 arithmetic as the kernel's (a doff beyond the segment wraps the same way).
    const payload = tot - ihl - ((orig[ot + 12] >>> 4) << 2);
    wr32(out, t + 4, 0);
    wr32(out, t + 8, (rd32(orig, ot + 4) + (flags & 0x02 ? 1 : 0) + (flags & 0x01) + payload) >>> 0);
    out[t + 13] = 0x14; // RST|ACK
  }
  out[t + 12] = 0x50;
  wr32(out, t + 14, 0); // window 0, checksum 0 until computed
  out[t + 18] = 0;
  out[t + 19] = 0;
  setTcpChecksum(out, o, t, 20);
  return TCP_RST_LEN;
}

/**
 * Whether REJECT goes ahead as far as the L4 checksum is concerned, as
 * nf_reject_verify_csum + nf_ip_checksum with CHECKSUM_NONE: TCP/UDP are
 * verified with the pseudo-header (UDP 0 = none), GRE/AH/ESP/SCTP/UDP-Lite/DCCP
 * are not verified, any other protocol (ICMP included) must have a valid
 * plain checksum over its payload.
 */
export function rejectChecksumOk(buf: Uint8Array, l3Off: number): boolean {
  const ihl = (buf[l3Off] & 0x0f) << 2;
  const len = rd16(buf, l3Off + 2) - ihl;
  const l4 = l3Off + ihl;
  const proto = buf[l3Off + 9];
  switch (proto) {
    case 47: case 51: case 50: case 132: case 136: case 33:
      return true;
    case 6: case 17:
      if (proto === 17 && len >= 8 && buf[l4 + 6] === 0 && buf[l4 + 7] === 0) return true;
      return csumFold(csumPartial(buf, l4, len, pseudoHeaderSum(rd32(buf, l3Off + 12), rd32(buf, l3Off + 16), proto, len))) === 0xffff;
    default:
      return csumFold(csumPartial(buf, l4, len, 0)) === 0xffff;
  }
}
