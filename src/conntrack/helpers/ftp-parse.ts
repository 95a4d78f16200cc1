/**
 * The FTP helper's command parsing (nf_conntrack_ftp.c find_pattern and its
 * getnum functions), over the TCP payload bytes of one segment:
 * - client → server (ORIGINAL): "PORT h1,h2,h3,h4,p1,p2\r" and
 *   "EPRT |1|a.b.c.d|port|" (any printable non-digit delimiter);
 * - server → client (REPLY): "227 " then the first digit, then
 *   "h1,h2,h3,h4,p1,p2" followed by any non-digit, non-comma byte (with or
 *   without parentheses, RFC 1123), and "229 " then '(' then "|||port|".
 * Invariants:
 * - The pattern is compared case-insensitively at the start of the payload
 *   only (the caller checks the segment starts a line).
 * - Results are the kernel's: 1 match (out filled), 0 no match, -1 partial
 *   (a prefix of the pattern, no skip character, or numbers that do not
 *   parse: the kernel drops the segment so that the sender retransmits).
 * - Numbers accumulate as the kernel's u32 (no range check), the port is
 *   the low 16 bits; IPv4 only (EPRT |2| on an IPv4 connection is partial).
 * - Nothing allocates: results go into a reused FtpMatch.
 */

/** enum nf_ct_ftp_type. */
export const FtpType = { PORT: 0, PASV: 1, EPRT: 2, EPSV: 3 } as const;
export type FtpType = (typeof FtpType)[keyof typeof FtpType];

/** The search patterns, for the helper's log text: by direction, in the order tried. */
export const FTP_PATTERNS: readonly (readonly string[])[] = [['PORT', 'EPRT'], ['227 ', '229 ']];

export class FtpMatch {
  type: number = FtpType.PORT;
  /** Index of the pattern tried last (into FTP_PATTERNS[dir]). */
  pattern = 0;
  /** The address/port text: offset from the payload start, and length. */
  matchOff = 0;
  matchLen = 0;
  /** The announced address (host order; for EPSV the default the caller passed) and port. */
  addr = 0;
  port = 0;
}

const CH_0 = 48, CH_9 = 57, CR = 13;
const isDigit = (c: number): boolean => c >= CH_0 && c <= CH_9;
const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

const nums = new Uint32Array(6);

/**
 * try_number: `size` decimal numbers separated by `sep`, ended by `term`
 * (or by anything when term is 0) after the last one. Returns the length
 * up to the terminator, or 0.
 */
function tryNumber(b: Uint8Array, at: number, dlen: number, size: number, sep: number, term: number): number {
  nums.fill(0);
  let i = 0;
  for (let len = 0; len < dlen && i < size; len++) {
    const c = b[at + len];
    if (isDigit(c)) nums[i] = (Math.imul(nums[i], 10) + c - CH_0) >>> 0;
    else if (c === sep) i++;
    else {
      if ((c === term || term === 0) && i === size - 1) return len;
      return 0;
    }
  }
  return 0;
}

/** try_rfc959: "h1,h2,h3,h4,p1,p2" then term. */
function tryRfc959(b: Uint8Array, at: number, dlen: number, term: number, out: FtpMatch): number {
  const length = tryNumber(b, at, dlen, 6, 44, term);
  if (length === 0) return 0;
  out.addr = ((nums[0] << 24) | (nums[1] << 16) | (nums[2] << 8) | nums[3]) >>> 0;
  out.port = ((nums[4] << 8) | nums[5]) & 0xffff;
  return length;
}

/** get_port: a non-zero decimal port up to `delim`; the index after the delimiter, or 0. */
function getPort(b: Uint8Array, at: number, start: number, dlen: number, delim: number, out: FtpMatch): number {
  let p = 0;
  for (let i = start; i < dlen; i++) {
    const c = b[at + i];
    if (c === delim) {
      if (p === 0) break;
      out.port = p;
      return i + 1;
    } else if (isDigit(c)) p = (p * 10 + c - CH_0) & 0xffff;
    else break;
  }
  return 0;
}

function validDelim(c: number): boolean {
  return !isDigit(c) && c >= 33 && c <= 126;
}

/** try_eprt: "|1|a.b.c.d|port|" (IPv4). */
function tryEprt(b: Uint8Array, at: number, dlen: number, out: FtpMatch): number {
  if (dlen <= 3) return 0;
  const delim = b[at];
  if (!validDelim(delim) || b[at + 2] !== delim) return 0;
  if (b[at + 1] !== 49) return 0; // '1': IPv4 (this is an IPv4 connection)
  const length = tryNumber(b, at + 3, dlen - 3, 4, 46, delim);
  if (length === 0) return 0;
  out.addr = ((nums[0] << 24) | (nums[1] << 16) | (nums[2] << 8) | nums[3]) >>> 0;
  return getPort(b, at, 3 + length + 1, dlen, delim, out);
}

