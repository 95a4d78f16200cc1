import { describe, expect, it } from 'vitest';
import { runIptables, runIptablesSave } from '../../../src/iptables/index.js';
import { parseBpfProgram } from '../../../src/iptables/ext/bpf.js';
import { BindError, bindMatch, createBindEnv } from '../../../src/rules/bind.js';
import type { BpfMatch } from '../../../src/iptables/ext/bpf.js';
import { checkClassicBpf } from '../../../src/rules/match/bpf.js';
import { emptyRule } from '../../../src/rules/model.js';
import { emptyRuleset } from '../../../src/rules/ops.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const prog = (text: string): BpfMatch => ({ name: 'bpf', program: parseBpfProgram(text) });
const bind = (m: BpfMatch) => bindMatch(m, emptyRule(), createBindEnv(fakeHost({}), new RecentTables()));

describe('bpf: parsing (bpf_parse_string)', () => {
  it('reads nfbpf_compile output', () => {
    expect(parseBpfProgram('4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0')).toEqual([[48, 0, 0, 9], [21, 0, 1, 6], [6, 0, 0, 1], [6, 0, 0, 0]]);
    // sscanf: blanks, a trailing ',', values wrapped to the field width.
    expect(parseBpfProgram(' 2,6 0 0 1 , 6 256 -1 4294967296,')).toEqual([[6, 0, 0, 1], [6, 0, 255, 0]]);
  });
  it.each([
    ['x', 'bpf: error parsing program length'],
    ['2 ,6 0 0 1', 'bpf: error parsing program length'],
    ['0,6 0 0 1', 'bpf: illegal zero length program'],
    ['65,6 0 0 1', 'bpf: number of instructions exceeds maximum'],
    ['1,6 0 0 1,6 0 0 0', 'bpf: real program length exceeds the encoded length parameter'],
    ['2,6 0 0 1', 'bpf: parsed program length is less than the encoded length parameter'],
    ['2,6 0 0 1,6 0 x', 'bpf: error at instr 1'],
  ])('%s → %s', (text, msg) => {
    expect(() => parseBpfProgram(text)).toThrow(msg);
  });
  it('saves, lists (with the NUL iptables prints) and refuses what the kernel checker refuses', () => {
    let r = runIptables(['-A', 'INPUT', '-m', 'bpf', '--bytecode', '2,48 0 0 9,22 0 0 0'], emptyRuleset());
    expect(r.status).toBe(0);
    expect(runIptablesSave([], r.ruleset).stdout).toContain('-A INPUT -m bpf --bytecode "2,48 0 0 9,22 0 0 0"\n');
    const row = runIptables(['-L', 'INPUT', '-n'], r.ruleset).stdout.split('\n')[2];
    expect(row?.trimStart()).toBe('0    --  0.0.0.0/0            0.0.0.0/0           match bpf 48 0 0 9,22 0 0 0\0');
    r = runIptables(['-A', 'INPUT', '-m', 'bpf', '--bytecode', '1,48 0 0 9'], emptyRuleset());
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('RULE_APPEND failed (Invalid argument)');
    r = runIptables(['-A', 'INPUT', '-m', 'bpf', '--object-pinned', '/sys/fs/bpf/x'], emptyRuleset());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bpf: failed to get bpf object');
  });
});

describe('bpf: bpf_check_classic', () => {
  it.each([
    ['1,6 0 0 0', true],
    ['1,48 0 0 9', false], // does not end with a return
    ['2,52 0 0 0,6 0 0 0', false], // A /= 0
    ['2,100 0 0 32,6 0 0 0', false], // A <<= 32
    ['2,96 0 0 16,6 0 0 0', false], // M[16]
    ['2,96 0 0 3,22 0 0 0', false], // M[3] read before written
    ['3,2 0 0 3,96 0 0 3,22 0 0 0', true],
    ['2,21 1 0 6,6 0 0 0', false], // jump past the end
    ['2,5 0 0 1,6 0 0 0', false],
    ['2,255 0 0 0,6 0 0 0', false], // unknown code
    ['2,48 0 0 4294963202,22 0 0 0', false], // unknown ancillary SKF_AD_OFF + 2
  ])('%s accepted: %s', (text, ok) => {
    expect(checkClassicBpf(parseBpfProgram(text)) === undefined).toBe(ok);
  });
});

