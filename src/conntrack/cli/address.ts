/**
 * Address and number parsing with the C library's semantics conntrack relies
 * on: inet_aton (1 to 4 parts, each decimal, 0x-hex or 0-octal), atoi/strtoul
 * (a leading number, garbage after it ignored). Invariant: results are
 * unsigned 32-bit host-order numbers, as CtRecord holds addresses.
 */
import { isIPv6 } from 'node:net';

function cNumber(s: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(s)) return s.length === 2 ? 0 : parseInt(s.slice(2), 16);
  if (/^0[0-7]*$/.test(s)) return parseInt(s, 8);
  if (/^[1-9][0-9]*$/.test(s)) return parseInt(s, 10);
  return undefined;
}

/** inet_aton(): the IPv4 address, or undefined. */
export function inetAton(s: string): number | undefined {
  const body = s.replace(/\s.*$/s, ''); // glibc stops at whitespace
  const parts = body.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const nums = parts.map(cNumber);
  if (nums.some((n) => n === undefined)) return undefined;
  const v = nums as number[];
  const last = v[v.length - 1]!;
  const lead = v.slice(0, -1);
  if (lead.some((n) => n > 255) || last >= 2 ** (8 * (4 - lead.length))) return undefined;
  let addr = 0;
  lead.forEach((n, i) => { addr += n * 2 ** (8 * (3 - i)); });
  return addr + last;
}

export type ParsedAddress =
  | { family: 'ipv4'; addr: number; mask: number | undefined | 'invalid' }
  | { family: 'ipv6'; mask: number | undefined | 'invalid' }
  | { family: 'none' };

/** parse_addr(): address with an optional /prefix (undefined: none given). */
export function parseAddress(arg: string, withMask: boolean): ParsedAddress {
  let text = arg.slice(0, 45); // INET6_ADDRSTRLEN - 1
  let mask: number | undefined | 'invalid';
  if (withMask) {
    const slash = text.indexOf('/');
    if (slash >= 0) {
      const m = /^[+-]?[0-9]*/.exec(text.slice(slash + 1))![0];
      const n = m === '' || m === '+' || m === '-' ? 0 : parseInt(m, 10);
      mask = n < 0 || m.length !== text.length - slash - 1 ? 'invalid' : n;
      text = text.slice(0, slash);
    }
  }
  const v4 = inetAton(text);
  if (v4 !== undefined) return { family: 'ipv4', addr: v4, mask: typeof mask === 'number' && mask > 32 ? 'invalid' : mask };
  if (isIPv6(text)) return { family: 'ipv6', mask: typeof mask === 'number' && mask > 128 ? 'invalid' : mask };
  return { family: 'none' };
}

/** atoi(): leading whitespace, sign, digits; 0 when there are none. Wraps like a C int. */
export function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  return Number(BigInt.asIntN(32, BigInt(m[1]!)));
}

/** strtoul(s, NULL, 0) truncated to 32 bits. */
export function strtoul(s: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return 0;
  const body = m[2]!;
  let v = /^0[xX]/.test(body) ? BigInt(body) : body.startsWith('0') ? BigInt('0o' + (body.slice(1) || '0')) : BigInt(body);
  if (m[1] === '-') v = -v;
  return Number(BigInt.asUintN(32, v));
}

export function formatIPv4(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
