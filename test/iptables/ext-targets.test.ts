/**
 * Targets: REJECT, LOG, NFLOG, ULOG, MARK, CONNMARK, TOS, DSCP, ECN, TTL,
 * TCPMSS, CLASSIFY, SNAT, DNAT, MASQUERADE, REDIRECT, NETMAP, SAME, MIRROR,
 * NOTRACK, CT, TRACE: parse → save / -L -n text (A1, A2, real iptables),
 * refusals, and the kernel's table/hook/protocol checks.
 */
import { describe, expect, it } from 'vitest';
import { rejectTarget } from '../../src/iptables/ext/reject-target.js';
import { logTarget } from '../../src/iptables/ext/log-target.js';
import { nflogTarget } from '../../src/iptables/ext/nflog-target.js';
import { ulogTarget } from '../../src/iptables/ext/ulog-target.js';
import { markTarget } from '../../src/iptables/ext/mark-target.js';
import { connmarkTarget } from '../../src/iptables/ext/connmark-target.js';
import { tosTarget } from '../../src/iptables/ext/tos-target.js';
import { dscpTarget } from '../../src/iptables/ext/dscp-target.js';
import { ecnTarget } from '../../src/iptables/ext/ecn-target.js';
import { ttlTarget } from '../../src/iptables/ext/ttl-target.js';
import { tcpmssTarget } from '../../src/iptables/ext/tcpmss-target.js';
import { classifyTarget } from '../../src/iptables/ext/classify-target.js';
import { snatTarget } from '../../src/iptables/ext/snat-target.js';
import { dnatTarget } from '../../src/iptables/ext/dnat-target.js';
import { masqueradeTarget } from '../../src/iptables/ext/masquerade-target.js';
import { redirectTarget } from '../../src/iptables/ext/redirect-target.js';
import { netmapTarget } from '../../src/iptables/ext/netmap-target.js';
import { sameTarget } from '../../src/iptables/ext/same-target.js';
import { mirrorTarget } from '../../src/iptables/ext/mirror-target.js';
import { notrackTarget } from '../../src/iptables/ext/notrack-target.js';
import { ctTarget } from '../../src/iptables/ext/ct-target.js';
import { IptablesError } from '../../src/iptables/errors.js';
import type { HookName, Rule, TableName } from '../../src/rules/model.js';
import type { TargetExt } from '../../src/iptables/ext/types.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesSave } from '../../src/iptables/index.js';
import { check, drive, refused, table, words } from './ext-harness.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const TCP = { proto: 6 };

table('REJECT', rejectTarget, [
  ['', ' --reject-with icmp-port-unreachable', ' reject-with icmp-port-unreachable'],
  ['--reject-with host-unreach', ' --reject-with icmp-host-unreachable', ' reject-with icmp-host-unreachable'],
  ['--reject-with icmp', ' --reject-with icmp-net-unreachable', ' reject-with icmp-net-unreachable'],
  ['--reject-with ADMIN-PROHIB', ' --reject-with icmp-admin-prohibited', ' reject-with icmp-admin-prohibited'],
  ['--reject-with tcp-rst', ' --reject-with tcp-reset', ' reject-with tcp-reset'],
]);
refused('REJECT', rejectTarget, [['--reject-with echo-reply', 'unknown reject type "echo-reply"']]);

table('LOG', logTarget, [
  ['', '', ' LOG flags 0 level 4'],
  ['--log-prefix "test: " --log-level alert', ' --log-prefix "test: " --log-level 1', ' LOG flags 0 level 1 prefix "test: "'],
  ['--log-level 7 --log-prefix "a b"', ' --log-prefix "a b" --log-level 7', ' LOG flags 0 level 7 prefix "a b"'],
  ['--log-level emerg --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid',
    ' --log-level 0 --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid', ' LOG flags 15 level 0'],
  ['--log-prefix 0123456789012345678901234567890', ' --log-prefix 01234567890123456789012345678', ' LOG flags 0 level 4 prefix "01234567890123456789012345678"'],
]);
refused('LOG', logTarget, [
  ['--log-level bad', 'log level "bad" unknown'],
  ['--log-level warn', 'log level "warn" unknown'],
  ['--log-prefix ""', 'Argument must have a minimum length of 1 characters'],
]);
it('LOG names levels and flags without -n', () => {
  expect(drive(logTarget, words('--log-prefix "SYN: "')).printNames).toBe(' LOG level warn prefix "SYN: "');
  expect(drive(logTarget, words('--log-level 0 --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid')).printNames)
    .toBe(' LOG level emerg tcp-sequence tcp-options ip-options uid');
});

