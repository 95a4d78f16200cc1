/**
 * ARP view, Ethernet/IPv4 only (RFC 826): htype 1 (0), ptype 0x0800 (2),
 * hlen 6 (4), plen 4 (5), op (6), sha (8), spa (14), tha (18), tpa (24);
 * 28 bytes. Invariant: after arpValid(buf, off, len) every accessor is safe;
 * addresses are unsigned 32-bit numbers, MACs are offsets or 48-bit numbers.
 */
import { rd16, rd32, rdMac } from './bytes.js';

export const ARP_LEN = 28;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

/** Length and the four fixed fields (Ethernet hardware, IPv4 protocol). */
export function arpValid(buf: Uint8Array, off: number, len: number): boolean {
  return len >= ARP_LEN && rd16(buf, off) === 1 && rd16(buf, off + 2) === 0x0800 &&
    buf[off + 4] === 6 && buf[off + 5] === 4;
}

export const arpOp = (buf: Uint8Array, off: number): number => rd16(buf, off + 6);
/** Offset of the sender hardware address. */
export const arpShaOff = (off: number): number => off + 8;
export const arpSha = (buf: Uint8Array, off: number): number => rdMac(buf, off + 8);
export const arpSpa = (buf: Uint8Array, off: number): number => rd32(buf, off + 14);
/** Offset of the target hardware address. */
export const arpThaOff = (off: number): number => off + 18;
export const arpTha = (buf: Uint8Array, off: number): number => rdMac(buf, off + 18);
export const arpTpa = (buf: Uint8Array, off: number): number => rd32(buf, off + 24);

/** Gratuitous: sender and target protocol addresses are the same. */
export function arpIsGratuitous(buf: Uint8Array, off: number): boolean {
  return rd32(buf, off + 14) === rd32(buf, off + 24);
}
