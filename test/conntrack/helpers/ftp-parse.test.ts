/**
 * nf_conntrack_ftp's parsing, every command form: PORT and EPRT from the
 * client, 227 (with and without parentheses) and 229 from the server;
 * case-insensitive, at the start of the payload only; partial matches (a
 * prefix of the pattern, no skip character, numbers that do not parse) are
 * -1, as the kernel drops them; and the NAT rewrite's text formats.
 */
import { describe, expect, it } from 'vitest';
import { FtpMatch, FtpType, ftpFind, ftpFormat } from '../../../src/conntrack/helpers/ftp-parse.js';

const ip = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
const SENDER = ip('192.168.1.10');

function find(text: string, dir: number) {
  const b = new TextEncoder().encode('xx' + text);
  const m = new FtpMatch();
  const r = ftpFind(b, 2, b.length - 2, dir, SENDER, m);
  return { r, m, match: r === 1 ? text.slice(m.matchOff, m.matchOff + m.matchLen) : '' };
}

describe('FTP parsing (find_pattern)', () => {
  it('PORT h1,h2,h3,h4,p1,p2\\r', () => {
    const { r, m, match } = find('PORT 192,168,1,10,4,1\r\n', 0);
    expect(r).toBe(1);
    expect([m.type, m.addr, m.port, match]).toEqual([FtpType.PORT, SENDER, 1025, '192,168,1,10,4,1']);
    expect(find('port 192,168,1,10,4,1\r\n', 0).r).toBe(1);
    expect(find('PoRt   192,168,1,10,255,255\r\n', 0).r).toBe(-1); // spaces after the skip char are not digits
    expect(find('PORT 192,168,1,10,255,255\r\n', 0).m.port).toBe(65535);
  });

  it('PORT needs the \\r terminator and six numbers; otherwise partial', () => {
    expect(find('PORT 192,168,1,10,4,1', 0).r).toBe(-1);
    expect(find('PORT 192,168,1,10,4\r\n', 0).r).toBe(-1);
    expect(find('PORT 192,168,1,10,4,1,7\r\n', 0).r).toBe(-1);
    expect(find('PORT 192.168.1.10,4,1\r\n', 0).r).toBe(-1);
    expect(find('PORTX\r\n', 0).r).toBe(-1); // no space to skip to
  });

  it('numbers are not range-checked: the kernel keeps the low bits', () => {
    const { r, m } = find('PORT 1,2,3,4,256,1\r\n', 0);
    expect(r).toBe(1);
    expect(m.port).toBe(1); // (256 << 8 | 1) & 0xffff
  });

  it('a packet shorter than the pattern that is a prefix of it is partial; anything else no match', () => {
    expect(find('PO', 0).r).toBe(-1);
    expect(find('PORT', 0).r).toBe(-1);
    expect(find('EP', 0).r).toBe(-1);
    expect(find('USER x\r\n', 0).r).toBe(0);
    expect(find('22', 1).r).toBe(-1);
    expect(find('220 ready\r\n', 1).r).toBe(0);
  });

  it('only at the start: a command later in the segment is not seen', () => {
    expect(find('NOOP\r\nPORT 192,168,1,10,4,1\r\n', 0).r).toBe(0);
    expect(find(' PORT 192,168,1,10,4,1\r\n', 0).r).toBe(0);
  });

  it('EPRT |1|a.b.c.d|port| with any printable non-digit delimiter', () => {
    const { r, m, match } = find('EPRT |1|192.168.1.10|6275|\r\n', 0);
    expect(r).toBe(1);
    expect([m.type, m.addr, m.port, match]).toEqual([FtpType.EPRT, SENDER, 6275, '|1|192.168.1.10|6275|']);
    expect(find('eprt !1!192.168.1.10!6275!\r\n', 0).m.port).toBe(6275);
    expect(find('EPRT |2|::1|6275|\r\n', 0).r).toBe(-1); // IPv6 on an IPv4 connection
    expect(find('EPRT 1|1|192.168.1.10|6275|\r\n', 0).r).toBe(-1); // digit delimiter
    expect(find('EPRT |1|192.168.1.10|0|\r\n', 0).r).toBe(-1); // port 0
    expect(find('EPRT |1|192.168.1.10|6275\r\n', 0).r).toBe(-1); // no closing delimiter
  });

  it('227 with and without parentheses: the first digit after "227 " starts the numbers', () => {
    const a = find('227 Entering Passive Mode (192,168,1,10,195,80).\r\n', 1);
    expect([a.r, a.m.type, a.m.addr, a.m.port, a.match]).toEqual([1, FtpType.PASV, SENDER, 50000, '192,168,1,10,195,80']);
    const b = find('227 Entering Passive Mode 192,168,1,10,195,80\r\n', 1);
    expect([b.r, b.m.port, b.match]).toEqual([1, 50000, '192,168,1,10,195,80']);
    expect(find('227 =192,168,1,10,195,80\r\n', 1).m.port).toBe(50000);
    expect(find('227 Entering Passive Mode\r\n', 1).r).toBe(-1); // no digits at all
    expect(find('227 Entering Passive Mode (192,168,1,10,195,80', 1).r).toBe(-1); // ends on the last number
    expect(find('227-Entering\r\n', 1).r).toBe(0);
  });

  it('229 (|||port|): the address is the sender\'s', () => {
    const a = find('229 Entering Extended Passive Mode (|||50000|)\r\n', 1);
    expect([a.r, a.m.type, a.m.addr, a.m.port, a.match]).toEqual([1, FtpType.EPSV, SENDER, 50000, '|||50000|']);
    expect(find('229 Entering Extended Passive Mode |||50000|\r\n', 1).r).toBe(-1); // no '('
    expect(find('229 Entering Extended Passive Mode (||50000|)\r\n', 1).r).toBe(-1);
    expect(find('229 x (', 1).r).toBe(-1);
  });

  it('client patterns are not looked for in replies, nor server ones in commands', () => {
    expect(find('PORT 192,168,1,10,4,1\r\n', 1).r).toBe(0);
    expect(find('227 (192,168,1,10,4,1)\r\n', 0).r).toBe(0);
  });
});

describe('NAT text (nf_nat_ftp_fmt_cmd)', () => {
  const fmt = (type: number, addr: string, port: number) => {
    const b = new Uint8Array(64);
    return new TextDecoder().decode(b.subarray(0, ftpFormat(type, ip(addr), port, b)));
  };
  it('PORT/227 as six numbers, EPRT as |1|addr|port|, EPSV as |||port|', () => {
    expect(fmt(FtpType.PORT, '203.0.113.200', 1025)).toBe('203,0,113,200,4,1');
    expect(fmt(FtpType.PASV, '10.0.0.1', 65535)).toBe('10,0,0,1,255,255');
    expect(fmt(FtpType.EPRT, '203.0.113.200', 1025)).toBe('|1|203.0.113.200|1025|');
    expect(fmt(FtpType.EPSV, '1.2.3.4', 50000)).toBe('|||50000|');
    expect(fmt(FtpType.EPSV, '1.2.3.4', 7)).toBe('|||7|');
  });
});
