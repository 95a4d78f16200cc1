/**
 * Error cases: the message and exit status iptables 1.8.9 (nft) gives
 * (netfilter-behaviour.md §2.5, confirmed by test/iptables/fixtures).
 */
import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables } from '../../src/iptables/index.js';

const TRY = "Try `iptables -h' or 'iptables --help' for more information.\n";
const P = 'iptables v1.8.9 (nf_tables): ';

function run(rs: Ruleset, ...cmds: string[][]): { rs: Ruleset; last: ReturnType<typeof runIptables> } {
  let last = runIptables([], rs);
  for (const c of cmds) {
    last = runIptables(c, rs);
    rs = last.ruleset;
  }
  return { rs, last };
}

const cases: [string, string[][], number, string][] = [
  ['unknown match', [['-A', 'INPUT', '-m', 'nosuch']], 2, `${P}Couldn't load match \`nosuch':No such file or directory\n\n${TRY}`],
  ['missing argument', [['-A', 'INPUT', '-s']], 2, `${P}option "-s" requires an argument\n${TRY}`],
  ['missing extension argument', [['-A', 'INPUT', '-p', 'tcp', '--dport']], 2, `${P}option "--dport" requires an argument\n${TRY}`],
  ['bad port', [['-A', 'INPUT', '-p', 'tcp', '--dport', '65536']], 2, `${P}invalid port/service \`65536' specified\n${TRY}`],
  ['option before -p', [['-A', 'INPUT', '--dport', '80', '-p', 'tcp']], 2, `${P}unknown option "--dport"\n${TRY}`],
  ['bad address', [['-A', 'INPUT', '-s', '1.2.3.256']], 2, `${P}host/network \`1.2.3.256' not found\n${TRY}`],
  ['bad mask', [['-A', 'INPUT', '-s', '1.2.3.4/33']], 2, `${P}invalid mask \`33' specified\n${TRY}`],
  ['unknown chain', [['-A', 'nosuch', '-j', 'ACCEPT']], 1, 'iptables: No chain/target/match by that name.\n'],
  ['jump to a missing chain', [['-A', 'INPUT', '-j', 'nosuch']], 2, `${P}Chain 'nosuch' does not exist\n${TRY}`],
  ['deleting a missing rule', [['-A', 'INPUT', '-j', 'DROP'], ['-D', 'INPUT', '-j', 'ACCEPT']], 1,
    'iptables: Bad rule (does a matching rule exist in that chain?).\n'],
  ['policy on a user chain', [['-N', 'bar'], ['-P', 'bar', 'DROP']], 1, 'iptables: Bad built-in chain name.\n'],
  ['bad policy', [['-P', 'INPUT', 'REJECT']], 1, "iptables: Bad policy name. Run `dmesg' for more information.\n"],
  ['-X non-empty chain', [['-N', 'foo'], ['-A', 'foo', '-j', 'ACCEPT'], ['-X', 'foo']], 4,
    `${P} CHAIN_DEL failed (Device or resource busy): chain foo\n`],
  ['-X referenced chain', [['-N', 'foo'], ['-A', 'INPUT', '-j', 'foo'], ['-X', 'foo']], 4,
    `${P} CHAIN_DEL failed (Device or resource busy): chain foo\n`],
  ['insert index too big', [['-I', 'INPUT', '3', '-j', 'ACCEPT']], 1, 'iptables: Index of insertion too big.\n'],
  ['delete index too big', [['-A', 'INPUT'], ['-D', 'INPUT', '5']], 1, 'iptables: Index of deletion too big.\n'],
  ['replace index too big', [['-R', 'INPUT', '1', '-j', 'ACCEPT']], 1, 'iptables: Index of replacement too big.\n'],
  ['chain exists', [['-N', 'foo'], ['-N', 'foo']], 1, 'iptables: Chain already exists.\n'],
  ['-o with INPUT', [['-A', 'INPUT', '-o', 'eth0']], 2, `${P}Can't use -o with INPUT\n\n${TRY}`],
  ['interface too long', [['-A', 'FORWARD', '-i', 'thisinterfaceistoolong0']], 2,
    `${P}interface name \`thisinterfaceistoolong0' must be shorter than IFNAMSIZ (15)\n${TRY}`],
  ['tcp match without -p tcp', [['-A', 'INPUT', '-m', 'tcp', '--dport', '1']], 2, `${P}TCP match requires '-p tcp'\n${TRY}`],
  ['icmp match without -p icmp (kernel)', [['-A', 'INPUT', '-m', 'icmp', '--icmp-type', '8']], 4,
    `${P} RULE_APPEND failed (Invalid argument): rule in chain INPUT\n`],
  ['loop reachable from a base chain', [['-N', 'a'], ['-A', 'INPUT', '-j', 'a'], ['-A', 'a', '-g', 'a']], 4,
    `${P} RULE_APPEND failed (Too many links): rule in chain a\n`],
  ['-L of a missing chain (1.8.9 message)', [['-L', 'nosuch']], 1, `${P}chain \`nosuch' in table \`filter' is incompatible, use 'nft' tool.\n`],
  ['unknown table', [['-t', 'nosuch', '-L']], 3, `${P}table 'nosuch' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n`],
  ['bad argument', [['-A', 'INPUT', '1', '-j', 'ACCEPT']], 2, `Bad argument \`1'\n${TRY}`],
  ['nat DROP', [['-t', 'nat', '-A', 'POSTROUTING', '-j', 'DROP']], 2,
    `${P}\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n\n${TRY}`],
];

describe('iptables error messages and exit status', () => {
  for (const [name, cmds, status, stderr] of cases) {
    it(name, () => {
      const before = run(emptyRuleset(), ...cmds.slice(0, -1)).rs;
      const r = runIptables(cmds[cmds.length - 1]!, before);
      expect(r.stderr).toBe(stderr);
      expect(r.status).toBe(status);
      expect(r.ruleset).toBe(before);
    });
  }
});