table('NFLOG', nflogTarget, [
  ['', '', ''],
  ['--nflog-group 0', '', ''],
  ['--nflog-group 65535', ' --nflog-group 65535', ' nflog-group 65535'],
  ['--nflog-threshold 1 --nflog-size 5 --nflog-group 2 --nflog-prefix "a b"',
    ' --nflog-prefix "a b" --nflog-group 2 --nflog-size 5 --nflog-threshold 1', ' nflog-prefix "a b" nflog-group 2 nflog-size 5 nflog-threshold 1'],
  ['--nflog-range 5', '', ''],
]);
refused('NFLOG', nflogTarget, [
  ['--nflog-group 65536', 'NFLOG: bad value for option "--nflog-group", or out of range (0-65535).'],
  ['--nflog-size 0 --nflog-range 3', 'NFLOG: option "--nflog-range" cannot be used together with "--nflog-size".'],
]);

table('ULOG', ulogTarget, [
  ['', '', ' ULOG copy_range 0 nlgroup 1 queue_threshold 1'],
  ['--ulog-nlgroup 2 --ulog-prefix "a b" --ulog-cprange 100 --ulog-qthreshold 10',
    ' --ulog-prefix "a b" --ulog-nlgroup 2 --ulog-cprange 100 --ulog-qthreshold 10', ' ULOG copy_range 100 nlgroup 2 prefix "a b" queue_threshold 10'],
]);
refused('ULOG', ulogTarget, [['--ulog-nlgroup 33', '--ulog-nlgroup has to be between 1 and 32']]);

table('MARK', markTarget, [
  ['--set-mark 5', ' --set-xmark 0x5/0xffffffff', ' MARK set 0x5'],
  ['--set-mark 0x5/0xff', ' --set-xmark 0x5/0xff', ' MARK xset 0x5/0xff'],
  ['--and-mark 0xff', ' --set-xmark 0x0/0xffffff00', ' MARK and 0xff'],
  ['--or-mark 0x10', ' --set-xmark 0x10/0x10', ' MARK or 0x10'],
  ['--xor-mark 0x10', ' --set-xmark 0x10/0x0', ' MARK xor 0x10'],
  ['--set-xmark 0x0', ' --set-xmark 0x0/0xffffffff', ' MARK and 0x0'],
  ['--set-xmark 0xfeedcafe/0xfeedcafe', ' --set-xmark 0xfeedcafe/0xfeedcafe', ' MARK or 0xfeedcafe'],
]);
refused('MARK', markTarget, [
  ['--set-xmark 4294967296', 'MARK: bad integer value for option "--set-xmark", or out of range.'],
  ['', 'MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required'],
  ['--set-mark 1 --or-mark 2', 'MARK: option "--set-mark" cannot be used together with "--or-mark".'],
]);

table('CONNMARK', connmarkTarget, [
  ['--restore-mark', ' --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff', ' CONNMARK restore'],
  ['--save-mark', ' --save-mark --nfmask 0xffffffff --ctmask 0xffffffff', ' CONNMARK save'],
  ['--save-mark --nfmask 0xfffffff --ctmask 0xffffffff', ' --save-mark --nfmask 0xfffffff --ctmask 0xffffffff', ' CONNMARK save nfmask 0xfffffff ctmask ~0xffffffff'],
  ['--restore-mark --nfmask 0xfffffff --ctmask 0xffffffff', ' --restore-mark --nfmask 0xfffffff --ctmask 0xffffffff', ' CONNMARK restore ctmask 0xffffffff nfmask ~0xfffffff'],
  ['--save-mark --mask 0xff', ' --save-mark --nfmask 0xff --ctmask 0xff', ' CONNMARK save mask 0xff'],
  ['--set-mark 1 --mask 0xff', ' --set-xmark 0x1/0xff', ' CONNMARK xset 0x1/0xff'],
  ['--and-mark 0xf', ' --set-xmark 0x0/0xfffffff0', ' CONNMARK and 0xf'],
]);
refused('CONNMARK', connmarkTarget, [['', 'CONNMARK target: No operation specified']]);

