/**
 * fast-check arbitraries for iptables command lines (argv without the program
 * name): chain commands (-N, -E, -X, -F, -P, -Z) and rule commands (-A, -I,
 * -R, -D, -C) whose specification mixes the generic options with options of
 * every registered match and target extension (read from the registry, so a
 * new extension is fuzzed without touching this file). Each value is either a
 * plausible one (so that commands get accepted and rulesets grow) or a hostile
 * one: empty, whitespace, quotes, backslashes, newlines, "*\/", U+2028/U+2029,
 * long, or starting with '-', '!' or ':'.
 */
import fc from 'fast-check';
import { allMatches, allTargets, findMatch, findTarget } from '../../src/iptables/ext/index.js';
import type { MatchExt, OptSpec, TargetExt } from '../../src/iptables/ext/types.js';

export type Argv = string[];

/** Values that break naive save formats (and the restore reader). */
export const HOSTILE: readonly string[] = [
  '', ' ', 'a b', '\t', 'a\tb', '"', 'a"b', '"a"', "'", "a'b", '\\', 'a\\b', '\\"', 'a\\', '\n', 'a\nb', '\r', 'a\rb',
  '\v', '*/', 'a*/b', '/*', '\u2028', 'a\u2028b', 'a\u2029b', '\u00a0', '-a', '--x', '!', '!a', ':', ':a', '::', '#a',
  '*a', '[1:2]', 'COMMIT', '+', 'a+', 'a b+', 'a/b', '.', '..', ',', 'é', 'é'.repeat(15), 'x'.repeat(28),
  'x'.repeat(29), 'x'.repeat(40), 'x'.repeat(300), 'ACCEPT', 'LOG', 'standard', 'c1',
];

const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 8 }) },
);

/**
 * Plausible values, by "EXT:option" or by option name (several words for
 * options that take more than one), so that commands get accepted.
 */
