import { describe, expect, it } from 'vitest';
import { matchGeneric } from '../../../src/rules/bind.js';
import { ifaceMatches } from '../../../src/rules/match/generic.js';
import { emptyRule, Frag, type Rule } from '../../../src/rules/model.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const host = fakeHost({ ifNames: ['lo', 'eth0', 'eth1', 'ppp0'] });
const rule = (r: Partial<Rule>): Rule => ({ ...emptyRule(), ...r });

describe('generic rule part', () => {
  it('-s / -d with masks and "!"', () => {
    const ctx = buildPacket({ saddr: ip('192.168.1.7'), daddr: ip('10.0.0.9') });
    expect(matchGeneric(rule({ src: ip('192.168.1.0'), srcMask: ip('255.255.255.0') }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ src: ip('192.168.2.0'), srcMask: ip('255.255.255.0') }), ctx, host)).toBe(false);
    expect(matchGeneric(rule({ src: ip('192.168.2.0'), srcMask: ip('255.255.255.0'), invSrc: true }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ dst: ip('10.0.0.9'), dstMask: 0xffffffff }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ dst: ip('10.0.0.9'), dstMask: 0xffffffff, invDst: true }), ctx, host)).toBe(false);
    // ! -s 0/0 never matches, as in the kernel.
    expect(matchGeneric(rule({ invSrc: true }), ctx, host)).toBe(false);
  });

  it('-i / -o by name, "+" prefix, "!", absent device compared as ""', () => {
    const ctx = buildPacket();
    ctx.inIf = 1; ctx.outIf = 3;
    expect(matchGeneric(rule({ inIface: 'eth0' }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ inIface: 'eth1' }), ctx, host)).toBe(false);
    expect(matchGeneric(rule({ inIface: 'eth+' }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ inIface: 'eth+', invIn: true }), ctx, host)).toBe(false);
    expect(matchGeneric(rule({ outIface: 'ppp+' }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ outIface: 'ppp0', invOut: true }), ctx, host)).toBe(false);
    ctx.inIf = -1; // locally generated
    expect(matchGeneric(rule({ inIface: 'eth0' }), ctx, host)).toBe(false);
    expect(matchGeneric(rule({ inIface: 'eth0', invIn: true }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ inIface: '+' }), ctx, host)).toBe(true);
  });

  it('`! -i +` / `! -o +` (stored as "" inverted) match nothing, as iptables-nft 1.8.9 (iifname == "INVAL/D")', () => {
    const ctx = buildPacket();
    for (const [i, o] of [[1, 3], [-1, 3], [1, -1]] as const) {
      ctx.inIf = i; ctx.outIf = o;
      expect(matchGeneric(rule({ inIface: '', invIn: true }), ctx, host)).toBe(false);
      expect(matchGeneric(rule({ outIface: '', invOut: true }), ctx, host)).toBe(false);
    }
  });

  it('interface patterns', () => {
    expect(ifaceMatches('eth+', 'eth')).toBe(true);
    expect(ifaceMatches('eth+', 'et')).toBe(false);
    expect(ifaceMatches('eth0', 'eth00')).toBe(false);
    expect(ifaceMatches('+', '')).toBe(true);
  });

  it('-p with "!" and 0 = all', () => {
    const ctx = buildPacket({ proto: 17 });
    expect(matchGeneric(rule({ proto: 17 }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ proto: 6 }), ctx, host)).toBe(false);
    expect(matchGeneric(rule({ proto: 6, invProto: true }), ctx, host)).toBe(true);
    expect(matchGeneric(rule({ proto: 0, invProto: true }), ctx, host)).toBe(true);
  });

  it('-f and ! -f', () => {
    const frag = buildPacket({ proto: 17, fragOff: 10 });
    const whole = buildPacket({ proto: 17 });
    expect(matchGeneric(rule({ frag: Frag.NON_FIRST }), frag, host)).toBe(true);
    expect(matchGeneric(rule({ frag: Frag.NON_FIRST }), whole, host)).toBe(false);
    expect(matchGeneric(rule({ frag: Frag.FIRST_OR_UNFRAGMENTED }), frag, host)).toBe(false);
    expect(matchGeneric(rule({ frag: Frag.FIRST_OR_UNFRAGMENTED }), whole, host)).toBe(true);
  });

  it('does not call the host for interfaces when the rule has none', () => {
    const h = fakeHost();
    let calls = 0;
    const orig = h.ifName;
    h.ifName = (i) => { calls++; return orig(i); };
    matchGeneric(rule({ proto: 6 }), buildPacket(), h);
    expect(calls).toBe(0);
  });
});
