import { describe, expect, it } from 'vitest';
import { TableId } from '../../src/rules/evaluator.js';
import { interpret } from '../../src/rules/interpreter.js';
import { BindError } from '../../src/rules/bind.js';
import { NFT_JUMP_STACK_SIZE } from '../../src/rules/jumps.js';
import { Hook } from '../../src/rules/model.js';
import type { Target } from '../../src/rules/targets.js';
import { Verdict } from '../../src/rules/verdict.js';
import { fakeHost } from './fake-host.js';
import { buildPacket } from './packet-builder.js';
import { ACCEPT, chain, DROP, goto, jump, log, QUEUE, RETURN, rule, ruleset } from './rules-builder.js';

const MARK = (v: number): Target => ({ kind: 'MARK', value: v, mask: 0xffffffff, form: 'set' });
const tcpDport = (p: number) => ({ proto: 6, matches: [{ name: 'tcp' as const, sport: { lo: 0, hi: 65535 }, invSport: false, dport: { lo: p, hi: p }, invDport: false, flagsMask: 0, flagsCmp: 0, invFlags: false, option: 0, invOption: false }] });

function filterWith(policy: 'ACCEPT' | 'DROP' = 'ACCEPT') {
  const rs = ruleset('filter');
  const fwd = chain(rs, 'filter', 'FORWARD');
  fwd.policy = policy;
  return { rs, fwd };
}

