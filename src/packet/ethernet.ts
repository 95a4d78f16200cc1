/**
 * Ethernet II header view, with at most one 802.1Q tag. Layout: dst MAC (0),
 * src MAC (6), ethertype (12); tagged: 0x8100 (12), TCI (14), inner type (16).
 * Invariants: callers check `len >= ETH_HLEN` (or use ethernetL2, which does);
 * accessors then cannot fail. MACs are read as offsets (dst at off, src at
 * off+6) or as 48-bit numbers (rdMac); nothing is allocated.
 */
import { copyMac, macEqual, rd16, wr16 } from './bytes.js';

export const ETH_HLEN = 14;
export const ETH_VLAN_HLEN = 18;
export const ETH_ALEN = 6;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_IPV6 = 0x86dd;

/** How a frame was addressed, as Linux's PACKET_* (== rules' PktType). */
export const PacketType = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3 } as const;

/** Offset of the destination MAC. */
export const ethDstOff = (off: number): number => off;
/** Offset of the source MAC. */
export const ethSrcOff = (off: number): number => off + 6;

/** The outer ethertype (0x8100 when tagged). */
export function ethType(buf: Uint8Array, off: number): number {
  return rd16(buf, off + 12);
}

/** True when the frame carries an 802.1Q tag (needs ETH_VLAN_HLEN bytes to read it). */
export function ethIsTagged(buf: Uint8Array, off: number): boolean {
  return rd16(buf, off + 12) === ETH_P_8021Q;
}

/** The 802.1Q TCI (PCP:3 DEI:1 VID:12) of a tagged frame. */
export function ethVlanTci(buf: Uint8Array, off: number): number {
  return rd16(buf, off + 14);
}

/** The VLAN id of a tagged frame. */
export function ethVlanId(buf: Uint8Array, off: number): number {
  return rd16(buf, off + 14) & 0x0fff;
}

/** The inner ethertype of a tagged frame. */
export function ethInnerType(buf: Uint8Array, off: number): number {
  return rd16(buf, off + 16);
}

/**
 * Header length and payload ethertype in one call: (l2Len << 16) | ethertype,
 * or -1 when the frame is shorter than its header (14, or 18 with a tag).
 */
export function ethernetL2(buf: Uint8Array, off: number, len: number): number {
  if (len < ETH_HLEN) return -1;
  const t = rd16(buf, off + 12);
  if (t !== ETH_P_8021Q) return (ETH_HLEN << 16) | t;
  if (len < ETH_VLAN_HLEN) return -1;
  return (ETH_VLAN_HLEN << 16) | rd16(buf, off + 16);
}

/** The payload's ethertype (after one VLAN tag), or -1 when truncated. */
export function ethertypeOf(buf: Uint8Array, off: number, len: number): number {
  const v = ethernetL2(buf, off, len);
  return v < 0 ? -1 : v & 0xffff;
}

/** The header length (14 or 18), or -1 when truncated. */
export function ethHeaderLen(buf: Uint8Array, off: number, len: number): number {
  const v = ethernetL2(buf, off, len);
  return v < 0 ? -1 : v >>> 16;
}

export function isBroadcastMac(buf: Uint8Array, o: number): boolean {
  return (buf[o] & buf[o + 1] & buf[o + 2] & buf[o + 3] & buf[o + 4] & buf[o + 5]) === 0xff;
}

/** Group bit set (multicast or broadcast). */
export function isMulticastMac(buf: Uint8Array, o: number): boolean {
  return (buf[o] & 1) !== 0;
}

/**
 * PacketType of the frame at off for a port whose own MAC is mac[macOff..]:
 * broadcast, multicast, host (our MAC) or otherhost.
 */
export function pktTypeOf(buf: Uint8Array, off: number, mac: Uint8Array, macOff = 0): number {
  if ((buf[off] & 1) !== 0) return isBroadcastMac(buf, off) ? PacketType.BROADCAST : PacketType.MULTICAST;
  return macEqual(buf, off, mac, macOff) ? PacketType.HOST : PacketType.OTHERHOST;
}

/** PacketType from the destination MAC alone (unicast assumed to be for us). */
export function pktTypeNoMac(buf: Uint8Array, off: number): number {
  if ((buf[off] & 1) === 0) return PacketType.HOST;
  return isBroadcastMac(buf, off) ? PacketType.BROADCAST : PacketType.MULTICAST;
}

/** Write a 14-byte untagged header; returns ETH_HLEN. */
export function writeEthernet(
  buf: Uint8Array, off: number,
  dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, type: number,
): number {
  copyMac(buf, off, dst, dstOff);
  copyMac(buf, off + 6, src, srcOff);
  wr16(buf, off + 12, type);
  return ETH_HLEN;
}

/** Source MAC and ethertype only (the destination was written by neighbour resolution). */
export function writeEthernetSrcType(buf: Uint8Array, off: number, src: Uint8Array, type: number, srcOff = 0): void {
  copyMac(buf, off + 6, src, srcOff);
  wr16(buf, off + 12, type);
}

/** Broadcast destination ff:ff:ff:ff:ff:ff at off. */
export function writeBroadcastMac(buf: Uint8Array, off: number): void {
  buf.fill(0xff, off, off + 6);
}

/** Write an 18-byte 802.1Q-tagged header; returns ETH_VLAN_HLEN. */
export function writeEthernetVlan(
  buf: Uint8Array, off: number,
  dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, tci: number, type: number,
): number {
  copyMac(buf, off, dst, dstOff);
  copyMac(buf, off + 6, src, srcOff);
  wr16(buf, off + 12, ETH_P_8021Q);
  wr16(buf, off + 14, tci);
  wr16(buf, off + 16, type);
  return ETH_VLAN_HLEN;
}