table('TOS', tosTarget, [
  ['--set-tos 0x1f', ' --set-tos 0x1f/0xff', ' TOS set 0x1f/0xff'],
  ['--set-tos Minimize-Delay', ' --set-tos 0x10/0x3f', ' TOS set 0x10/0x3f'],
  ['--and-tos 0x12', ' --set-tos 0x00/0xed', ' TOS set 0x00/0xed'],
  ['--or-tos 0x12', ' --set-tos 0x12/0x12', ' TOS set 0x12/0x12'],
  ['--xor-tos 0x12', ' --set-tos 0x12/0x00', ' TOS set 0x12/0x00'],
]);
refused('TOS', tosTarget, [['', 'TOS: An action is required'], ['--set-tos bogus', 'Symbolic name "bogus" is unknown']]);
it('TOS without -n: the symbolic quirk and the and/or/xor forms', () => {
  expect(drive(tosTarget, words('--set-tos 0x10/0x3f')).printNames).toBe('  TOS setMinimize-Delay');
  expect(drive(tosTarget, words('--and-tos 0x10')).printNames).toBe(' TOS and 0x10');
});

table('DSCP', dscpTarget, [
  ['--set-dscp 10', ' --set-dscp 0x0a', ' DSCP set 0x0a'],
  ['--set-dscp-class AF41', ' --set-dscp 0x22', ' DSCP set 0x22'],
]);
refused('DSCP', dscpTarget, [
  ['--set-dscp 0x40', 'DSCP: bad value for option "--set-dscp", or out of range (0-63).'],
  ['--set-dscp 0x3f --set-dscp-class CS0', 'DSCP: option "--set-dscp" cannot be used together with "--set-dscp-class".'],
  ['', 'DSCP target: Parameter --set-dscp is required'],
]);

table('ECN', ecnTarget, [
  ['--ecn-tcp-remove', ' --ecn-tcp-remove', ' ECN TCP remove'],
  ['--ecn-tcp-cwr 1 --ecn-tcp-ece 0 --ecn-ip-ect 3', ' --ecn-tcp-ece 0 --ecn-tcp-cwr 1 --ecn-ip-ect 3', ' ECN ECE=0 CWR=1 ECT codepoint=3'],
  ['--ecn-tcp-cwr 0 --ecn-tcp-ece 0', ' --ecn-tcp-remove', ' ECN TCP remove'],
  ['--ecn-tcp-remove --ecn-ip-ect 2', ' --ecn-tcp-ece 0 --ecn-tcp-cwr 0 --ecn-ip-ect 2', ' ECN ECE=0 CWR=0 ECT codepoint=2'],
]);
refused('ECN', ecnTarget, [['', 'ECN target: An operation is required']]);

table('TTL', ttlTarget, [
  ['--ttl-set 64', ' --ttl-set 64', ' TTL set to 64'],
  ['--ttl-inc 1', ' --ttl-inc 1', ' TTL increment by 1'],
  ['--ttl-dec 1', ' --ttl-dec 1', ' TTL decrement by 1'],
]);
refused('TTL', ttlTarget, [
  ['--ttl-inc 0', 'TTL: bad value for option "--ttl-inc", or out of range (1-255).'],
  ['--ttl-dec 1 --ttl-inc 1', 'TTL: option "--ttl-dec" cannot be used together with "--ttl-inc".'],
  ['--ttl-set --ttl-inc 1', 'TTL: bad value for option "--ttl-set", or out of range (0-255).'],
]);