describe('bpf: evaluation', () => {
  const tcpOnly = prog('4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0');
  it('runs from the IP header: protocol test', () => {
    expect(bind(tcpOnly)(buildPacket({ proto: 6 }))).toBe(true);
    expect(bind(tcpOnly)(buildPacket({ proto: 17 }))).toBe(false);
    expect(bind(tcpOnly)(buildPacket({ proto: 6, eth: { src: [2, 0, 0, 0, 0, 9] }, lead: 5 }))).toBe(true);
  });
  it('tcp dst port 22 through the IP header length (ldxb 4*([0]&0xf), ldh [x+2])', () => {
    // ldb [9]; jeq #6 jt 0 jf 4; ldxb 4*([0]&0xf); ldh [x + 2]; jeq #22 jt 0 jf 1; ret #65535; ret #0
    const p = prog('7,48 0 0 9,21 0 4 6,177 0 0 0,72 0 0 2,21 0 1 22,6 0 0 65535,6 0 0 0');
    expect(bind(p)(buildPacket({ dport: 22 }))).toBe(true);
    expect(bind(p)(buildPacket({ dport: 22, ipOptions: [1, 1, 1, 1] }))).toBe(true);
    expect(bind(p)(buildPacket({ dport: 80 }))).toBe(false);
  });
  it('a load past the end of the packet ends with 0; len is the IP total length', () => {
    expect(bind(prog('2,32 0 0 100,6 0 0 1'))(buildPacket({ proto: 6 }))).toBe(false);
    expect(bind(prog('2,32 0 0 36,6 0 0 1'))(buildPacket({ proto: 6 }))).toBe(true); // [36..40) inside a 40-byte packet
    expect(bind(prog('2,32 0 0 37,6 0 0 1'))(buildPacket({ proto: 6 }))).toBe(false);
    const len40 = prog('4,128 0 0 0,21 0 1 40,6 0 0 1,6 0 0 0');
    expect(bind(len40)(buildPacket({ proto: 6 }))).toBe(true);
    expect(bind(len40)(buildPacket({ proto: 6, payload: 1 }))).toBe(false);
  });
  it('ALU, scratch memory, division by X = 0 returns 0', () => {
    // ld [16] (daddr); and #0xffffff00; st M[0]; ld M[0]; jeq #10.0.1.0 jt 0 jf 1; ret #1; ret #0
    const p = prog(`7,32 0 0 16,84 0 0 4294967040,2 0 0 0,96 0 0 0,21 0 1 ${ip('10.0.1.0')},6 0 0 1,6 0 0 0`);
    expect(bind(p)(buildPacket({ daddr: ip('10.0.1.77') }))).toBe(true);
    expect(bind(p)(buildPacket({ daddr: ip('10.0.2.77') }))).toBe(false);
    // ldx #0; ld #7; div x; ret a → 0 (not 7 / 0)
    expect(bind(prog('4,1 0 0 0,0 0 0 7,60 0 0 0,22 0 0 0'))(buildPacket())).toBe(false);
    // ld #7; neg; ret a → non-zero
    expect(bind(prog('3,0 0 0 7,132 0 0 0,22 0 0 0'))(buildPacket())).toBe(true);
  });
  it('ancillary: protocol, mark; SKF_NET_OFF; others are a BindError', () => {
    expect(bind(prog('4,40 0 0 4294963200,21 0 1 2048,6 0 0 1,6 0 0 0'))(buildPacket())).toBe(true);
    const mark = prog('4,32 0 0 4294963220,21 0 1 5,6 0 0 1,6 0 0 0');
    const ctx = buildPacket();
    ctx.mark = 5;
    expect(bind(mark)(ctx)).toBe(true);
    ctx.mark = 6;
    expect(bind(mark)(ctx)).toBe(false);
    // ldb [SKF_NET_OFF + 9] is the protocol byte too.
    expect(bind(prog(`4,48 0 0 ${(-0x100000 + 9) >>> 0},21 0 1 17,6 0 0 1,6 0 0 0`))(buildPacket({ proto: 17 }))).toBe(true);
    expect(() => bind(prog('2,32 0 0 4294963232,22 0 0 0'))).toThrow(BindError); // SKF_AD_RXHASH
  });
});
