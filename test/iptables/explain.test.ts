/**
 * `iptables [-t TABLE] --explain CHAIN` (rawgate's extension): the JIT's
 * generated code for a chain of the ruleset the command acts on, directly and
 * through the control socket; every other command line is iptables' own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/control/client.js';
import { ControlHandler } from '../../src/control/handler.js';
import { iptablesCommands } from '../../src/control/iptables-binding.js';
import { startControlServer } from '../../src/control/server.js';
import { explainRequest } from '../../src/iptables/cli/explain.js';
import { runIptables, runIptablesRestore } from '../../src/iptables/index.js';
import type { Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';

const RULES = `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:web - [0:0]
[3:120] -A INPUT -i lo -j ACCEPT
[5:500] -A INPUT -p tcp -j web
[7:700] -A web -p tcp -m tcp --dport 80 -m comment --comment "http" -j ACCEPT
COMMIT
`;

function load(): Ruleset {
  const r = runIptablesRestore(['-c'], RULES, emptyRuleset());
  expect(r.status).toBe(0);
  return r.ruleset;
}

describe('iptables --explain', () => {
  it('prints the generated code of the chain and the chains it reaches', () => {
    const rs = load();
    const r = runIptables(['--explain', 'INPUT'], rs);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('// rawgate JIT: table filter, chain INPUT (+ web)');
    expect(r.stdout).toContain('// #1 -i lo -j ACCEPT');
    expect(r.stdout).toContain('chain web');
    expect(r.stdout).toContain('policy DROP');
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(() => new Function('C', r.stdout)).not.toThrow();
    // The ruleset (and its counters) is left as it was.
    expect(r.ruleset).toBe(rs);
    expect(runIptables(['-L', '-v', '-x', '-n'], rs).stdout).toContain('       3      120 ACCEPT');
  });

  it('takes the table from -t in every spelling, before or after', () => {
    const rs = load();
    for (const argv of [['-t', 'filter', '--explain', 'web'], ['--explain=web', '-tfilter'], ['--table=filter', '--explain', 'web'], ['--tab', 'filter', '--explain', 'web']]) {
      const r = runIptables(argv, rs);
      expect(r.status, argv.join(' ')).toBe(0);
      expect(r.stdout).toContain('table filter, chain web');
    }
    // A table the ruleset does not have yet: its empty built-in chains, as -L shows them.
    const nat = runIptables(['-t', 'nat', '--explain', 'POSTROUTING'], rs);
    expect(nat.status).toBe(0);
    expect(nat.stdout).toContain('nat POSTROUTING: policy ACCEPT');
  });

  it('reports errors in iptables\' words', () => {
    const rs = load();
    expect(runIptables(['--explain', 'nope'], rs)).toMatchObject({ stdout: '', stderr: 'iptables: No chain/target/match by that name.\n', status: 1 });
    expect(runIptables(['-t', 'nat', '--explain', 'FORWARD'], rs)).toMatchObject({ stderr: 'iptables: No chain/target/match by that name.\n', status: 1 });
    expect(runIptables(['-t', 'bogus', '--explain', 'INPUT'], rs)).toMatchObject({
      stderr: "iptables v1.8.9 (nf_tables): table 'bogus' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n", status: 3,
    });
    expect(runIptables(['--explain'], rs)).toMatchObject({
      stderr: 'iptables v1.8.9 (nf_tables): option "--explain" requires an argument\nTry `iptables -h\' or \'iptables --help\' for more information.\n', status: 2,
    });
  });

  it('leaves every other command line to iptables', () => {
    expect(explainRequest(['-L'])).toBeNull();
    expect(explainRequest(['-A', 'INPUT', '-m', 'comment', '--comment', '--explain'])).toBeNull();
    expect(explainRequest(['-n', '--explain', 'INPUT'])).toBeNull();
    expect(explainRequest(['--explain', 'INPUT', '--explain', 'web'])).toBeNull();
    const rs = load();
    // A value that happens to be "--explain" is just a value.
    const a = runIptables(['-A', 'INPUT', '-m', 'comment', '--comment', '--explain'], rs);
    expect(a.status).toBe(0);
    expect(runIptables(['-S', 'INPUT'], a.ruleset).stdout).toContain('-A INPUT -m comment --comment --explain\n');
    // Mixed with iptables options it is not recognised: iptables' own error, unchanged.
    expect(runIptables(['-L', '--explain', 'INPUT'], rs)).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown option "--explain"') });
    // Abbreviations of real options keep working (--ex is --exact, not --explain).
    expect(runIptables(['-L', 'INPUT', '-v', '-n', '--ex'], rs).status).toBe(0);
  });

  it('works through the control socket against the live ruleset', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rgexplain-'));
    const sock = path.join(dir, 'rawgate.sock');
    const applied: Ruleset[] = [];
    const handler = new ControlHandler({ commands: iptablesCommands, ruleset: load(), apply: (rs) => { applied.push(rs); } });
    const server = await startControlServer({ path: sock, handle: (r) => handler.handle(r) });
    try {
      const add = await controlRequest(sock, { op: 'iptables', argv: ['-A', 'web', '-p', 'udp', '--dport', '53', '-j', 'ACCEPT'] });
      expect(add.status).toBe(0);
      const r = await controlRequest(sock, { op: 'iptables', argv: ['-t', 'filter', '--explain', 'web'] });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('// #2 -p 17 -m udp --dport 53 -j ACCEPT');
      // Explaining changes nothing: no ruleset applied for it.
      expect(applied).toHaveLength(1);
      const missing = await controlRequest(sock, { op: 'iptables', argv: ['--explain', 'LAN'] });
      expect(missing).toEqual({ stdout: '', stderr: 'iptables: No chain/target/match by that name.\n', status: 1 });
    } finally {
      await server.close();
    }
  });
});
