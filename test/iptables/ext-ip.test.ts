/**
 * ah, esp, dscp, ecn, iprange, length, mac, multiport, owner, pkttype,
 * tcpmss, tos, ttl, addrtype, unclean: parse → save / -L -n text (A1, A2,
 * real iptables), refusals, and the kernel checks they make.
 */
import { describe, expect, it } from 'vitest';
import { ahMatch } from '../../src/iptables/ext/ah.js';
import { espMatch } from '../../src/iptables/ext/esp.js';
import { dscpMatch } from '../../src/iptables/ext/dscp.js';
import { ecnMatch } from '../../src/iptables/ext/ecn.js';
import { iprangeMatch } from '../../src/iptables/ext/iprange.js';
import { lengthMatch } from '../../src/iptables/ext/length.js';
import { macMatch } from '../../src/iptables/ext/mac.js';
import { multiportMatch } from '../../src/iptables/ext/multiport.js';
import { ownerMatch } from '../../src/iptables/ext/owner.js';
import { pkttypeMatch } from '../../src/iptables/ext/pkttype.js';
import { tcpmssMatch } from '../../src/iptables/ext/tcpmss.js';
import { tosMatch } from '../../src/iptables/ext/tos.js';
import { ttlMatch } from '../../src/iptables/ext/ttl.js';
import { addrtypeMatch } from '../../src/iptables/ext/addrtype.js';
import { uncleanMatch } from '../../src/iptables/ext/unclean.js';
import { IptablesError } from '../../src/iptables/errors.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesSave } from '../../src/iptables/index.js';
import { check, drive, refused, table, words } from './ext-harness.js';

table('ah', ahMatch, [
  ['--ahspi 0', ' --ahspi 0', ' ah spi:0'],
  ['--ahspi 0:4294967295', '', ' ah '],
  ['! --ahspi 0', ' ! --ahspi 0', ' ah spi:!0'],
  ['--ahspi 100:200', ' --ahspi 100:200', ' ah spis:100:200'],
  ['', '', ' ah '],
]);
refused('ah', ahMatch, [
  ['--ahspi -1', 'ah: bad value for option "--ahspi" near "-1", or out of range (0-4294967295).'],
  ['--ahspi 0:invalid', 'ah: bad value for option "--ahspi" near "invalid", or out of range (0-4294967295).'],
]);
table('esp', espMatch, [
  ['--espspi :32', ' --espspi 0:32', ' esp spis:0:32'],
  ['--espspi 0:4294967295', '', ' esp'],
  ['! --espspi 0:4294967294', ' ! --espspi 0:4294967294', ' esp spis:!0:4294967294'],
  ['--espspi 100', ' --espspi 100', ' esp spi:100'],
]);

table('dscp', dscpMatch, [
  ['--dscp 0x3f', ' --dscp 0x3f', ' DSCP match 0x3f'],
  ['! --dscp 10', ' ! --dscp 0x0a', ' DSCP match !0x0a'],
  ['--dscp-class EF', ' --dscp 0x2e', ' DSCP match 0x2e'],
  ['! --dscp-class af41', ' ! --dscp 0x22', ' DSCP match !0x22'],
]);
refused('dscp', dscpMatch, [
  ['--dscp 0x40', 'dscp: bad value for option "--dscp", or out of range (0-63).'],
  ['--dscp 0x3f --dscp-class CS0', 'dscp: option "--dscp" cannot be used together with "--dscp-class".'],
  ['--dscp-class CS0 --dscp 1', 'dscp: option "--dscp" cannot be used together with "--dscp-class".'],
  ['', 'DSCP match: Parameter --dscp is required'],
  ['--dscp-class XX', "Invalid DSCP value `XX'"],
]);

table('ecn', ecnMatch, [
  ['--ecn-tcp-cwr', ' --ecn-tcp-cwr', ' ECN match CWR'],
  ['--ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 2', ' --ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 2', ' ECN match ECE CWR ECT=2'],
  ['! --ecn-tcp-ece ! --ecn-tcp-cwr ! --ecn-ip-ect 2', ' ! --ecn-tcp-ece ! --ecn-tcp-cwr ! --ecn-ip-ect 2', ' ECN match !ECE !CWR !ECT=2'],
]);
refused('ecn', ecnMatch, [['', 'ECN match: some option required']]);

