import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Interfaces, U32Set } from '../../src/net/index.js';

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) >>> 0;

const ifs = new Interfaces([
  { name: 'lan0', mtu: 1500, addresses: [{ addr: ip('10.0.1.1'), prefix: 24 }, { addr: ip('10.0.9.1'), prefix: 30 }] },
  { name: 'wan0', mtu: 1400, addresses: [{ addr: ip('203.0.113.2'), prefix: 31 }, { addr: ip('198.51.100.1'), prefix: 32 }] },
  { name: 'rg-host', mtu: 9000, addresses: [] },
]);

describe('Interfaces', () => {
  it('indexes names and MTUs by position', () => {
    expect(ifs.count()).toBe(3);
    expect([ifs.name(0), ifs.name(1), ifs.name(2), ifs.name(3)]).toEqual(['lan0', 'wan0', 'rg-host', '']);
    expect([ifs.mtu(0), ifs.mtu(1), ifs.mtu(2), ifs.mtu(-1)]).toEqual([1500, 1400, 9000, 0]);
    expect(ifs.indexOf('wan0')).toBe(1);
  });

  it('knows its own addresses', () => {
    for (const a of ['10.0.1.1', '10.0.9.1', '203.0.113.2', '198.51.100.1']) expect(ifs.isLocal(ip(a))).toBe(true);
    for (const a of ['10.0.1.2', '10.0.1.255', '0.0.0.0', '255.255.255.255', '203.0.113.3']) expect(ifs.isLocal(ip(a))).toBe(false);
  });

  it('knows directed broadcasts of subnets shorter than /31 and the limited broadcast', () => {
    expect(ifs.isBroadcast(ip('255.255.255.255'))).toBe(true);
    expect(ifs.isBroadcast(ip('10.0.1.255'))).toBe(true);
    expect(ifs.isBroadcast(ip('10.0.9.3'))).toBe(true);
    expect(ifs.isBroadcast(ip('203.0.113.3'))).toBe(false); // /31 has no broadcast
    expect(ifs.isBroadcast(ip('198.51.100.1'))).toBe(false);
    expect(ifs.isBroadcast(ip('10.0.1.1'))).toBe(false);
    expect(ifs.isBroadcast(ip('10.0.2.255'))).toBe(false);
  });

  it('answers ownsAddress per interface and the primary address', () => {
    expect(ifs.ownsAddress(0, ip('10.0.9.1'))).toBe(true);
    expect(ifs.ownsAddress(1, ip('10.0.9.1'))).toBe(false);
    expect(ifs.ownsAddress(1, ip('198.51.100.1'))).toBe(true);
    expect(ifs.ownsAddress(2, ip('10.0.1.1'))).toBe(false);
    expect(ifs.ownsAddress(7, ip('10.0.1.1'))).toBe(false);
    expect([ifs.primaryAddress(0), ifs.primaryAddress(1), ifs.primaryAddress(2)]).toEqual([ip('10.0.1.1'), ip('203.0.113.2'), 0]);
  });

  it('U32Set agrees with a Set', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff })), fc.array(fc.integer({ min: 0, max: 0xffffffff })), (ins, probes) => {
        const s = new U32Set(ins);
        const ref = new Set(ins);
        for (const v of [...ins, ...probes, 0]) expect(s.has(v)).toBe(ref.has(v));
      }),
    );
  });
});
