// The entry formatter on hand-made records: the cases the lab recordings do not
// reach (NAT reply tuples, offload flags, other protocols, big numbers) and the
// event rules, plus a round trip through the fixture parser for any record.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inetAton } from '../../../src/conntrack/cli/address.js';
import { formatEntry, formatStats } from '../../../src/conntrack/cli/format.js';
import {
  IPS_ASSURED, IPS_CONFIRMED, IPS_HW_OFFLOAD, IPS_OFFLOAD, IPS_SEEN_REPLY, type CtRecord, type CtStats, type CtTupleRecord,
} from '../../../src/conntrack/cli/types.js';
import { parseEntryLine } from './fixtures.js';

const ip = (s: string): number => inetAton(s)!;
const tup = (src: string, dst: string, l4: Partial<CtTupleRecord> = {}): CtTupleRecord =>
  ({ src: ip(src), dst: ip(dst), sport: 0, dport: 0, icmpType: 0, icmpCode: 0, icmpId: 0, ...l4 });
const rec = (r: Partial<CtRecord>): CtRecord => ({
  id: 1, proto: 6, timeout: 100, tcpState: 3, orig: tup('10.0.0.1', '10.0.0.2'), reply: tup('10.0.0.2', '10.0.0.1'),
  status: IPS_CONFIRMED | IPS_SEEN_REPLY, mark: 0, zone: 0, helper: '', use: 1, ...r,
});

describe('formatEntry as conntrack -L prints', () => {
  it('TCP through SNAT: the reply tuple carries the translated address', () => {
    const r = rec({
      timeout: 431999, tcpState: 3, status: IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED,
      orig: tup('192.168.1.10', '93.184.216.34', { sport: 51234, dport: 443 }),
      reply: tup('93.184.216.34', '203.0.113.5', { sport: 443, dport: 51234 }),
    });
    expect(formatEntry(r)).toBe('tcp      6 431999 ESTABLISHED src=192.168.1.10 dst=93.184.216.34 sport=51234 dport=443 src=93.184.216.34 dst=203.0.113.5 sport=443 dport=51234 [ASSURED] mark=0 use=1');
  });

  it('UDP unreplied', () => {
    const r = rec({
      proto: 17, tcpState: -1, timeout: 29, status: IPS_CONFIRMED,
      orig: tup('10.0.0.2', '8.8.8.8', { sport: 40000, dport: 53 }), reply: tup('8.8.8.8', '10.0.0.2', { sport: 53, dport: 40000 }),
    });
    expect(formatEntry(r)).toBe('udp      17 29 src=10.0.0.2 dst=8.8.8.8 sport=40000 dport=53 [UNREPLIED] src=8.8.8.8 dst=10.0.0.2 sport=53 dport=40000 mark=0 use=1');
  });

  it('ICMP: type, code and id in each direction', () => {
    const r = rec({
      proto: 1, tcpState: -1, timeout: 29,
      orig: tup('10.0.0.2', '1.1.1.1', { icmpType: 8, icmpId: 1234 }), reply: tup('1.1.1.1', '10.0.0.2', { icmpType: 0, icmpId: 1234 }),
    });
    expect(formatEntry(r)).toBe('icmp     1 29 src=10.0.0.2 dst=1.1.1.1 type=8 code=0 id=1234 src=1.1.1.1 dst=10.0.0.2 type=0 code=0 id=1234 mark=0 use=1');
  });

  it('an unknown protocol: addresses only; a known non-port one is named', () => {
    const r = rec({ proto: 50, tcpState: -1, timeout: 600, status: IPS_CONFIRMED });
    expect(formatEntry(r)).toBe('unknown  50 600 src=10.0.0.1 dst=10.0.0.2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 mark=0 use=1');
    expect(formatEntry(rec({ proto: 132, tcpState: -1 }))).toMatch(/^sctp     132 100 src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=0 dport=0 /);
  });

  it('helper= and zone= (never zone=0), in the tool\'s order, and -o extended,id', () => {
    const r = rec({ zone: 7, helper: 'ftp', mark: 0xffffffff, id: 3000000000, status: IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED });
    expect(formatEntry(r, { extended: true, id: true })).toBe(
      'ipv4     2 tcp      6 100 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=0 dport=0 src=10.0.0.2 dst=10.0.0.1 sport=0 dport=0 [ASSURED] mark=4294967295 zone=7 helper=ftp use=1 id=3000000000');
  });

  it('[HW_OFFLOAD] over [OFFLOAD] over [ASSURED]', () => {
    expect(formatEntry(rec({ status: IPS_SEEN_REPLY | IPS_ASSURED | IPS_OFFLOAD }))).toContain(' [OFFLOAD] mark=0');
    expect(formatEntry(rec({ status: IPS_SEEN_REPLY | IPS_ASSURED | IPS_OFFLOAD | IPS_HW_OFFLOAD }))).toContain(' [HW_OFFLOAD] mark=0');
  });

  it('a -G answer shows the kernel\'s extra reference', () => {
    expect(formatEntry(rec({ use: 1 }), { get: true })).toMatch(/ use=2$/);
  });
});