/** try_epsv_response: "|||port|". */
function tryEpsv(b: Uint8Array, at: number, dlen: number, out: FtpMatch): number {
  if (dlen <= 3) return 0;
  const delim = b[at];
  if (!validDelim(delim) || b[at + 1] !== delim || b[at + 2] !== delim) return 0;
  return getPort(b, at, 3, dlen, delim, out);
}

const PAT = FTP_PATTERNS.map((d) => d.map((p) => Uint8Array.from(p, (ch) => lower(ch.charCodeAt(0)))));
/** skip characters per pattern (0: none). */
const SKIP = [[32, 32], [0, 40]];

/**
 * find_pattern for pattern k of direction dir on the payload at `at` (dlen
 * bytes). `defaultAddr` is what the address is when the text has none (EPSV:
 * the sender's address in this direction's tuple).
 */
function findPattern(b: Uint8Array, at: number, dlen: number, dir: number, k: number, defaultAddr: number, out: FtpMatch): number {
  const pat = PAT[dir]![k]!;
  const plen = pat.length;
  if (dlen <= plen) {
    for (let i = 0; i < dlen; i++) if (lower(b[at + i]) !== pat[i]) return 0;
    return -1;
  }
  for (let i = 0; i < plen; i++) if (lower(b[at + i]) !== pat[i]) return 0;
  let i = plen;
  const skip = SKIP[dir]![k]!;
  if (skip !== 0) {
    for (; b[at + i] !== skip; i++) if (i === dlen - 1) return -1;
    i++;
  }
  out.matchOff = i;
  out.addr = defaultAddr;
  let n: number;
  if (dir === 0) n = k === 0 ? tryRfc959(b, at + i, dlen - i, CR, out) : tryEprt(b, at + i, dlen - i, out);
  else if (k === 0) {
    // try_rfc1123: scan for the first digit.
    let j = 0;
    while (j < dlen - i && !isDigit(b[at + i + j])) j++;
    if (j === dlen - i) n = 0;
    else {
      out.matchOff = i + j;
      n = tryRfc959(b, at + i + j, dlen - i - j, 0, out);
    }
  } else n = tryEpsv(b, at + i, dlen - i, out);
  if (n === 0) return -1;
  out.matchLen = n;
  return 1;
}

/**
 * The helper's search for direction dir (0: client commands, 1: server
 * replies) over the payload at `at`, dlen > 0 bytes: 1, 0 or -1 as the
 * kernel's, the first pattern that gives a non-zero result deciding.
 */
export function ftpFind(b: Uint8Array, at: number, dlen: number, dir: number, defaultAddr: number, out: FtpMatch): number {
  for (let k = 0; k < 2; k++) {
    out.pattern = k;
    const r = findPattern(b, at, dlen, dir, k, defaultAddr, out);
    if (r !== 0) {
      out.type = dir === 0 ? (k === 0 ? FtpType.PORT : FtpType.EPRT) : k === 0 ? FtpType.PASV : FtpType.EPSV;
      return r;
    }
  }
  return 0;
}

/**
 * nf_nat_ftp_fmt_cmd: the replacement text for a match of `type` announcing
 * addr:port, written into `to` at 0; returns its length.
 */
let fo = 0;
function num(to: Uint8Array, v: number): void {
  if (v >= 10000) to[fo++] = CH_0 + (Math.floor(v / 10000) % 10);
  if (v >= 1000) to[fo++] = CH_0 + (Math.floor(v / 1000) % 10);
  if (v >= 100) to[fo++] = CH_0 + (Math.floor(v / 100) % 10);
  if (v >= 10) to[fo++] = CH_0 + (Math.floor(v / 10) % 10);
  to[fo++] = CH_0 + (v % 10);
}

export function ftpFormat(type: number, addr: number, port: number, to: Uint8Array): number {
  const PIPE = 124;
  fo = 0;
  if (type === FtpType.PORT || type === FtpType.PASV) {
    num(to, addr >>> 24); to[fo++] = 44;
    num(to, (addr >>> 16) & 255); to[fo++] = 44;
    num(to, (addr >>> 8) & 255); to[fo++] = 44;
    num(to, addr & 255); to[fo++] = 44;
    num(to, port >>> 8); to[fo++] = 44;
    num(to, port & 255);
  } else if (type === FtpType.EPRT) {
    to[fo++] = PIPE; to[fo++] = 49; to[fo++] = PIPE;
    num(to, addr >>> 24); to[fo++] = 46;
    num(to, (addr >>> 16) & 255); to[fo++] = 46;
    num(to, (addr >>> 8) & 255); to[fo++] = 46;
    num(to, addr & 255); to[fo++] = PIPE;
    num(to, port); to[fo++] = PIPE;
  } else {
    to[fo++] = PIPE; to[fo++] = PIPE; to[fo++] = PIPE;
    num(to, port); to[fo++] = PIPE;
  }
  return fo;
}