table('iprange', iprangeMatch, [
  ['--src-range 1.1.1.1-1.1.1.10', ' --src-range 1.1.1.1-1.1.1.10', ' source IP range 1.1.1.1-1.1.1.10'],
  ['! --dst-range 1.1.1.1-1.1.1.10', ' ! --dst-range 1.1.1.1-1.1.1.10', ' destination IP range ! 1.1.1.1-1.1.1.10'],
  ['--src-range 10.0.0.5', ' --src-range 10.0.0.5-10.0.0.5', ' source IP range 10.0.0.5-10.0.0.5'],
]);
refused('iprange', iprangeMatch, [
  ['', "iprange match: You must specify `--src-range' or `--dst-range'"],
  ['--src-range 10.0.0.1-bad', 'iprange: Bad value for "--src-range" option: "bad"'],
]);

table('length', lengthMatch, [
  ['--length :2', ' --length 0:2', ' length 0:2'],
  ['--length 4:', ' --length 4:65535', ' length 4:65535'],
  ['! --length 100:200', ' ! --length 100:200', ' length !100:200'],
  ['--length 1', ' --length 1', ' length 1'],
]);
refused('length', lengthMatch, [
  ['--length 0:65536', 'length: bad value for option "--length" near "65536", or out of range (0-65535).'],
  ['--length -1:65535', 'length: bad value for option "--length" near "-1:65535", or out of range (0-65535).'],
  ['', 'length: option "--length" must be specified'],
]);

table('mac', macMatch, [
  ['--mac-source 42:01:02:03:04:05', ' --mac-source 42:01:02:03:04:05', ' MAC 42:01:02:03:04:05'],
  ['! --mac-source AA:bb:cc:dd:ee:ff', ' ! --mac-source aa:bb:cc:dd:ee:ff', ' MAC ! aa:bb:cc:dd:ee:ff'],
  ['--mac-source 1:2:3:4:5:6', ' --mac-source 01:02:03:04:05:06', ' MAC 01:02:03:04:05:06'],
]);
refused('mac', macMatch, [
  ['--mac-source 42:01:02:03:04', 'Invalid MAC address specified.'],
  ['--mac-source 42:01:02:03:04:05:06', 'Invalid MAC address specified.'],
  ['', 'mac: option "--mac-source" must be specified'],
]);

describe('multiport', () => {
  const tcp = { proto: 6 };
  it.each([
    ['--sports 53,1024:65535', ' --sports 53,1024:65535', ' multiport sports 53,1024:65535'],
    ['! --dports 1,2:3', ' ! --dports 1,2:3', ' multiport dports  !1,2:3'],
    ['--ports ssh,http', ' --ports 22,80', ' multiport ports 22,80'],
    ['--destination-ports 3', ' --dports 3', ' multiport dports 3'],
  ])('%s', (input, save, print) => {
    const d = drive(multiportMatch, words(input), tcp);
    expect([d.save, d.print]).toEqual([save, print]);
  });
  it('names services without -n', () => {
    expect(drive(multiportMatch, words('--dports 22,80'), tcp).printNames).toBe(' multiport dports ssh,http');
  });
  it.each([
    ['--sports 1024:65536', { proto: 6 }, "invalid port/service `65536' specified"],
    ['--dports 1', { proto: 0 }, "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'"],
    ['--dports 1', { proto: 1 }, 'multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP'],
    ['--dports 3:3', { proto: 6 }, 'invalid portrange specified'],
    ['--ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16', { proto: 6 }, 'too many ports specified'],
    ['--dports 1 --sports 2', { proto: 6 }, 'multiport: option "--source-ports" cannot be used together with "--destination-ports".'],
    ['', { proto: 6 }, 'multiport expection an option'],
  ])('refuses %s', (input, rule, message) => {
    expect(() => drive(multiportMatch, words(input), rule)).toThrow(message);
  });
});