const GOOD: Readonly<Record<string, readonly (readonly string[])[]>> = {
  comment: [['hello'], ['two words'], ['q"uote'], ['back\\slash'], ["it's"], ['*/'], ['\u2028']],
  helper: [['ftp'], ['sip']], 'CT:helper': [['ftp'], ['']],
  'hashlimit-upto': [['1/sec'], ['10/min'], ['5kb/s']], 'hashlimit-above': [['1/sec']], hashlimit: [['3/hour']],
  'hashlimit-name': [['h1'], ['web-limit'], ["o'k"], ['a\\b']], 'hashlimit-mode': [['srcip'], ['dstip,dstport']],
  'hashlimit-burst': [['5']], 'hashlimit-srcmask': [['24']], 'hashlimit-htable-size': [['1024']],
  'recent:name': [['DEFAULT'], ['list_1'], ['a.b']], seconds: [['60']], hitcount: [['3']], 'recent:mask': [['255.255.255.0']],
  'dccp-types': [['REQUEST'], ['ACK,DATA']], 'dccp-option': [['5']], 'chunk-types': [['all', 'INIT'], ['any', 'DATA:Be']],
  weekdays: [['Mon'], ['Sat,Sun'], ['1,7']], monthdays: [['1,15'], ['31']],
  timestart: [['08:00']], timestop: [['18:00:30']], datestart: [['2020-01-01']], datestop: [['2038-01-01T00:00']],
  'physdev-in': [['eth0'], ['br+'], ['a/b']], 'physdev-out': [['eth1']], algo: [['bm'], ['kmp']],
  'string:string': [['GET /'], ['"quoted"'], ['back\\slash']], 'hex-string': [['|41 42|']], 'string:from': [['10']],
  'string:to': [['100']], genre: [['Linux'], ['Win\\dows']], 'osf:ttl': [['1']], 'osf:log': [['1']],
  rateest: [['est1']], rateest1: [['est1']], rateest2: [['est2']],
  'rateest-name': [['est1'], ["o'k"]], 'rateest-interval': [['250ms']], 'rateest-ewmalog': [['1s']],
  'mac-source': [['00:11:22:33:44:55']], mark: [['1'], ['0x10/0xff']], ctstate: [['NEW'], ['ESTABLISHED,RELATED']],
  state: [['NEW,INVALID']], ctproto: [['tcp']], ctorigsrc: [['10.0.0.0/8']], ctstatus: [['ASSURED']], ctdir: [['REPLY']],
  ctexpire: [['10:20']], dports: [['80,443']], sports: [['1:1024']], ports: [['22']],
  'destination-ports': [['53']], 'source-ports': [['1024:']],
  dport: [['80'], ['1:1024']], sport: [['1024:65535']], 'destination-port': [['22']], 'source-port': [['53']],
  'tcp-flags': [['SYN,ACK', 'SYN'], ['NONE', 'SYN'], ['ALL', 'NONE']], 'tcp-option': [['2']],
  'icmp-type': [['echo-request'], ['8/0'], ['any']], limit: [['1/sec'], ['3/min']], 'limit-burst': [['10']],
  length: [['10:100']], 'src-range': [['1.2.3.4-1.2.3.9']], 'dst-range': [['10.0.0.1-10.0.0.5']],
  'uid-owner': [['0']], 'gid-owner': [['0']], 'src-type': [['LOCAL'], ['UNICAST']], 'dst-type': [['BROADCAST']],
  'pkt-type': [['unicast']], 'ttl-eq': [['64']], 'ttl-gt': [['1']], 'ttl-lt': [['5']], 'ttl:ttl': [['10']],
  tos: [['0x10'], ['Minimize-Delay']], mss: [['1000:1500']], dscp: [['10']], 'dscp-class': [['EF']], 'ecn-ip-ect': [['1']],
  label: [['1']], 'IDLETIMER:label': [['idle1'], ["o'k"]], path: [['/user.slice'], ['a b'], ['q"']], cgroup: [['1']],
  'nfacct-name': [['acct1']], realm: [['cosmos'], ['0x10/0x20']], 'statistic:mode': [['random'], ['nth']],
  probability: [['0.5']], every: [['3']], packet: [['1']], quota: [['1000']],
  u32: [['0>>22&0x3C@12>>26&0x3F=6']], bytecode: [['4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0']],
  connbytes: [['10:']], 'connbytes-dir': [['both']], 'connbytes-mode': [['bytes']], 'connlimit-above': [['4']],
  'connlimit-upto': [['4']], 'connlimit-mask': [['24']], cpu: [['0']], 'cluster-total-nodes': [['2']],
  'cluster-local-node': [['1']], 'cluster-hash-seed': [['0xdeadbeef']], 'cluster-local-nodemask': [['1']],
  'match-set': [['set1', 'src']], 'set:set': [['set1', 'src']], ahspi: [['5']], espspi: [['1:2']], ipcompspi: [['7']],
  vproto: [['tcp']], vaddr: [['1.2.3.4']], vport: [['80']], vdir: [['ORIGINAL']], vmethod: [['GATE']], vportctl: [['21']],
  dir: [['in']], pol: [['ipsec'], ['none']], reqid: [['1']], spi: [['5']], 'tunnel-src': [['1.2.3.4']],
  'tunnel-dst': [['5.6.7.8']], 'policy:proto': [['esp']], 'policy:mode': [['tunnel']],
  'log-prefix': [['fw: '], ['drop'], ['"q"'], ['a\\b']], 'log-level': [['4'], ['debug']],
  'nflog-prefix': [['pfx'], ['a b'], ['"']], 'nflog-group': [['5']], 'nflog-size': [['64']], 'nflog-threshold': [['2']],
  'ulog-prefix': [['up'], ['a b']], 'ulog-nlgroup': [['2']], 'IDLETIMER:timeout': [['5']], 'SET:timeout': [['10']],
  'led-trigger-id': [['led1'], ['a"b']], 'led-delay': [['100']], gateway: [['1.2.3.4']], oif: [['eth0'], ['']],
  zone: [['1']], 'set-mark': [['1'], ['0x1/0xff']], 'set-xmark': [['0x2/0x3']], 'and-mark': [['0xf']],
  'or-mark': [['0x1']], 'xor-mark': [['0x1']], ctmask: [['0xff']], nfmask: [['0xff']], 'CONNMARK:mask': [['0xff']],
  'reject-with': [['tcp-reset'], ['icmp-port-unreachable']], 'to-destination': [['1.2.3.4'], ['1.2.3.4:80']],
  'to-source': [['5.6.7.8']], 'to-ports': [['8080']], 'NETMAP:to': [['10.0.0.0/24']], 'SAME:to': [['1.2.3.4-1.2.3.5']],
  'queue-num': [['1']], 'queue-balance': [['0:3']], 'set-class': [['1:2']], type: [['accept']], 'set-mss': [['1400']],
  'ttl-set': [['64']], 'ttl-dec': [['1']], 'set-tos': [['0x10']], 'and-tos': [['0x1']], 'set-dscp': [['10']],
  'set-dscp-class': [['AF11']], 'ECN:ecn-ip-ect': [['0']], 'add-set': [['set1', 'src']], 'del-set': [['set1', 'dst']],
  'strip-options': [['mss'], ['sack-permitted,timestamp']], 'on-port': [['3128']], 'on-ip': [['127.0.0.1']],
  'tproxy-mark': [['0x1/0x1']], ctevents: [['new,related']], expevents: [['new']], 'hmark-tuple': [['src,dst']],
  'hmark-mod': [['10']], 'hmark-rnd': [['0x1']], hashmode: [['sourceip']], clustermac: [['01:aa:7b:47:f7:d7']],
  'total-nodes': [['2']], 'local-node': [['1']], 'SYNPROXY:mss': [['1460']], wscale: [['7']],
};

