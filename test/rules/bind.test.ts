/**
 * Binding through the extension registry: extensions whose result rawgate
 * knows without reading the packet (a constant per rule), and those whose
 * descriptor refuses to bind, naming what rawgate lacks.
 */
import { describe, expect, it } from 'vitest';
import { BindError, bindMatch, bindTarget, createBindEnv, type MatchFn } from '../../src/rules/bind.js';
import type { Match } from '../../src/rules/matches.js';
import type { Target } from '../../src/rules/targets.js';
import { emptyRule } from '../../src/rules/model.js';
import { RecentTables } from '../../src/rules/state/recent.js';
import { Verdict } from '../../src/rules/verdict.js';
import { fakeHost } from './fake-host.js';
import { buildPacket } from './packet-builder.js';

const env = createBindEnv(fakeHost(), new RecentTables());
const bind = (m: Match): MatchFn => bindMatch(m, emptyRule(), env);
const bindT = (t: Target) => bindTarget(t, emptyRule(), env, 'mangle', 'FORWARD');

describe('cpu, realm, policy, physdev', () => {
  const ctx = buildPacket();
  it('cpu: rawgate is CPU 0', () => {
    expect(bind({ name: 'cpu', cpu: 0, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'cpu', cpu: 1, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'cpu', cpu: 1, invert: true })(ctx)).toBe(true);
  });
  it('realm: every route realm is 0', () => {
    expect(bind({ name: 'realm', id: 0, mask: 0xffffffff, invert: false })(ctx)).toBe(true);
    expect(bind({ name: 'realm', id: 1, mask: 0x2a, invert: false })(ctx)).toBe(false);
    expect(bind({ name: 'realm', id: 0x2a, mask: 0xffffffff, invert: true })(ctx)).toBe(true);
  });
  it('policy: no IPsec, so only --pol none matches', () => {
    expect(bind({ name: 'policy', dir: 'in', none: true, strict: false, elems: [] })(ctx)).toBe(true);
    expect(bind({ name: 'policy', dir: 'in', none: false, strict: false, elems: [{}] })(ctx)).toBe(false);
    expect(bind({ name: 'policy', dir: 'out', none: false, strict: true, elems: [{ reqid: 1, invReqid: true }] })(ctx)).toBe(false);
  });
  it('physdev: not bridged, so only fully inverted tests match', () => {
    expect(bind({ name: 'physdev', bitmask: 1, invert: 0, physIn: 'lo', physOut: '' })(ctx)).toBe(false);
    expect(bind({ name: 'physdev', bitmask: 1 | 8, invert: 1, physIn: 'lo', physOut: '' })(ctx)).toBe(false);
    expect(bind({ name: 'physdev', bitmask: 1 | 8, invert: 1 | 8, physIn: 'lo', physOut: '' })(ctx)).toBe(true);
    expect(bind({ name: 'physdev', bitmask: 4, invert: 4, physIn: '', physOut: '' })(ctx)).toBe(true);
  });
});

describe('LED and refused extensions', () => {
  it('LED only continues', () => {
    expect(bindT({ kind: 'LED', id: 'foo', delay: 0, alwaysBlink: false })(buildPacket())).toBe(Verdict.CONTINUE);
  });
  it('TEE, rpfilter, socket, osf, nfacct, IDLETIMER refuse to bind', () => {
    const ms: Match[] = [
      { name: 'rpfilter', flags: 0 },
      { name: 'socket', transparent: false, nowildcard: false, restoreSkmark: false },
      { name: 'osf', genre: 'linux', invert: false },
      { name: 'nfacct', acctName: 'x' },
    ];
    for (const m of ms) expect(() => bind(m)).toThrow(new RegExp(`^match '${m.name}': ${m.name} cannot be evaluated`));
    expect(() => bindT({ kind: 'TEE', gateway: 1, oif: '' })).toThrow(BindError);
    expect(() => bindT({ kind: 'IDLETIMER', timeout: 1, label: 'a', alarm: false })).toThrow(/IDLETIMER cannot be evaluated/);
  });
});