table('TCPMSS', tcpmssTarget, [
  ['--set-mss 1400', ' --set-mss 1400', ' TCPMSS set 1400'],
  ['--clamp-mss-to-pmtu', ' --clamp-mss-to-pmtu', ' TCPMSS clamp to PMTU'],
  ['--set-mss 1000 --clamp-mss-to-pmtu', ' --clamp-mss-to-pmtu', ' TCPMSS clamp to PMTU'],
]);
refused('TCPMSS', tcpmssTarget, [
  ['', 'TCPMSS target: At least one parameter is required'],
  ['--set-mss 65516', 'TCPMSS: bad value for option "--set-mss", or out of range (0-65515).'],
]);

table('CLASSIFY', classifyTarget, [
  ['--set-class 1:10', ' --set-class 0001:0010', ' CLASSIFY set 1:10'],
  ['--set-class 0000:ffff', ' --set-class 0000:ffff', ' CLASSIFY set 0:ffff'],
]);
refused('CLASSIFY', classifyTarget, [['', 'CLASSIFY: option "--set-class" must be specified'], ['--set-class 1', 'Bad class value "1"']]);

describe('SNAT / DNAT', () => {
  it.each([
    [snatTarget, '--to-source 1.1.1.1-1.1.1.10', {}, ' --to-source 1.1.1.1-1.1.1.10', ' to:1.1.1.1-1.1.1.10'],
    [snatTarget, '--to-source 1.1.1.1 --persistent --random-fully --random', {}, ' --to-source 1.1.1.1 --random --random-fully --persistent', ' to:1.1.1.1 random random-fully persistent'],
    [snatTarget, '--to-source 1.1.1.1-1.1.1.10:1025-65535', TCP, ' --to-source 1.1.1.1-1.1.1.10:1025-65535', ' to:1.1.1.1-1.1.1.10:1025-65535'],
    [dnatTarget, '--to-destination 1.1.1.1:1000-2000/3000', TCP, ' --to-destination 1.1.1.1:1000-2000/3000', ' to:1.1.1.1:1000-2000/3000'],
    [dnatTarget, '--to-destination 1.1.1.1:10-20/ftp', TCP, ' --to-destination 1.1.1.1:10-20/21', ' to:1.1.1.1:10-20/21'],
    [dnatTarget, '--to-destination 1.1.1.1:ssh', TCP, ' --to-destination 1.1.1.1:22', ' to:1.1.1.1:22'],
    [dnatTarget, '--to-destination :8080', TCP, ' --to-destination :8080', ' to::8080'],
  ] as [TargetExt<any>, string, Partial<Rule>, string, string][])('%#: %s', (ext, input, rule, save, print) => {
    const d = drive(ext, words(input), rule);
    expect([d.save, d.print]).toEqual([save, print]);
  });
  it.each([
    [snatTarget, '--to-source 1.1.1.1:1025-65535', {}, 'Need TCP, UDP, SCTP or DCCP with port specification'],
    [snatTarget, '--to-source 1.1.1.1 --to-source 2.2.2.2', {}, 'SNAT: option "--to-source" can only be used once.'],
    [snatTarget, '', {}, 'SNAT: option "--to-source" must be specified'],
    [dnatTarget, '--to-destination 1.1.1.1-1.1.1.10:1025-65536', TCP, "Port `65536' not valid"],
    [dnatTarget, '--to-destination 1.1.1.1:1000-2000/0', TCP, "Port `0' not valid"],
    [dnatTarget, '--to-destination 1.1.1.1:echo-ssh', TCP, "Port `echo-ssh' not valid"],
    [dnatTarget, '--to-destination 10.0.0.1:90-80', TCP, "Port range `80' funky"],
    [dnatTarget, '--to-destination 10.0.0.1:80:90', TCP, 'Bad IP address "10.0.0.1:80:90"'],
  ] as [TargetExt<any>, string, Partial<Rule>, string][])('%#: refuses %s', (ext, input, rule, message) => {
    expect(() => drive(ext, words(input), rule)).toThrow(message);
  });
});

