/**
 * IPv4 addresses and masks as iptables reads and prints them
 * (libxtables: xtables_ipparse_multiple, xtables_ipmask_to_numeric ...).
 * Addresses are unsigned 32-bit numbers; masks likewise (0 = any).
 */
import { paramProblem } from './errors.js';
import { strtoui } from './parse-num.js';
import { addrToName, hostByName, networkByName } from './names/names.js';

export interface AddrMask { addr: number; mask: number }

export function formatAddr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Prefix length of a contiguous mask, or -1. */
export function maskToPrefix(mask: number): number {
  const m = mask >>> 0;
  if (m === 0) return 0;
  const inv = ~m >>> 0;
  if ((inv & (inv + 1)) !== 0) return -1;
  return 32 - Math.log2(inv + 1);
}

export function prefixToMask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** xtables_ipmask_to_numeric: '' for /32, '/N' when contiguous, else '/a.b.c.d'. */
export function formatMaskSuffix(mask: number): string {
  const p = maskToPrefix(mask);
  if (p === 32) return '';
  if (p >= 0) return `/${p}`;
  return `/${formatAddr(mask)}`;
}

/** Save form: addr/prefix, always with the prefix (/32 included), dotted when non-contiguous. */
export function formatAddrMaskSave(addr: number, mask: number): string {
  const p = maskToPrefix(mask);
  return `${formatAddr(addr)}/${p >= 0 ? p : formatAddr(mask)}`;
}

/** __numeric_to_ipaddr: dotted quad with missing trailing bytes zero ("1.2.3" → 1.2.3.0); masks need all four. */
export function numericToAddr(s: string, isMask = false): number | undefined {
  const parts = s.slice(0, 19).split('.');
  if (parts.length > 4) {
    // strchr finds at most three dots; the fourth part then holds a dot and fails strtoui.
    return undefined;
  }
  if (parts.length < 4 && isMask) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    const v = strtoui(p, 0, 255);
    if (v === undefined) return undefined;
    bytes.push(v);
  }
  while (bytes.length < 4) bytes.push(0);
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

function parseMask(m: string | undefined): number {
  if (m === undefined) return 0xffffffff;
  const dotted = numericToAddr(m, true);
  if (dotted !== undefined) return dotted;
  const bits = strtoui(m, 0, 32);
  if (bits === undefined) throw paramProblem(`invalid mask \`${m}' specified`, 'BAD_MASK');
  return prefixToMask(bits);
}

function parseHostNetwork(name: string): number {
  const n = numericToAddr(name) ?? networkByName(name) ?? hostByName(name);
  if (n === undefined) throw paramProblem(`host/network \`${name}' not found`, 'BAD_HOST');
  return n;
}

/**
 * The common "a.b.c.d" or "a.b.c.d/len" (decimal parts without leading zeros,
 * which strtoul would read as octal) read without splitting strings; -1 when
 * `spec` is anything else (then the general parser decides). Returns the
 * address, the mask in `FAST_MASK[0]`.
 */
const FAST_MASK = new Float64Array(1);
function dottedFast(spec: string): number {
  let addr = 0, part = -1, parts = 0, i = 0;
  const n = spec.length;
  for (; i < n; i++) {
    const c = spec.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (part === 0) return -1; // leading zero
      part = part < 0 ? c - 48 : part * 10 + (c - 48);
      if (part > 255) return -1;
    } else if (c === 46 /* . */ || c === 47 /* / */) {
      if (part < 0) return -1;
      addr = addr * 256 + part; parts++; part = -1;
      if (c === 47) break;
      if (parts === 4) return -1;
    } else return -1;
  }
  if (i === n) {
    if (part < 0) return -1;
    addr = addr * 256 + part; parts++;
  }
  if (parts !== 4) return -1;
  let len = 32;
  if (i < n) {
    len = -1;
    for (i++; i < n; i++) {
      const c = spec.charCodeAt(i);
      if (c < 48 || c > 57 || len === 0) return -1;
      len = len < 0 ? c - 48 : len * 10 + (c - 48);
      if (len > 32) return -1;
    }
    if (len < 0) return -1;
  }
  const mask = prefixToMask(len);
  FAST_MASK[0] = mask;
  return mask === 0 ? 0 : (addr & mask) >>> 0;
}

/** xtables_ipparse_multiple: "a[/m][,b[/m]...]" → one entry per address, host bits masked. */
export function parseAddrList(spec: string): AddrMask[] {
  const fast = dottedFast(spec);
  if (fast >= 0) return [{ addr: fast, mask: FAST_MASK[0]! }];
  const out: AddrMask[] = [];
  for (let item of spec.split(',')) {
    item = item.replace(/^\s+/, '');
    if (item.length > 255) throw paramProblem('Hostname too long', 'BAD_HOST');
    const slash = item.lastIndexOf('/');
    const mask = parseMask(slash >= 0 ? item.slice(slash + 1) : undefined);
    const host = mask === 0 ? '0.0.0.0' : slash >= 0 ? item.slice(0, slash) : item;
    const addr = parseHostNetwork(host);
    out.push({ addr: (addr & mask) >>> 0, mask });
  }
  return out;
}

/** -L address column: 'anywhere' (non-numeric, mask 0), else name-or-number + mask suffix. */
export function formatAddrList(addr: number, mask: number, numeric: boolean): string {
  if (mask === 0 && !numeric) return 'anywhere';
  const a = numeric ? formatAddr(addr) : (addrToName(addr) ?? formatAddr(addr));
  return a + formatMaskSuffix(mask);
}