describe('interpreter traversal', () => {
  it('first matching rule decides; counters only on matching rules (bytes = IP total length)', () => {
    const { rs, fwd } = filterWith();
    fwd.rules.push(rule({ ...tcpDport(22), target: ACCEPT }), rule({ ...tcpDport(80), target: DROP }), rule({ target: ACCEPT }));
    const ev = interpret(rs, fakeHost());
    const ctx = buildPacket({ dport: 80, payload: 10 });
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, ctx)).toBe(Verdict.DROP);
    expect(ev.lastDropWasPolicy).toBe(false);
    expect(fwd.rules.map((r) => [r.pkts, r.bytes])).toEqual([[0, 0], [1, 50], [0, 0]]);
    expect([fwd.pkts, fwd.bytes]).toEqual([0, 0]);
  });

  it('falling off a built-in chain applies the policy and counts it', () => {
    const { rs, fwd } = filterWith('DROP');
    fwd.rules.push(rule({ target: { kind: 'none' } }));
    const ev = interpret(rs, fakeHost());
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket())).toBe(Verdict.DROP);
    expect(ev.lastDropWasPolicy).toBe(true);
    expect([fwd.rules[0]!.pkts, fwd.pkts, fwd.bytes]).toEqual([1, 1, 40]);
    // lastDropWasPolicy resets on the next evaluation.
    fwd.rules.push(rule({ target: DROP }));
    const ev2 = interpret(rs, fakeHost());
    expect(ev2.evaluate(TableId.filter, Hook.FORWARD, buildPacket())).toBe(Verdict.DROP);
    expect(ev2.lastDropWasPolicy).toBe(false);
  });

  it('RETURN in a built-in chain applies the policy (policy counters bump)', () => {
    const { rs, fwd } = filterWith('DROP');
    fwd.rules.push(rule({ proto: 1, target: RETURN }), rule({ target: ACCEPT }));
    const ev = interpret(rs, fakeHost());
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket({ proto: 1, payload: 56 }))).toBe(Verdict.DROP);
    expect(ev.lastDropWasPolicy).toBe(true);
    expect([fwd.pkts, fwd.bytes]).toEqual([1, 84]);
    expect(fwd.rules[1]!.pkts).toBe(0);
  });

  it('jump, RETURN and fall-through resume after the calling rule; nested calls', () => {
    const { rs, fwd } = filterWith('DROP');
    const a = chain(rs, 'filter', 'A'), b = chain(rs, 'filter', 'B');
    fwd.rules.push(rule({ target: jump('A') }), rule({ target: MARK(3) }), rule({ target: ACCEPT }));
    a.rules.push(rule({ target: MARK(1) }), rule({ target: jump('B') }), rule({ target: log('after-B') }), rule({ target: RETURN }), rule({ target: DROP }));
    b.rules.push(rule({ target: log('in-B') })); // falls off: implicit return
    const host = fakeHost();
    const ev = interpret(rs, host);
    const ctx = buildPacket();
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, ctx)).toBe(Verdict.ACCEPT);
    expect(ctx.mark).toBe(3);
    expect(host.of('log').map((c) => [c.prefix, c.chain, c.mark])).toEqual([['in-B', 'B', 1], ['after-B', 'A', 1]]);
    expect(a.rules[4]!.pkts).toBe(0);
    expect(fwd.pkts).toBe(0);
  });

  it('goto: RETURN from the goto\'d chain returns to the caller of the chain that did the goto', () => {
    const { rs, fwd } = filterWith('ACCEPT');
    const a = chain(rs, 'filter', 'A'), g = chain(rs, 'filter', 'G');
    fwd.rules.push(rule({ target: jump('A') }), rule({ target: log('back-in-FORWARD') }), rule({ target: DROP }));
    a.rules.push(rule({ target: goto('G') }), rule({ target: log('never') }));
    g.rules.push(rule({ target: log('in-G') }), rule({ target: RETURN }));
    const host = fakeHost();
    const ev = interpret(rs, host);
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket())).toBe(Verdict.DROP);
    expect(host.of('log').map((c) => c.prefix)).toEqual(['in-G', 'back-in-FORWARD']);
  });

  it('goto from the built-in chain: falling off the target chain applies the policy', () => {
    const { rs, fwd } = filterWith('DROP');
    const g = chain(rs, 'filter', 'G');
    fwd.rules.push(rule({ target: goto('G') }), rule({ target: ACCEPT }));
    g.rules.push(rule({ target: { kind: 'none' } }));
    const ev = interpret(rs, fakeHost());
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket())).toBe(Verdict.DROP);
    expect(ev.lastDropWasPolicy).toBe(true);
    expect([fwd.pkts, g.rules[0]!.pkts, fwd.rules[1]!.pkts]).toEqual([1, 1, 0]);
  });

  it('a verdict in a user chain ends the whole table', () => {
    const { rs, fwd } = filterWith('ACCEPT');
    const a = chain(rs, 'filter', 'A');
    fwd.rules.push(rule({ target: jump('A') }), rule({ target: ACCEPT }));
    a.rules.push(rule({ ...tcpDport(23), target: DROP }));
    const ev = interpret(rs, fakeHost());
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket({ dport: 23 }))).toBe(Verdict.DROP);
    expect(fwd.rules[1]!.pkts).toBe(0);
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket({ dport: 24 }))).toBe(Verdict.ACCEPT);
    expect(fwd.rules[1]!.pkts).toBe(1);
  });

  it('QUEUE ends the table with QUEUE; targets: CONTINUE goes on, STOLEN ends', () => {
    const { rs, fwd } = filterWith('ACCEPT');
    fwd.rules.push(rule({ proto: 17, target: QUEUE }), rule({ target: MARK(9) }), rule({ proto: 6, target: { kind: 'REJECT', with: 'tcp-reset' } }), rule({ target: DROP }));
    const host = fakeHost();
    const ev = interpret(rs, host);
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket({ proto: 17 }))).toBe(Verdict.QUEUE);
    const ctx = buildPacket({ proto: 6 });
    expect(ev.evaluate(TableId.filter, Hook.FORWARD, ctx)).toBe(Verdict.STOLEN);
    expect(host.of('reject')).toEqual([{ fn: 'reject', kind: 'tcp-reset', mark: 9 }]);
    expect(fwd.rules[3]!.pkts).toBe(0);
  });

  it('counters bump before the target runs (LOG sees the rule already counted)', () => {
    const { rs, fwd } = filterWith();
    const r = rule({ target: log('x') });
    fwd.rules.push(r);
    const host = fakeHost();
    let seen = -1;
    host.log = () => { seen = r.pkts; };
    interpret(rs, host).evaluate(TableId.filter, Hook.FORWARD, buildPacket());
    expect(seen).toBe(1);
  });

  it('missing table or chain: ACCEPT, nothing counted; NAT verdicts pass through', () => {
    const { rs } = filterWith('DROP');
    const ev = interpret(rs, fakeHost());
    expect(ev.evaluate(TableId.nat, Hook.PREROUTING, buildPacket())).toBe(Verdict.ACCEPT);
    expect(ev.evaluate(TableId.filter, Hook.PREROUTING, buildPacket())).toBe(Verdict.ACCEPT);
    const nat = ruleset('nat');
    chain(nat, 'nat', 'PREROUTING').rules.push(rule({ target: { kind: 'DNAT', range: null, random: false, randomFully: false, persistent: false } }));
    expect(interpret(nat, fakeHost({ natVerdict: Verdict.DROP })).evaluate(TableId.nat, Hook.PREROUTING, buildPacket())).toBe(Verdict.DROP);
  });

  it('loads nesting up to nf_tables\' limit (15 chains below a base chain) and refuses deeper nesting and loops at load', () => {
    const build = (depth: number) => {
      const { rs, fwd } = filterWith('ACCEPT');
      fwd.rules.push(rule({ target: jump('C1') }));
      for (let i = 1; i <= depth; i++) chain(rs, 'filter', `C${i}`).rules.push(rule({ target: i < depth ? jump(`C${i + 1}`) : DROP }));
      return rs;
    };
    expect(interpret(build(NFT_JUMP_STACK_SIZE - 1), fakeHost()).evaluate(TableId.filter, Hook.FORWARD, buildPacket())).toBe(Verdict.DROP);
    expect(() => interpret(build(NFT_JUMP_STACK_SIZE), fakeHost())).toThrow(BindError);
    const { rs, fwd } = filterWith('ACCEPT');
    fwd.rules.push(rule({ target: jump('L') }));
    chain(rs, 'filter', 'L').rules.push(rule({ target: jump('L') }));
    expect(() => interpret(rs, fakeHost())).toThrow(/jump loop/);
  });

  it('stateful matches run only when earlier tests pass (limit consults the clock in order)', () => {
    const { rs, fwd } = filterWith('DROP');
    fwd.rules.push(rule({ proto: 17, matches: [{ name: 'limit', avg: 10000, burst: 1 }], target: ACCEPT }));
    fwd.rules.push(rule({ matches: [{ name: 'limit', avg: 10000, burst: 2 }], target: ACCEPT }));
    const host = fakeHost();
    const ev = interpret(rs, host);
    const verdicts = [6, 6, 6, 17, 17].map((p) => ev.evaluate(TableId.filter, Hook.FORWARD, buildPacket({ proto: p })));
    expect(verdicts).toEqual([Verdict.ACCEPT, Verdict.ACCEPT, Verdict.DROP, Verdict.ACCEPT, Verdict.DROP]);
    // tcp: rule 2 only (3 calls); udp: rule 1 then (2nd packet) rule 1 and rule 2.
    expect(host.of('nowMs').length).toBe(3 + 1 + 2);
  });
});