table('owner', ownerMatch, [
  ['--uid-owner root', ' --uid-owner 0', ' owner UID match 0'],
  ['--uid-owner 0-10 --gid-owner 0-10', ' --uid-owner 0-10 --gid-owner 0-10', ' owner UID match 0-10 owner GID match 0-10'],
  ['! --uid-owner root', ' ! --uid-owner 0', ' ! owner UID match 0'],
  ['--gid-owner 0-10 --suppl-groups', ' --gid-owner 0-10 --suppl-groups', ' owner GID match 0-10 incl. suppl. groups'],
  ['--uid-owner 0 --socket-exists --gid-owner 5', ' --socket-exists --uid-owner 0 --gid-owner 5', ' owner socket exists owner UID match 0 owner GID match 5'],
]);
refused('owner', ownerMatch, [
  ['--suppl-groups --gid-owner 0-10', 'owner: Bad value for "--suppl-groups" option: "you need to use --gid-owner first"'],
  ['--uid-owner nosuchuser', 'owner: Bad value for "--uid-owner" option: "nosuchuser"'],
]);
it('owner names users without -n', () => {
  expect(drive(ownerMatch, words('--uid-owner 0')).printNames).toBe(' owner UID match root');
});

table('pkttype', pkttypeMatch, [
  ['--pkt-type unicast', ' --pkt-type unicast', ' PKTTYPE = unicast'],
  ['! --pkt-type broadcast', ' ! --pkt-type broadcast', ' PKTTYPE != broadcast'],
  ['--pkt-type mcast', ' --pkt-type multicast', ' PKTTYPE = multicast'],
  ['--pkt-type otherhost', ' --pkt-type otherhost', ' PKTTYPE = otherhost'],
]);
refused('pkttype', pkttypeMatch, [['--pkt-type wrong', "Bad packet type 'wrong'"], ['', 'pkttype: option "--pkt-type" must be specified']]);

table('tcpmss', tcpmssMatch, [
  ['--mss 42', ' --mss 42', ' tcpmss match 42'],
  ['--mss 42:12345', ' --mss 42:12345', ' tcpmss match 42:12345'],
  ['! --mss :536', ' ! --mss 0:536', ' tcpmss match !0:536'],
]);
refused('tcpmss', tcpmssMatch, [
  ['--mss 42:65536', 'tcpmss: bad value for option "--mss" near "65536", or out of range (0-65535).'],
  ['--mss 65535:1000', 'tcpmss: invalid range given'],
]);

table('tos', tosMatch, [
  ['--tos Minimize-Delay', ' --tos 0x10/0x3f', ' tos match0x10/0x3f'],
  ['--tos Normal-Service', ' --tos 0x00/0x3f', ' tos match0x00/0x3f'],
  ['! --tos 0xff', ' ! --tos 0xff/0xff', ' tos match!0xff/0xff'],
  ['--tos 0x0f/0x0f', ' --tos 0x0f/0x0f', ' tos match0x0f/0x0f'],
]);
refused('tos', tosMatch, [['--tos wrong', 'Symbolic name "wrong" is unknown'], ['', 'tos: option "--tos" must be specified']]);
it('tos names symbolic values without -n', () => {
  expect(drive(tosMatch, words('--tos 0x10/0x3f')).printNames).toBe(' tos match Minimize-Delay');
});

table('ttl', ttlMatch, [
  ['--ttl-eq 0', ' --ttl-eq 0', ' TTL match TTL == 0'],
  ['! --ttl-eq 255', ' ! --ttl-eq 255', ' TTL match TTL != 255'],
  ['--ttl-gt 0', ' --ttl-gt 0', ' TTL match TTL > 0'],
  ['--ttl-lt 5', ' --ttl-lt 5', ' TTL match TTL < 5'],
  ['--ttl 5', ' --ttl-eq 5', ' TTL match TTL == 5'],
]);
refused('ttl', ttlMatch, [
  ['--ttl-eq 256', 'ttl: bad value for option "--ttl-eq", or out of range (0-255).'],
  ['', "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt"],
  ['--ttl-eq 1 --ttl-gt 2', 'ttl: option "--ttl-gt" cannot be used together with "--ttl-eq".'],
  ['--ttl-lt 3 --ttl-gt 4', 'ttl: option "--ttl-lt" cannot be used together with "--ttl-gt".'],
]);