table('MASQUERADE', masqueradeTarget, [
  ['', '', ''],
  ['--random --random-fully', ' --random --random-fully', ' random random-fully'],
]);
table('REDIRECT', redirectTarget, [['--random', ' --random', ' random']]);
describe('MASQUERADE / REDIRECT ports', () => {
  it.each([
    [masqueradeTarget, '--to-ports 1024-65535', ' --to-ports 1024-65535', ' masq ports: 1024-65535'],
    [masqueradeTarget, '--to-ports 1000-2000/5', ' --to-ports 1000-2000/0', ' masq ports: 1000-2000/0'],
    [redirectTarget, '--to-ports 0', ' --to-ports 0', ' redir ports 0'],
    [redirectTarget, '--to-ports 512-512', ' --to-ports 512', ' redir ports 512'],
    [redirectTarget, '--to-ports ftp-data', ' --to-ports 20', ' redir ports 20'],
    [redirectTarget, '--to-ports 42-1234 --random', ' --to-ports 42-1234 --random', ' redir ports 42-1234 random'],
  ] as [TargetExt<any>, string, string, string][])('%#: %s', (ext, input, save, print) => {
    const d = drive(ext, words(input), TCP);
    expect([d.save, d.print]).toEqual([save, print]);
  });
  it.each([
    [redirectTarget, '--to-ports 42-1234/567', 'Shifted portmap ranges not supported with this kernel'],
    [redirectTarget, '--to-ports 10-ssh', "Port `ssh' not valid"],
    [masqueradeTarget, '--to-ports -1', "Port `-1' not valid"],
  ] as [TargetExt<any>, string, string][])('%#: refuses %s', (ext, input, message) => {
    expect(() => drive(ext, words(input), TCP)).toThrow(message);
  });
});

table('NETMAP', netmapTarget, [
  ['--to 1.2.3.0/24', ' --to 1.2.3.0/24', ' to:1.2.3.0/24'],
  ['--to 1.2.3.4', ' --to 1.2.3.4/32', ' to:1.2.3.4/32'],
  ['--to 192.168.0.0/8', ' --to 192.0.0.0/8', ' to:192.0.0.0/8'],
]);
refused('NETMAP', netmapTarget, [['', 'NETMAP: option "--to" must be specified']]);

table('SAME', sameTarget, [
  ['--to 10.0.0.1-10.0.0.5 --to 10.0.1.1 --nodst', ' --to 10.0.0.1-10.0.0.5 --to 10.0.1.1 --nodst', ' same:10.0.0.1-10.0.0.5 10.0.1.1 nodst'],
  ['--to 1.2.3.4 --random', ' --to 1.2.3.4 --random', ' same:1.2.3.4 random'],
]);
refused('SAME', sameTarget, [['', 'SAME needs --to']]);
table('MIRROR', mirrorTarget, [['', '', '']]);
table('NOTRACK', notrackTarget, [['', '', ' NOTRACK']]);
table('CT', ctTarget, [
  ['--notrack', ' --notrack', ' CT notrack'],
  ['--helper ftp', ' --helper ftp', ' CT helper ftp'],
  ['--zone 65535', ' --zone 65535', ' CT zone 65535'],
  ['--ctevents new,related,destroy,reply,assured,protoinfo,helper,mark', ' --ctevents new,related,destroy,reply,assured,protoinfo,helper,mark',
    ' CT ctevents new,related,destroy,reply,assured,protoinfo,helper,mark'],
  ['--expevents new', ' --expevents new', ' CT expevents new'],
  ['', '', ' CT'],
]);
refused('CT', ctTarget, [['--zone 65536', 'Cannot parse 65536 as a zone ID'], ['--zone -1', 'Cannot parse -1 as a zone ID']]);

