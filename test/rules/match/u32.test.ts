import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv, type MatchFn } from '../../../src/rules/bind.js';
import type { Match } from '../../../src/rules/matches.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { parseU32 } from '../../../src/iptables/ext/u32.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const env = createBindEnv(fakeHost(), new RecentTables());
const bind = (m: Match): MatchFn => bindMatch(m, emptyRule(), env);
const u32 = (text: string, invert = false): MatchFn => bind({ name: 'u32', tests: parseU32(text), invert });

describe('u32', () => {
  it('reads big-endian words of the IP packet', () => {
    const ctx = buildPacket({ proto: 6, saddr: ip('192.168.1.7'), ttl: 64 });
    expect(u32('0>>28=4')(ctx)).toBe(true);
    expect(u32('0>>28=6')(ctx)).toBe(false);
    expect(u32('0>>28=6', true)(ctx)).toBe(true);
    expect(u32('12=0xc0a80107')(ctx)).toBe(true);
    expect(u32('6&0xFF=1,6,17')(ctx)).toBe(true);
    expect(u32('8>>24=60:70')(ctx)).toBe(true);
    expect(u32('8>>24=0x40&&9&0xff=7')(ctx)).toBe(false);
  });
  it('@ moves to the transport header (the man page example)', () => {
    const ctx = buildPacket({ proto: 6, dport: 443, sport: 1234 });
    // TCP destination port via the header length.
    expect(u32('6&0xFF=6 && 0>>22&0x3C@0&0xFFFF=443')(ctx)).toBe(true);
    expect(u32('0>>22&0x3C@0>>16=1234')(ctx)).toBe(true);
    expect(u32('0>>22&0x3C@0&0xFFFF=80')(ctx)).toBe(false);
  });
  it('a location past the end does not match (inverted: matches)', () => {
    const ctx = buildPacket({ proto: 6 });
    expect(u32(`${ctx.ipTotLen - 4}=0:0xffffffff`)(ctx)).toBe(true);
    expect(u32(`${ctx.ipTotLen - 3}=0:0xffffffff`)(ctx)).toBe(false);
    expect(u32(`${ctx.ipTotLen - 3}=0:0xffffffff`, true)(ctx)).toBe(true);
    expect(u32('0>>22&0x3C@1000=0:0xffffffff')(ctx)).toBe(false);
  });
  it('shifts use the count mod 32', () => {
    const ctx = buildPacket();
    expect(u32('0>>32=0x45000000:0x45ffffff')(ctx)).toBe(true);
  });
});