/** Words for the value(s) of one option: plausible most of the time, hostile otherwise. */
function optionValue(ext: string, name: string): fc.Arbitrary<string[]> {
  const good = GOOD[`${ext}:${name}`] ?? GOOD[name];
  const words = good?.[0]?.length ?? 1;
  const bad = fc.array(hostile, { minLength: words, maxLength: words });
  const plausible = good ? fc.constantFrom(...good.map((g) => [...g])) : fc.constantFrom('1', 'abc', '1.2.3.4', '80').map((v) => [v]);
  return fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 1, arbitrary: bad });
}

/** One option of an extension, "!"-prefixed sometimes when it may be. */
function option(ext: string, o: OptSpec): fc.Arbitrary<string[]> {
  const value = o.hasArg ? optionValue(ext, o.name) : fc.constant([] as string[]);
  return fc.tuple(o.invertible ? fc.boolean() : fc.constant(false), value)
    .map(([not, v]) => [...(not ? ['!'] : []), `--${o.name}`, ...v]);
}

/** Options an extension refuses to do without (given first, so that more rules load). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  hashlimit: ['hashlimit-upto', 'hashlimit-name'], statistic: ['mode', 'probability'], recent: ['set'],
  DNAT: ['to-destination'], SNAT: ['to-source'], NETMAP: ['to'], SAME: ['to'], REJECT: ['reject-with'],
  CLUSTERIP: ['new', 'hashmode', 'clustermac', 'total-nodes', 'local-node'], HMARK: ['hmark-mod', 'hmark-tuple', 'hmark-rnd'],
  IDLETIMER: ['timeout', 'label'], RATEEST: ['rateest-name', 'rateest-interval', 'rateest-ewmalog'], TEE: ['gateway'],
  policy: ['dir', 'pol'], LED: ['led-trigger-id'], string: ['algo', 'string'], osf: ['genre'],
  connlimit: ['connlimit-above'], connbytes: ['connbytes', 'connbytes-dir', 'connbytes-mode'],
  cluster: ['cluster-total-nodes', 'cluster-local-node', 'cluster-hash-seed'], TPROXY: ['on-port'], MARK: ['set-mark'],
  CONNMARK: ['set-mark'], TCPMSS: ['set-mss'], TTL: ['ttl-set'], DSCP: ['set-dscp'], TOS: ['set-tos'],
  rateest: ['rateest', 'rateest-bps', 'rateest-lt'], comment: ['comment'], helper: ['helper'], nfacct: ['nfacct-name'],
  physdev: ['physdev-in'], CLASSIFY: ['set-class'], AUDIT: ['type'], TCPOPTSTRIP: ['strip-options'],
  LOG: ['log-prefix'], NFLOG: ['nflog-prefix'], ULOG: ['ulog-prefix'], CT: ['helper'], ipvs: ['ipvs'],
  realm: ['realm'], u32: ['u32'], bpf: ['bytecode'], connlabel: ['label'], cgroup: ['path'], time: ['weekdays'],
  dccp: ['dccp-types'], mac: ['mac-source'], iprange: ['src-range'], addrtype: ['src-type'], pkttype: ['pkt-type'],
  length: ['length'], limit: ['limit'], mark: ['mark'], connmark: ['mark'], quota: ['quota'], cpu: ['cpu'],
  state: ['state'], conntrack: ['ctstate'], ttl: ['ttl-eq'], tos: ['tos'], dscp: ['dscp'], tcpmss: ['mss'],
  owner: ['uid-owner'], multiport: ['dports'], icmp: ['icmp-type'], ah: ['ahspi'], esp: ['espspi'], ipcomp: ['ipcompspi'],
};

function extensionOptions(ext: MatchExt | TargetExt): fc.Arbitrary<string[]> {
  if (ext.options.length === 0) return fc.constant([]);
  const required = ext.options.filter((o) => REQUIRED[ext.name]?.includes(o.name));
  const others = ext.options.filter((o) => !required.includes(o));
  const extra = others.length
    ? fc.uniqueArray(fc.constantFrom(...others), { minLength: required.length ? 0 : 1, maxLength: 2, selector: (o) => o.name })
    : fc.constant([] as OptSpec[]);
  return extra.chain((opts) => fc.tuple(...[...required, ...opts].map((o) => option(ext.name, o))))
    .map((parts) => parts.flat());
}

const matchNames = [...new Set(allMatches().flatMap((m) => [m.name, ...(m.aliases ?? [])]))];
const targetNames = allTargets().map((t) => t.name);

/** The -p a match wants (the kernel refuses it without). */
const MATCH_PROTO: Readonly<Record<string, string>> = {
  tcp: 'tcp', multiport: 'tcp', tcpmss: 'tcp', osf: 'tcp', ecn: 'tcp', udp: 'udp', icmp: 'icmp', dccp: 'dccp',
  sctp: 'sctp', ah: 'ah', esp: 'esp', ipcomp: 'ipcomp',
};