describe('kernel checks', () => {
  const status = (ext: TargetExt<any>, input: string, tableName: TableName, hooks: HookName[], rule: Partial<Rule> = {}): number => {
    try {
      check(ext, drive(ext, words(input), rule), tableName, hooks, rule);
      return 0;
    } catch (e) {
      expect(e).toBeInstanceOf(IptablesError);
      return (e as IptablesError).status;
    }
  };
  it('REJECT: filter INPUT/FORWARD/OUTPUT; tcp-reset needs -p tcp', () => {
    expect(status(rejectTarget, '', 'filter', ['INPUT', 'FORWARD', 'OUTPUT'])).toBe(0);
    expect(status(rejectTarget, '', 'mangle', ['INPUT'])).toBe(4);
    expect(status(rejectTarget, '--reject-with tcp-reset', 'filter', ['INPUT'])).toBe(4);
    expect(status(rejectTarget, '--reject-with tcp-reset', 'filter', ['INPUT'], TCP)).toBe(0);
  });
  it('NAT targets: nat table and their hooks', () => {
    expect(status(snatTarget, '--to-source 1.2.3.4', 'nat', ['POSTROUTING', 'INPUT'])).toBe(0);
    expect(status(snatTarget, '--to-source 1.2.3.4', 'nat', ['OUTPUT'])).toBe(4);
    expect(status(snatTarget, '--to-source 1.2.3.4', 'filter', ['INPUT'])).toBe(4);
    expect(status(dnatTarget, '--to-destination 1.2.3.4', 'nat', ['POSTROUTING'])).toBe(4);
    expect(status(masqueradeTarget, '', 'nat', ['INPUT'])).toBe(4);
    expect(status(redirectTarget, '', 'nat', ['PREROUTING', 'OUTPUT'])).toBe(0);
    expect(status(netmapTarget, '--to 10.0.0.0/8', 'nat', ['INPUT', 'OUTPUT'])).toBe(0);
  });
  it('mangle-only targets, raw-only targets, TCPMSS and CLASSIFY hooks, CT helpers', () => {
    expect(status(ttlTarget, '--ttl-set 1', 'filter', ['INPUT'])).toBe(4);
    expect(status(tosTarget, '--set-tos 1', 'mangle', ['INPUT'])).toBe(0);
    expect(status(dscpTarget, '--set-dscp 1', 'filter', ['INPUT'])).toBe(4);
    expect(status(ecnTarget, '--ecn-tcp-remove', 'mangle', ['INPUT'])).toBe(4);
    expect(status(ecnTarget, '--ecn-ip-ect 1', 'mangle', ['INPUT'])).toBe(0);
    expect(status(notrackTarget, '', 'mangle', ['PREROUTING'])).toBe(4);
    expect(status(ctTarget, '--notrack', 'raw', ['PREROUTING'])).toBe(0);
    expect(status(ctTarget, '--helper nosuch', 'raw', ['PREROUTING'])).toBe(4);
    expect(status(tcpmssTarget, '--set-mss 1', 'mangle', ['FORWARD'])).toBe(4);
    expect(status(tcpmssTarget, '--clamp-mss-to-pmtu', 'mangle', ['PREROUTING'], TCP)).toBe(4);
    expect(status(tcpmssTarget, '--clamp-mss-to-pmtu', 'mangle', ['FORWARD'], TCP)).toBe(0);
    expect(status(classifyTarget, '--set-class 1:1', 'filter', ['OUTPUT'])).toBe(0);
    expect(status(classifyTarget, '--set-class 1:1', 'mangle', ['PREROUTING'])).toBe(4);
    expect(status(mirrorTarget, '', 'filter', ['OUTPUT'])).toBe(4);
  });
});

describe('rawgate-only targets through the command line', () => {
  it.each([
    ['nat', 'POSTROUTING', '-j SAME --to 10.0.0.1-10.0.0.3 --nodst', '-A POSTROUTING -j SAME --to 10.0.0.1-10.0.0.3 --nodst'],
    ['filter', 'INPUT', '-p icmp -j MIRROR', '-A INPUT -p icmp -j MIRROR'],
    ['filter', 'INPUT', '-j ULOG --ulog-prefix x --ulog-nlgroup 3', '-A INPUT -j ULOG --ulog-prefix x --ulog-nlgroup 3'],
  ])('%s %s %s', (t, chain, rule, save) => {
    const r = runIptables(['-t', t, '-A', chain, ...words(rule)], emptyRuleset());
    expect(r.stderr).toBe('');
    expect(runIptablesSave(['-t', t], r.ruleset).stdout).toContain(`${save}\n`);
  });
});
