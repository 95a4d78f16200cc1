/** iptables-restore: line numbers in errors, per-table commits, and rawgate's atomic mode. */
import { describe, expect, it } from 'vitest';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesRestore, runIptablesSave, splitRestoreLine } from '../../src/iptables/index.js';

const strip = (s: string) => s.split('\n').filter((l) => !l.startsWith('#') && l !== '');

describe('iptables-restore', () => {
  it('an error on line N names line N and loads nothing of that table', () => {
    const input = '*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\n-A INPUT -p tcp --dport 99999\nCOMMIT\n';
    const r = runIptablesRestore([], input, emptyRuleset());
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "iptables-restore v1.8.9 (nf_tables): invalid port/service `99999' specified\nError occurred at line: 4\n" +
      "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n",
    );
    expect(r.ruleset.tables.size).toBe(0);
  });

  it('keeps tables committed before the error, as iptables does, unless atomic', () => {
    const input = '*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n-A POSTROUTING --bogus\nCOMMIT\n';
    const start = runIptables(['-A', 'OUTPUT', '-j', 'DROP'], emptyRuleset()).ruleset;
    const plain = runIptablesRestore([], input, start);
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain('Error occurred at line: 5');
    expect(strip(runIptablesSave([], plain.ruleset).stdout)).toContain('-A INPUT -j ACCEPT');
    const atomic = runIptablesRestore([], input, start, { atomic: true });
    expect(atomic.status).toBe(2);
    expect(atomic.ruleset).toBe(start);
  });

  it('edits in place only what its own block created: a failing --noflush block leaves earlier blocks and the input as they were', () => {
    const start = runIptables(['-A', 'FORWARD', '-j', 'DROP'], emptyRuleset()).ruleset;
    const before = runIptablesSave([], start).stdout;
    const input = '*filter\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n*filter\n-A INPUT -s 10.0.0.1 -j ACCEPT\n-A INPUT --bogus\nCOMMIT\n';
    const r = runIptablesRestore(['--noflush'], input, start);
    expect(r.status).toBe(2);
    expect(strip(runIptablesSave([], r.ruleset).stdout)).toEqual([
      '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]',
      '-A INPUT -j ACCEPT', '-A INPUT -j DROP', '-A FORWARD -j DROP', 'COMMIT',
    ]);
    expect(runIptablesSave([], start).stdout).toBe(before);
    // The result is an ordinary copy-on-write value again: later commands do not change it.
    const after = runIptablesSave([], r.ruleset).stdout;
    runIptables(['-A', 'INPUT', '-j', 'ACCEPT'], r.ruleset);
    expect(runIptablesSave([], r.ruleset).stdout).toBe(after);
  });

  it('`! -i +` / `! -o +` save, list and restore as iptables 1.8.9 prints them (recorded in a namespace)', () => {
    let rs = emptyRuleset();
    for (const a of [['-A', 'FORWARD', '!', '-i', '+', '-j', 'DROP'], ['-A', 'FORWARD', '!', '-o', '+', '-j', 'DROP'], ['-A', 'FORWARD', '-i', '+', '-j', 'ACCEPT']]) {
      rs = runIptables(a, rs).ruleset;
    }
    expect(runIptables(['-S', 'FORWARD'], rs).stdout).toBe('-P FORWARD ACCEPT\n-A FORWARD ! -i + -j DROP\n-A FORWARD ! -o + -j DROP\n-A FORWARD -j ACCEPT\n');
    expect(runIptables(['-L', 'FORWARD', '-v', '-n'], rs).stdout.split('\n').slice(2, 4)).toEqual([
      '    0     0 DROP       0    --  !+     *       0.0.0.0/0            0.0.0.0/0           ',
      '    0     0 DROP       0    --  *      !+      0.0.0.0/0            0.0.0.0/0           ',
    ]);
    const back = runIptablesRestore([], runIptablesSave([], rs).stdout, emptyRuleset());
    expect(strip(runIptablesSave([], back.ruleset).stdout)).toEqual(strip(runIptablesSave([], rs).stdout));
    expect(runIptables(['-D', 'FORWARD', '!', '-i', '+', '-j', 'DROP'], rs).status).toBe(0);
  });

  it('reports a jump to a chain missing at that point at the COMMIT line', () => {
    const r = runIptablesRestore([], '*filter\n-A INPUT -j later\n:later - [0:0]\nCOMMIT\n', emptyRuleset());
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      "iptables-restore v1.8.9 (nf_tables): Chain 'later' does not exist", 'Error occurred at line: 4',
    ]);
  });

  it('needs COMMIT', () => {
    const r = runIptablesRestore([], '*filter\n-A INPUT -j ACCEPT\n', emptyRuleset());
    expect(r).toMatchObject({ status: 1, stderr: 'iptables-restore: COMMIT expected at line 3\n' });
  });

  it('honours [p:b] counters only with -c, and policies counters likewise', () => {
    const input = '*filter\n:INPUT DROP [1:2]\n:foo - [0:0]\n[5:6] -A INPUT -j foo\n-A foo -j ACCEPT\nCOMMIT\n';
    const without = runIptablesRestore([], input, emptyRuleset());
    expect(strip(runIptablesSave(['-c'], without.ruleset).stdout)).toEqual([
      '*filter', ':INPUT DROP [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':foo - [0:0]',
      '[0:0] -A INPUT -j foo', '[0:0] -A foo -j ACCEPT', 'COMMIT',
    ]);
    const withC = runIptablesRestore(['-c'], input, emptyRuleset());
    expect(strip(runIptablesSave(['-c'], withC.ruleset).stdout)).toEqual([
      '*filter', ':INPUT DROP [1:2]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':foo - [0:0]',
      '[5:6] -A INPUT -j foo', '[0:0] -A foo -j ACCEPT', 'COMMIT',
    ]);
  });

  it('--noflush appends; -T restores one table; -t only tests', () => {
    const start = runIptables(['-A', 'INPUT', '-j', 'ACCEPT'], emptyRuleset()).ruleset;
    const nf = runIptablesRestore(['-n'], '*filter\n-A OUTPUT -j DROP\nCOMMIT\n', start);
    expect(strip(runIptablesSave([], nf.ruleset).stdout)).toContain('-A INPUT -j ACCEPT');
    const t = runIptablesRestore(['-T', 'nat'], '*filter\n-A OUTPUT -j DROP\nCOMMIT\n*nat\n-A OUTPUT -j ACCEPT\nCOMMIT\n', start);
    const saved = strip(runIptablesSave([], t.ruleset).stdout);
    expect(saved).toContain('-A INPUT -j ACCEPT');
    expect(saved).not.toContain('-A OUTPUT -j DROP');
    expect(runIptablesRestore(['-t'], '*filter\n-A OUTPUT -j DROP\nCOMMIT\n', start).ruleset).toBe(start);
  });

  it('splits words with iptables-restore quoting', () => {
    expect(splitRestoreLine('-A INPUT -m comment --comment "a b" -j ACCEPT')).toEqual(['-A', 'INPUT', '-m', 'comment', '--comment', 'a b', '-j', 'ACCEPT']);
    expect(splitRestoreLine('--comment "x\\"y" --comment ""')).toEqual(['--comment', 'x"y', '--comment', '']);
    expect(splitRestoreLine("--comment 'single quoted'")).toEqual(['--comment', "'single", "quoted'"]);
  });
});
