/**
 * NAT-style rewrites of addresses and ports in place, with every checksum
 * that covers them kept right: the IPv4 header checksum, the TCP/UDP
 * checksum through the pseudo-header (UDP's zero = none rule kept), and the
 * ICMP checksum for a query id. Invariant: l4Off = -1 (non-first fragment or
 * no L4 header) rewrites the IP header only; nothing here can fail.
 */
import { rd32 } from './bytes.js';
import { csumReplace32, udpCsumReplace32 } from './checksum.js';
import { setIcmpId } from './icmp.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, setIpDaddr, setIpSaddr } from './ipv4.js';
import { setTcpDport, setTcpSport } from './tcp.js';
import { setUdpDport, setUdpSport } from './udp.js';

/** Fix a TCP/UDP checksum after a pseudo-header address changed from oldAddr to newAddr. */
export function l4PseudoAddrChanged(b: Uint8Array, proto: number, l4Off: number, oldAddr: number, newAddr: number): void {
  if (l4Off < 0) return;
  if (proto === IPPROTO_TCP) csumReplace32(b, l4Off + 16, oldAddr, newAddr >>> 0);
  else if (proto === IPPROTO_UDP) udpCsumReplace32(b, l4Off + 6, oldAddr, newAddr >>> 0);
}

/** New source address; IP and TCP/UDP checksums updated. */
export function rewriteSaddr(b: Uint8Array, l3: number, l4Off: number, addr: number): void {
  const old = rd32(b, l3 + 12);
  setIpSaddr(b, l3, addr);
  l4PseudoAddrChanged(b, b[l3 + 9], l4Off, old, addr);
}

/** New destination address; IP and TCP/UDP checksums updated. */
export function rewriteDaddr(b: Uint8Array, l3: number, l4Off: number, addr: number): void {
  const old = rd32(b, l3 + 16);
  setIpDaddr(b, l3, addr);
  l4PseudoAddrChanged(b, b[l3 + 9], l4Off, old, addr);
}

/** New source port (TCP, UDP) or query id (ICMP echo & co.); other protocols untouched. */
export function rewriteSport(b: Uint8Array, proto: number, l4Off: number, port: number): void {
  if (l4Off < 0) return;
  if (proto === IPPROTO_TCP) setTcpSport(b, l4Off, port);
  else if (proto === IPPROTO_UDP) setUdpSport(b, l4Off, port);
  else if (proto === IPPROTO_ICMP) setIcmpId(b, l4Off, port);
}

/** New destination port (TCP, UDP); other protocols untouched. */
export function rewriteDport(b: Uint8Array, proto: number, l4Off: number, port: number): void {
  if (l4Off < 0) return;
  if (proto === IPPROTO_TCP) setTcpDport(b, l4Off, port);
  else if (proto === IPPROTO_UDP) setUdpDport(b, l4Off, port);
}