table('addrtype', addrtypeMatch, [
  ['--src-type UNSPEC', ' --src-type UNSPEC', ' ADDRTYPE match src-type UNSPEC'],
  ['--src-type LOCAL --dst-type LOCAL', ' --src-type LOCAL --dst-type LOCAL', ' ADDRTYPE match src-type LOCAL dst-type LOCAL'],
  ['! --src-type LOCAL,unicast --dst-type LOC', ' ! --src-type UNICAST,LOCAL --dst-type LOCAL', ' ADDRTYPE match src-type !UNICAST,LOCAL dst-type LOCAL'],
  ['--src-type LOCAL --limit-iface-in', ' --src-type LOCAL --limit-iface-in', ' ADDRTYPE match src-type LOCAL limit-in'],
]);
refused('addrtype', addrtypeMatch, [
  ['', 'addrtype: you must specify --src-type or --dst-type'],
  ['--src-type wrong', 'addrtype: bad type "wrong"'],
  ['--limit-iface-in --limit-iface-out', 'addrtype: you must specify --src-type or --dst-type'],
  ['--src-type LOCAL --limit-iface-in --limit-iface-out', 'addrtype: option "--limit-iface-in" cannot be used together with "--limit-iface-out".'],
]);

describe('kernel checks (status 4, Invalid argument)', () => {
  const rejects = (f: () => void) => {
    let err: unknown;
    try { f(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(IptablesError);
    expect((err as IptablesError).status).toBe(4);
    expect((err as IptablesError).code).toBe('KERNEL_EINVAL');
    expect((err as IptablesError).message).toBe('Invalid argument');
  };
  it('ah/esp/tcpmss/ecn need their protocol', () => {
    rejects(() => check(ahMatch, drive(ahMatch, []), 'filter', ['INPUT']));
    rejects(() => check(espMatch, drive(espMatch, []), 'filter', ['INPUT'], { proto: 50, invProto: true }));
    rejects(() => check(tcpmssMatch, drive(tcpmssMatch, words('--mss 42')), 'filter', ['INPUT'], { proto: 17 }));
    rejects(() => check(ecnMatch, drive(ecnMatch, words('--ecn-tcp-cwr')), 'filter', ['INPUT']));
    expect(() => check(ecnMatch, drive(ecnMatch, words('--ecn-ip-ect 1')), 'filter', ['INPUT'])).not.toThrow();
    expect(() => check(ahMatch, drive(ahMatch, []), 'filter', ['INPUT'], { proto: 51 })).not.toThrow();
  });
  it('owner only from OUTPUT and POSTROUTING; mac only before routing', () => {
    rejects(() => check(ownerMatch, drive(ownerMatch, words('--uid-owner 0')), 'filter', ['INPUT']));
    expect(() => check(ownerMatch, drive(ownerMatch, words('--uid-owner 0')), 'mangle', ['OUTPUT', 'POSTROUTING'])).not.toThrow();
    rejects(() => check(macMatch, drive(macMatch, words('--mac-source 1:2:3:4:5:6')), 'filter', ['OUTPUT']));
  });
  it('addrtype interface limits follow the hook', () => {
    rejects(() => check(addrtypeMatch, drive(addrtypeMatch, words('--dst-type LOCAL --limit-iface-out')), 'filter', ['INPUT']));
    rejects(() => check(addrtypeMatch, drive(addrtypeMatch, words('--dst-type LOCAL --limit-iface-in')), 'filter', ['OUTPUT']));
    expect(() => check(addrtypeMatch, drive(addrtypeMatch, words('--dst-type LOCAL --limit-iface-in')), 'filter', ['FORWARD'])).not.toThrow();
  });
});

describe('unclean (rawgate keeps the tutorial match)', () => {
  it('has no options and lists as "unclean"', () => {
    const d = drive(uncleanMatch, []);
    expect([d.save, d.print]).toEqual(['', ' unclean']);
  });
  it('round-trips through iptables and iptables-save', () => {
    const r = runIptables(['-A', 'INPUT', '-m', 'unclean', '-j', 'DROP'], emptyRuleset());
    expect(r.status).toBe(0);
    expect(runIptablesSave(['-t', 'filter'], r.ruleset).stdout).toContain('-A INPUT -m unclean -j DROP\n');
    expect(runIptables(['-A', 'INPUT', '-m', 'unclean', '--foo'], emptyRuleset()).status).toBe(2);
  });
});