describe('formatEntry as conntrack -E prints', () => {
  it('NEW/UPDATE: no use=, mark= only when set, helper= kept', () => {
    expect(formatEntry(rec({ helper: 'ftp' }), { event: 'NEW' })).toBe(
      '    [NEW] tcp      6 100 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=0 dport=0 src=10.0.0.2 dst=10.0.0.1 sport=0 dport=0 helper=ftp');
    expect(formatEntry(rec({ mark: 7 }), { event: 'UPDATE' })).toMatch(/^ \[UPDATE\] .* mark=7$/);
  });

  it('DESTROY: no helper=, no timeout once it is 0', () => {
    expect(formatEntry(rec({ helper: 'ftp', timeout: 0, tcpState: 7, zone: 5 }), { event: 'DESTROY' })).toBe(
      '[DESTROY] tcp      6 TIME_WAIT src=10.0.0.1 dst=10.0.0.2 sport=0 dport=0 src=10.0.0.2 dst=10.0.0.1 sport=0 dport=0 zone=5');
  });
});

describe('formatStats as conntrack -S prints', () => {
  it('one line per cpu, "cpu=%-4u" then a tab, every counter followed by a space', () => {
    const z: CtStats = { found: 1, invalid: 2, insert: 3, insert_failed: 4, drop: 5, early_drop: 6, error: 7, search_restart: 8, clash_resolve: 9, chaintoolong: 10 };
    const lines = formatStats(Array.from({ length: 11 }, () => z)).split('\n');
    expect(lines[0]).toBe('cpu=0   \tfound=1 invalid=2 insert=3 insert_failed=4 drop=5 early_drop=6 error=7 search_restart=8 clash_resolve=9 chaintoolong=10 ');
    expect(lines[10]).toMatch(/^cpu=10  \tfound=1 /);
    expect(lines[11]).toBe('');
  });
});

describe('formatEntry round trip', () => {
  const tuple = fc.record({
    src: fc.nat(0xffffffff), dst: fc.nat(0xffffffff), sport: fc.nat(65535), dport: fc.nat(65535),
    icmpType: fc.nat(255), icmpCode: fc.nat(255), icmpId: fc.nat(65535),
  });
  it('what -L prints reads back as the record (fields the protocol shows)', () => {
    fc.assert(fc.property(
      fc.constantFrom(1, 6, 17, 50), tuple, tuple, fc.nat(500000), fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.boolean(),
      fc.nat(0xffffffff), fc.nat(65535), fc.constantFrom('', 'ftp', 'irc'), fc.nat(1000),
      (proto, orig, reply, timeout, state, replied, assured, mark, zone, helper, use) => {
        const status = IPS_CONFIRMED | (replied ? IPS_SEEN_REPLY : 0) | (assured ? IPS_ASSURED : 0);
        const shown = (t: CtTupleRecord): CtTupleRecord => ({
          src: t.src, dst: t.dst, sport: proto === 6 || proto === 17 ? t.sport : 0, dport: proto === 6 || proto === 17 ? t.dport : 0,
          icmpType: proto === 1 ? t.icmpType : 0, icmpCode: proto === 1 ? t.icmpCode : 0, icmpId: proto === 1 ? t.icmpId : 0,
        });
        const r: CtRecord = { id: 0, proto, timeout, tcpState: proto === 6 ? state : -1, orig: shown(orig), reply: shown(reply), status, mark, zone, helper, use };
        expect(parseEntryLine(formatEntry(r)).rec).toEqual(r);
      }));
  });
});
