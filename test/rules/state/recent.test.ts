import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv, recentTablesOf } from '../../../src/rules/bind.js';
import type { RecentMatch } from '../../../src/iptables/ext/recent.js';
import { emptyRule, Hook } from '../../../src/rules/model.js';
import { IP_LIST_TOT, RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const rm = (p: Partial<RecentMatch>): RecentMatch => ({
  name: 'recent', mode: 'rcheck', invert: false, seconds: 0, reap: false, hitcount: 0, rttl: false,
  listName: 'DEFAULT', mask: 0xffffffff, side: 'source', ...p,
});

function setup() {
  const host = fakeHost({ recordNow: false });
  const recent = new RecentTables();
  const env = createBindEnv(host, recent);
  const bind = (p: Partial<RecentMatch>) => bindMatch(rm(p), emptyRule(), env);
  return { host, recent, bind };
}

describe('recent (xt_recent)', () => {
  it('--set always matches (never with "!") and records the address', () => {
    const { recent, bind } = setup();
    const set = bind({ mode: 'set' }), notSet = bind({ mode: 'set', invert: true, listName: 'B' });
    const ctx = buildPacket({ saddr: ip('10.9.9.9') });
    expect(set(ctx)).toBe(true);
    expect(set(ctx)).toBe(true);
    expect(notSet(ctx)).toBe(false);
    const e = recent.find('DEFAULT')!.entries();
    expect(e.map((x) => x.addr)).toEqual([ip('10.9.9.9')]);
    expect(e[0]!.stamps.length).toBe(2);
    expect(recent.find('B')!.entries().length).toBe(1);
  });

  it('--rcheck matches an existing entry; --remove deletes it and matches', () => {
    const { bind } = setup();
    const set = bind({ mode: 'set' }), check = bind({ mode: 'rcheck' }), rm1 = bind({ mode: 'remove' });
    const ctx = buildPacket();
    expect(check(ctx)).toBe(false);
    expect(bind({ mode: 'rcheck', invert: true })(ctx)).toBe(true);
    set(ctx);
    expect(check(ctx)).toBe(true);
    expect(rm1(ctx)).toBe(true);
    expect(check(ctx)).toBe(false);
    expect(rm1(ctx)).toBe(false);
  });

  it('the observed kernel case: rcheck --seconds 60 --hitcount 3 DROP before --set: 5 pings → 3 pass, 2 dropped', () => {
    const { host, bind } = setup();
    const drop = bind({ mode: 'rcheck', seconds: 60, hitcount: 3 }), set = bind({ mode: 'set' });
    const ctx = buildPacket({ proto: 1 });
    const passed: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      host.now += 1000;
      if (drop(ctx)) { passed.push(false); continue; }
      set(ctx);
      passed.push(true);
    }
    expect(passed).toEqual([true, true, true, false, false]);
  });

  it('--seconds window: old stamps do not count', () => {
    const { host, bind } = setup();
    const set = bind({ mode: 'set' }), check = bind({ mode: 'rcheck', seconds: 10 });
    const ctx = buildPacket();
    set(ctx);
    host.now += 10_000;
    expect(check(ctx)).toBe(true); // exactly 10 s old still counts
    host.now += 1;
    expect(check(ctx)).toBe(false);
  });

  it('--update refreshes only when it matched', () => {
    const { host, recent, bind } = setup();
    const set = bind({ mode: 'set' }), upd = bind({ mode: 'update', seconds: 5 });
    const ctx = buildPacket();
    set(ctx);
    host.now += 4000;
    expect(upd(ctx)).toBe(true); // refreshed at +4 s
    host.now += 4000;
    expect(upd(ctx)).toBe(true); // within 5 s of the refresh
    host.now += 6000;
    expect(upd(ctx)).toBe(false); // no refresh on a miss
    expect(recent.find('DEFAULT')!.entries()[0]!.stamps.length).toBe(3);
  });

  it('--update with "!" refreshes when the inverted result is true (kernel)', () => {
    const { host, recent, bind } = setup();
    const set = bind({ mode: 'set' }), upd = bind({ mode: 'update', seconds: 5, invert: true });
    const ctx = buildPacket();
    set(ctx);
    host.now += 10_000;
    expect(upd(ctx)).toBe(true);
    expect(recent.find('DEFAULT')!.entries()[0]!.stamps.length).toBe(2);
  });

  it('--mask and --rdest choose the key', () => {
    const { bind } = setup();
    const set = bind({ mode: 'set', mask: 0xffffff00 }), check = bind({ mode: 'rcheck', mask: 0xffffff00 });
    expect(set(buildPacket({ saddr: ip('10.1.2.3') }))).toBe(true);
    expect(check(buildPacket({ saddr: ip('10.1.2.99') }))).toBe(true);
    expect(check(buildPacket({ saddr: ip('10.1.3.3') }))).toBe(false);
    const dset = bind({ mode: 'set', side: 'dest', listName: 'D' }), dcheck = bind({ mode: 'rcheck', listName: 'D' });
    dset(buildPacket({ daddr: ip('192.0.2.5') }));
    expect(dcheck(buildPacket({ saddr: ip('192.0.2.5') }))).toBe(true);
  });

  it('--rttl: TTL must match; forwarded packets are compared with TTL + 1', () => {
    const { bind } = setup();
    const set = bind({ mode: 'set' }), check = bind({ mode: 'rcheck', rttl: true });
    const input = buildPacket({ ttl: 64 });
    input.hook = Hook.INPUT;
    set(input);
    expect(check(input)).toBe(true);
    const other = buildPacket({ ttl: 60 });
    other.hook = Hook.INPUT;
    expect(check(other)).toBe(false);
    // The same sender's packet seen in FORWARD after the decrement: 63 + 1 = 64.
    const fwd = buildPacket({ ttl: 63 });
    fwd.hook = Hook.FORWARD;
    expect(check(fwd)).toBe(true);
    fwd.local = true; // locally generated: no adjustment
    expect(check(fwd)).toBe(false);
  });

  it('--reap removes the stale least recently used entry', () => {
    const { host, recent, bind } = setup();
    const set = bind({ mode: 'set' }), check = bind({ mode: 'rcheck', seconds: 5, reap: true });
    set(buildPacket({ saddr: ip('10.0.0.1') }));
    host.now += 10_000;
    set(buildPacket({ saddr: ip('10.0.0.2') }));
    expect(check(buildPacket({ saddr: ip('10.0.0.2') }))).toBe(true);
    expect(recent.find('DEFAULT')!.entries().map((e) => e.addr)).toEqual([ip('10.0.0.2')]);
  });

  it('holds 100 entries, evicting the least recently used', () => {
    const { host, recent, bind } = setup();
    const set = bind({ mode: 'set' }), check = bind({ mode: 'rcheck' });
    for (let i = 0; i < IP_LIST_TOT; i++) { host.now += 1; set(buildPacket({ saddr: 0x0a000000 + i })); }
    host.now += 1;
    set(buildPacket({ saddr: 0x0a000000 })); // refresh the first: now most recent
    host.now += 1;
    set(buildPacket({ saddr: 0x0b000000 })); // evicts 10.0.0.1, the LRU
    expect(recent.find('DEFAULT')!.count).toBe(IP_LIST_TOT);
    expect(check(buildPacket({ saddr: 0x0a000000 }))).toBe(true);
    expect(check(buildPacket({ saddr: 0x0a000001 }))).toBe(false);
    expect(check(buildPacket({ saddr: 0x0b000000 }))).toBe(true);
  });

  it('timestamp ring: 32 by default, grows for larger hitcounts', () => {
    const { host, recent, bind } = setup();
    const set = bind({ mode: 'set' });
    const ctx = buildPacket();
    for (let i = 0; i < 40; i++) { host.now += 1; set(ctx); }
    const e = recent.find('DEFAULT')!.entries()[0]!;
    expect(e.stamps.length).toBe(32);
    expect(e.stamps[31]).toBe(host.now);
    expect(e.stamps[0]).toBe(host.now - 31);
    const check = bind({ mode: 'rcheck', hitcount: 40 });
    expect(recent.find('DEFAULT')!.stampCap).toBe(64);
    expect(check(ctx)).toBe(false); // the regrow flushed the list
    for (let i = 0; i < 40; i++) { host.now += 1; set(ctx); }
    expect(check(ctx)).toBe(true);
  });

  it('lists are shared by rules and belong to the host across rebinds', () => {
    const host = fakeHost({ recordNow: false });
    const a = bindMatch(rm({ mode: 'set' }), emptyRule(), createBindEnv(host));
    const b = bindMatch(rm({ mode: 'rcheck' }), emptyRule(), createBindEnv(host));
    a(buildPacket());
    expect(b(buildPacket())).toBe(true);
    expect(recentTablesOf(host).names()).toEqual(['DEFAULT']);
  });
});
