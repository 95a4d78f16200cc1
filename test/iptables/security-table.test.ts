/**
 * The security table (NF_IP_PRI_SECURITY, after filter on INPUT, FORWARD and
 * OUTPUT), as iptables 1.8.9 on this machine's kernel shows it: the save
 * below was printed by Debian's iptables-save after the same commands in a
 * network namespace (tables in the nft backend's order: mangle, security,
 * raw, filter, nat).
 */
import { describe, expect, it } from 'vitest';
import { runIptables, runIptablesSave } from '../../src/iptables/index.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { HOOK_TABLES } from '../../src/rules/model.js';

const KERNEL_SAVE = `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A INPUT -j ACCEPT
COMMIT
*security
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -j ACCEPT
COMMIT
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -j ACCEPT
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -j ACCEPT
COMMIT
`;

describe('the security table', () => {
  it('loads, lists and saves in the order iptables-save prints', () => {
    let rs = emptyRuleset();
    for (const argv of [
      ['-t', 'raw', '-A', 'PREROUTING', '-j', 'ACCEPT'],
      ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-j', 'ACCEPT'],
      ['-t', 'security', '-A', 'INPUT', '-j', 'ACCEPT'],
      ['-t', 'mangle', '-A', 'INPUT', '-j', 'ACCEPT'],
    ]) {
      const r = runIptables(argv, rs);
      expect(r.status, r.stderr).toBe(0);
      rs = r.ruleset;
    }
    const saved = runIptablesSave([], rs).stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(saved).toBe(KERNEL_SAVE);
    const list = runIptables(['-t', 'security', '-L', '-n'], rs).stdout;
    expect(list).toMatch(/^Chain INPUT \(policy ACCEPT\)\ntarget +prot opt source +destination +\nACCEPT +0 +-- +0\.0\.0\.0\/0 +0\.0\.0\.0\/0/);
    expect(runIptables(['-t', 'security', '-A', 'PREROUTING', '-j', 'ACCEPT'], rs).status).not.toBe(0);
  });

  it('runs after filter on INPUT, FORWARD and OUTPUT (NF_IP_PRI_SECURITY = 50)', () => {
    expect(HOOK_TABLES.INPUT).toEqual(['mangle', 'filter', 'security', 'nat']);
    expect(HOOK_TABLES.FORWARD).toEqual(['mangle', 'filter', 'security']);
    expect(HOOK_TABLES.OUTPUT).toEqual(['raw', 'mangle', 'nat', 'filter', 'security']);
  });
});