/** A match: "-m NAME OPTIONS", with the -p it wants. */
const match: fc.Arbitrary<{ proto?: string; words: string[] }> = fc.constantFrom(...matchNames)
  .chain((name) => extensionOptions(findMatch(name)!).map((opts) => ({ proto: MATCH_PROTO[name], words: ['-m', name, ...opts] })));

/** The table a target extension lives in (filter when absent). */
const TARGET_TABLE: Readonly<Record<string, string>> = {
  DNAT: 'nat', SNAT: 'nat', MASQUERADE: 'nat', REDIRECT: 'nat', NETMAP: 'nat', SAME: 'nat', CT: 'raw', NOTRACK: 'raw',
  TRACE: 'raw', TEE: 'mangle', RATEEST: 'mangle', TOS: 'mangle', TTL: 'mangle', DSCP: 'mangle', ECN: 'mangle',
  CLASSIFY: 'mangle', TCPOPTSTRIP: 'mangle', CHECKSUM: 'mangle', HMARK: 'mangle', TPROXY: 'mangle', MARK: 'mangle',
  CONNMARK: 'mangle', CONNSECMARK: 'mangle', SECMARK: 'mangle', CLUSTERIP: 'mangle', REJECT: 'filter',
};

/** The -p a target wants. */
const TARGET_PROTO: Readonly<Record<string, string>> = { TCPOPTSTRIP: 'tcp', TCPMSS: 'tcp', SYNPROXY: 'tcp', TPROXY: 'tcp' };

const targetExt: fc.Arbitrary<{ table?: string; proto?: string; words: string[] }> = fc.constantFrom(...targetNames)
  .chain((name) => extensionOptions(findTarget(name)!)
    .map((opts) => ({ table: TARGET_TABLE[name], proto: TARGET_PROTO[name], words: ['-j', name, ...opts] })));

/** Chain names: the built-ins, a few user chains, and hostile ones. */
export const chainName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING', 'c1', 'c2', 'web_in') },
  { weight: 2, arbitrary: hostile },
);

const plausibleOr = (good: fc.Arbitrary<string>) => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: hostile });
const iface = plausibleOr(fc.constantFrom('eth0', 'eth+', 'lo', '+', 'br0.10', 'a/b'));
const address = plausibleOr(fc.constantFrom('10.0.0.1', '192.168.0.0/16', '1.2.3.4/255.255.0.0', '0/0'));

function negatable(flag: string, value: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return fc.tuple(fc.boolean(), value).map(([not, v]) => [...(not ? ['!'] : []), flag, v]);
}

/** Present one time in five. */
const sometimes = (a: fc.Arbitrary<string[]>) => fc.oneof({ weight: 4, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: a });

