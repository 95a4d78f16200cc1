/**
 * Strict IPv4 text parsing for configuration values: dotted quads with four
 * decimal octets (no leading zeros, no shorthand), and CIDR with a prefix
 * length 0..32. Results are unsigned 32-bit numbers, as everywhere in rawgate.
 */

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parse "a.b.c.d"; null when it is not exactly that. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export interface ParsedCidr {
  addr: number;
  prefix: number;
}

/** Parse "a.b.c.d/len"; null when it is not exactly that. */
export function parseCidr(text: string): ParsedCidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = parseIpv4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === null || !/^(0|[1-9][0-9]?)$/.test(lenText)) return null;
  const prefix = Number(lenText);
  if (prefix > 32) return null;
  return { addr, prefix };
}

/** True when `addr` lies inside addr/prefix of `net`. */
export function inSubnet(addr: number, net: ParsedCidr): boolean {
  const m = prefixMask(net.prefix);
  return ((addr & m) >>> 0) === ((net.addr & m) >>> 0);
}
