/**
 * Number parsing exactly as libxtables does it (xtables_strtoui: strtoul with
 * base 0 — 0x hex, leading 0 octal — leading blanks and '+' allowed, '-' refused,
 * the whole string must be consumed).
 */

/** strtoul(s, &end, base) prefix parse: returns [value, charsConsumed] (0 consumed = no number). */
export function strtoulPrefix(s: string, base = 0): [bigint, number] {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') { neg = s[i] === '-'; i++; }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    i += 2; b = 16;
  } else if (b === 0) {
    b = s[i] === '0' ? 8 : 10;
  }
  const start = i;
  let v = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 36);
    if (Number.isNaN(d) || d >= b) break;
    v = v * BigInt(b) + BigInt(d);
  }
  if (i === start) {
    // "0x" with no hex digits: strtoul consumes the "0".
    return [0n, 0];
  }
  if (neg) v = -v;
  return [v, i];
}

/**
 * A plain decimal (no sign, no blanks, no leading zero, at most 15 digits): its
 * value, else -1. The common case of strtoui (ports, address bytes, prefix
 * lengths, rule numbers) without BigInts: a restore parses 50,000 lines of them.
 */
function plainDecimal(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9 || (d === 0 && i === 0 && n > 1)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** xtables_strtoui(s, NULL, &v, min, max): the value, or undefined when s is not entirely a number in range. */
export function strtoui(s: string, min: number, max: number): number | undefined {
  const d = plainDecimal(s);
  if (d >= 0) return d >= min && d <= max ? d : undefined;
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (t.startsWith('-')) return undefined;
  const [v, used] = strtoulPrefix(s, 0);
  if (used === 0 || used !== s.length) return undefined;
  if (v < BigInt(min) || v > BigInt(max)) return undefined;
  return Number(v);
}

/** sscanf("%llu"): leading digits (after blanks, optional sign), the rest ignored. */
export function scanU64(s: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(s);
  if (!m) return undefined;
  let v = BigInt(m[2]!);
  if (m[1] === '-') v = (1n << 64n) - v;
  return v & ((1n << 64n) - 1n);
}