/** -s, -d, -i, -o (each sometimes) and -p (the match's own when it wants one). */
function generic(proto: string | undefined): fc.Arbitrary<string[]> {
  const p = proto !== undefined ? fc.constant(proto) : plausibleOr(fc.constantFrom('tcp', 'udp', 'icmp', 'all', '47'));
  return fc.tuple(sometimes(negatable('-s', address)), sometimes(negatable('-d', address)), sometimes(negatable('-i', iface)),
    sometimes(negatable('-o', iface)), proto !== undefined ? p.map((v) => ['-p', v]) : sometimes(negatable('-p', p)))
    .map((parts) => parts.flat());
}

const USER_CHAINS = ['c1', 'c2', 'web_in'];
const BUILTIN: Readonly<Record<string, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'], nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'], raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};
const TABLES = Object.keys(BUILTIN);

/** A chain of the table to put a rule in: a built-in, a user chain, now and then a hostile name. */
const ruleChain = (table: string) => fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...BUILTIN[table]!) },
  { weight: 2, arbitrary: fc.constantFrom(...USER_CHAINS) },
  { weight: 1, arbitrary: hostile },
);

type Target = { table?: string; proto?: string; words: string[] };
const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Target>({ words: [] }) },
  { weight: 2, arbitrary: fc.constantFrom('ACCEPT', 'DROP', 'RETURN').map((v): Target => ({ words: ['-j', v] })) },
  { weight: 1, arbitrary: chainName.map((c): Target => ({ words: ['-j', c] })) },
  { weight: 1, arbitrary: chainName.map((c): Target => ({ words: ['-g', c] })) },
  { weight: 4, arbitrary: targetExt },
);

/** A rule command: the table follows the target (nat for DNAT ...), the -p follows the first match. */
const ruleCommand: fc.Arbitrary<Argv> = fc.tuple(target, fc.array(match, { maxLength: 2 }), fc.constantFrom(...TABLES))
  .chain(([t, ms, anyTable]) => {
    const table = t.table ?? (anyTable === 'nat' && t.words[1] === 'DROP' ? 'filter' : anyTable);
    const proto = ms.find((m) => m.proto !== undefined)?.proto ?? t.proto;
    return fc.tuple(
      fc.constantFrom<[string, boolean]>(
        ['-A', false], ['-A', false], ['-A', false], ['-A', false], ['-I', false], ['-I', true], ['-R', true], ['-D', false], ['-C', false],
      ),
      ruleChain(table), generic(proto),
    ).map(([[cmd, num], chain, g]) => ['-t', table, cmd, chain, ...(num ? ['1'] : []), ...g, ...ms.flatMap((m) => m.words), ...t.words]);
  });

const table = fc.constantFrom(...TABLES);

/** One iptables command line (without the program name). */
export const command: fc.Arbitrary<Argv> = fc.oneof(
  { weight: 12, arbitrary: ruleCommand },
  { weight: 3, arbitrary: fc.tuple(table, chainName).map(([t, c]) => ['-t', t, '-N', c]) },
  { weight: 1, arbitrary: fc.tuple(table, chainName, chainName).map(([t, a, b]) => ['-t', t, '-E', a, b]) },
  { weight: 1, arbitrary: fc.tuple(table, fc.option(chainName, { nil: undefined })).map(([t, c]) => ['-t', t, '-X', ...(c !== undefined ? [c] : [])]) },
  { weight: 1, arbitrary: fc.tuple(table, fc.option(chainName, { nil: undefined })).map(([t, c]) => ['-t', t, '-F', ...(c !== undefined ? [c] : [])]) },
  { weight: 1, arbitrary: fc.tuple(table, chainName, plausibleOr(fc.constantFrom('ACCEPT', 'DROP'))).map(([t, c, p]) => ['-t', t, '-P', c, p]) },
  { weight: 1, arbitrary: table.map((t) => ['-t', t, '-Z']) },
);

/** A session: often the user chains first, in every table (to put rules in and jump to), then a few commands. */
export const session: fc.Arbitrary<Argv[]> = fc.tuple(fc.boolean(), fc.array(command, { minLength: 1, maxLength: 10 }))
  .map(([setup, cmds]) => [...(setup ? TABLES.flatMap((t) => USER_CHAINS.map((c) => ['-t', t, '-N', c])) : []), ...cmds]);
