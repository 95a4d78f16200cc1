/**
 * conntrack(8)'s option tables: which options each command takes (0 illegal,
 * 1 required, 2 optional, 3 "undecided": one of the coupled address pairs),
 * the long options, and the protocol extensions merged in after -p.
 * Invariant: OPT bit i is column i of every CMD_OPTIONS row, and CMD index i
 * is conntrack's command bit i; these are the tool's tables, not ours to tidy.
 */
import type { LongOption } from './getopt.js';
import { CT_VERSION } from './types.js';

/** Command bits, in conntrack's order (enum ct_command). */
export const CMD = {
  LIST: 0, CREATE: 1, UPDATE: 2, DELETE: 3, GET: 4, FLUSH: 5, EVENT: 6, VERSION: 7, HELP: 8,
  EXP_LIST: 9, EXP_CREATE: 10, EXP_DELETE: 11, EXP_GET: 12, EXP_FLUSH: 13, EXP_EVENT: 14,
  COUNT: 15, EXP_COUNT: 16, STATS: 17, EXP_STATS: 18,
} as const;
export const NUMBER_OF_CMD = 19;

/** Option bits (enum ct_options); OPT_NAMES[i] is what errors call bit i. */
export const OPT = {
  ORIG_SRC: 1 << 0, ORIG_DST: 1 << 1, REPL_SRC: 1 << 2, REPL_DST: 1 << 3, PROTO: 1 << 4,
  TIMEOUT: 1 << 5, STATUS: 1 << 6, ZERO: 1 << 7, EVENT_MASK: 1 << 8, EXP_SRC: 1 << 9,
  EXP_DST: 1 << 10, MASK_SRC: 1 << 11, MASK_DST: 1 << 12, NATRANGE: 1 << 13, MARK: 1 << 14,
  ID: 1 << 15, FAMILY: 1 << 16, SRC_NAT: 1 << 17, DST_NAT: 1 << 18, OUTPUT: 1 << 19,
  SECMARK: 1 << 20, BUFFERSIZE: 1 << 21, ANY_NAT: 1 << 22, ZONE: 1 << 23, LABEL: 1 << 24,
  ADD_LABEL: 1 << 25, DEL_LABEL: 1 << 26, ORIG_ZONE: 1 << 27, REPL_ZONE: 1 << 28,
} as const;
export const OPT_NAMES = [
  'src', 'dst', 'reply-src', 'reply-dst', 'protonum', 'timeout', 'status', 'zero', 'event-mask',
  'tuple-src', 'tuple-dst', 'mask-src', 'mask-dst', 'nat-range', 'mark', 'id', 'family', 'src-nat',
  'dst-nat', 'output', 'secmark', 'buffer-size', 'any-nat', 'zone', 'label', 'label-add',
  'label-del', 'orig-zone', 'reply-zone',
];

/** Options compared against each entry (CT_COMPARISON). */
export const OPT_COMPARISON = OPT.PROTO | OPT.ORIG_SRC | OPT.ORIG_DST | OPT.REPL_SRC | OPT.REPL_DST |
  OPT.MARK | OPT.SECMARK | OPT.STATUS | OPT.ID | OPT.ZONE | OPT.LABEL | OPT.ORIG_ZONE | OPT.REPL_ZONE;

const row = (s: string): number[] => s.split('').map(Number);
/** commands_v_options, one row per CMD. */
export const CMD_OPTIONS: readonly number[][] = [
  row('22222022000220202222202220022'), // LIST
  row('33331120000002200220000202022'), // CREATE
  row('22222220000220222222000022200'), // UPDATE
  row('22222220000220222222000220022'), // DELETE
  row('33331000000000020002000020000'), // GET
  row('00000000000000002000000000000'), // FLUSH
  row('22222000200220202222222220022'), // EVENT
  row('00000000000000000000000000000'), // VERSION
  row('00002000000000000000000000000'), // HELP
  row('00000000000000002002000000000'), // EXP_LIST
  row('11221120011110000000000000000'), // EXP_CREATE
  row('11221000000000000000000000000'), // EXP_DELETE
  row('11221000000000000000000000000'), // EXP_GET
  row('00000000000000000000000000000'), // EXP_FLUSH
  row('00000000000000000002000000000'), // EXP_EVENT
  row('00000000000000000000000000000'), // COUNT
  row('00000000000000000000000000000'), // EXP_COUNT
  row('00000000000000000000000000000'), // STATS
  row('00000000000000000000000000000'), // EXP_STATS
];

/** getopt_str ":L::I::U::D::G::E::F::hVs:d:r:q:p:t:u:e:a:z[:]:{:}:m:i:f:o:n::g::c:b:C::Sj::w:l:<:>::(:):" */
export const SHORT_OPTIONS: ReadonlyMap<string, 0 | 1 | 2> = (() => {
  const spec = 'L::I::U::D::G::E::F::hVs:d:r:q:p:t:u:e:a:z[:]:{:}:m:i:f:o:n::g::c:b:C::Sj::w:l:<:>::(:):';
  const m = new Map<string, 0 | 1 | 2>();
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    let has: 0 | 1 | 2 = 0;
    if (spec[i + 1] === ':') { has = 1; i++; if (spec[i + 1] === ':') { has = 2; i++; } }
    m.set(c, has);
  }
  return m;
})();

const L = (name: string, has: 0 | 1 | 2, key: string): LongOption => ({ name, has, key });
export const LONG_OPTIONS: readonly LongOption[] = [
  L('dump', 2, 'L'), L('create', 2, 'I'), L('delete', 2, 'D'), L('update', 2, 'U'), L('get', 2, 'G'),
  L('flush', 2, 'F'), L('event', 2, 'E'), L('counter', 2, 'C'), L('stats', 0, 'S'), L('version', 0, 'V'),
  L('help', 0, 'h'), L('orig-src', 1, 's'), L('src', 1, 's'), L('orig-dst', 1, 'd'), L('dst', 1, 'd'),
  L('reply-src', 1, 'r'), L('reply-dst', 1, 'q'), L('protonum', 1, 'p'), L('timeout', 1, 't'),
  L('status', 1, 'u'), L('zero', 0, 'z'), L('event-mask', 1, 'e'), L('tuple-src', 1, '['),
  L('tuple-dst', 1, ']'), L('mask-src', 1, '{'), L('mask-dst', 1, '}'), L('nat-range', 1, 'a'),
  L('mark', 1, 'm'), L('secmark', 1, 'c'), L('id', 2, 'i'), L('family', 1, 'f'), L('src-nat', 2, 'n'),
  L('dst-nat', 2, 'g'), L('output', 1, 'o'), L('buffer-size', 1, 'b'), L('any-nat', 2, 'j'),
  L('zone', 1, 'w'), L('label', 1, 'l'), L('label-add', 1, '<'), L('label-del', 2, '>'),
  L('orig-zone', 1, '('), L('reply-zone', 1, ')'),
];

/** The first long name of a short option (get_long_opt), for messages. */
export function longName(key: string): string {
  return LONG_OPTIONS.find((o) => o.key === key)?.name ?? 'unknown';
}

/** A protocol extension: its options (keys '<proto>:<n>') and per-command table. */
export interface ProtoExtension {
  name: string;
  num: number;
  options: readonly LongOption[];
  optNames: readonly string[];
  cmdOptions: readonly number[][];
  /** What `-h -p <proto>` prints after "Proto `<name>' help:". */
  help: string;
  /** Message when a coupled pair is incomplete: index 0 original, 1 reply. */
  pairMessages?: readonly [string, string];
}

const portOpts = (p: string, withState: boolean): LongOption[] => [
  L('orig-port-src', 1, `${p}:sport`), L('sport', 1, `${p}:sport`), L('orig-port-dst', 1, `${p}:dport`),
  L('dport', 1, `${p}:dport`), L('reply-port-src', 1, `${p}:rsport`), L('reply-port-dst', 1, `${p}:rdport`),
  L('mask-port-src', 1, `${p}:msport`), L('mask-port-dst', 1, `${p}:mdport`),
  ...(withState ? [L('state', 1, `${p}:state`)] : []),
  L('tuple-port-src', 1, `${p}:tsport`), L('tuple-port-dst', 1, `${p}:tdport`),
];
const PORT_PAIRS: [string, string] = [
  "you have to specify `--sport' and `--dport'",
  "you have to specify `--reply-src-port' and `--reply-dst-port'",
];
// Rows: LIST CREATE UPDATE DELETE GET FLUSH EVENT VERSION HELP EXP_LIST EXP_CREATE EXP_DELETE EXP_GET EXP_FLUSH EXP_EVENT
const TCP_ROWS = ['222200200', '333300100', '222200200', '222200200', '333300200', '000000000', '222200200',
  '000000000', '000000000', '000000000', '110011011', '111100000', '111100000', '000000000', '000000000'].map(row);
const UDP_ROWS = ['22220000', '33330000', '22220000', '22220000', '33330000', '00000000', '22220000',
  '00000000', '00000000', '00000000', '11001111', '11110000', '11110000', '00000000', '00000000'].map(row);
const ICMP_ROWS = ['222', '112', '222', '222', '112', '000', '222', '000', '000', '000', '000', '000', '000', '000', '000'].map(row);

export const TCP_OPT_ORDER = ['sport', 'dport', 'rsport', 'rdport', 'msport', 'mdport', 'state', 'tsport', 'tdport'];
export const UDP_OPT_ORDER = ['sport', 'dport', 'rsport', 'rdport', 'msport', 'mdport', 'tsport', 'tdport'];
export const ICMP_OPT_ORDER = ['type', 'code', 'id'];

const PORT_HELP = '  --orig-port-src\t\toriginal source port\n  --orig-port-dst\t\toriginal destination port\n' +
  '  --reply-port-src\t\treply source port\n  --reply-port-dst\t\treply destination port\n' +
  '  --mask-port-src\t\tmask source port\n  --mask-port-dst\t\tmask destination port\n' +
  // the second line names tuple-port-src again: the tool's typo, kept
  '  --tuple-port-src\t\texpectation tuple src port\n  --tuple-port-src\t\texpectation tuple dst port\n';
/** The help of a protocol conntrack has no extension for (ct_proto_unknown). */
export const UNKNOWN_PROTO_HELP = '  no options (unsupported)\n';

export const PROTO_EXTENSIONS: readonly ProtoExtension[] = [
  { name: 'tcp', num: 6, help: `${PORT_HELP}  --state\t\t\tTCP state, fe. ESTABLISHED\n`, options: portOpts('tcp', true), cmdOptions: TCP_ROWS, pairMessages: PORT_PAIRS,
    optNames: ['sport', 'dport', 'reply-port-src', 'reply-port-dst', 'mask-port-src', 'mask-port-dst', 'state', 'tuple-port-src', 'tuple-port-dst'] },
  { name: 'udp', num: 17, help: PORT_HELP, options: portOpts('udp', false), cmdOptions: UDP_ROWS, pairMessages: PORT_PAIRS,
    optNames: ['sport', 'dport', 'reply-port-src', 'reply-port-dst', 'mask-port-src', 'mask-port-dst', 'tuple-port-src', 'tuple-port-dst'] },
  { name: 'icmp', num: 1, help: '  --icmp-type\t\t\ticmp type\n  --icmp-code\t\t\ticmp code\n  --icmp-id\t\t\ticmp id\n', cmdOptions: ICMP_ROWS, optNames: ['icmp-type', 'icmp-code', 'icmp-id'],
    options: [L('icmp-type', 1, 'icmp:type'), L('icmp-code', 1, 'icmp:code'), L('icmp-id', 1, 'icmp:id')] },
];

/** getprotobyname() over the usual /etc/protocols names, so `-p igmp` is `unknown 2` as on Debian. */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  ip: 0, IP: 0, icmp: 1, ICMP: 1, igmp: 2, IGMP: 2, ipencap: 4, 'IP-ENCAP': 4, st: 5, ST: 5, tcp: 6, TCP: 6,
  egp: 8, EGP: 8, igp: 9, IGP: 9, pup: 12, PUP: 12, udp: 17, UDP: 17, hmp: 20, HMP: 20, rdp: 27, RDP: 27,
  dccp: 33, DCCP: 33, ipv6: 41, IPv6: 41, 'ipv6-route': 43, 'ipv6-frag': 44, rsvp: 46, RSVP: 46, gre: 47,
  GRE: 47, esp: 50, ESP: 50, ah: 51, AH: 51, 'ipv6-icmp': 58, 'IPv6-ICMP': 58, 'ipv6-nonxt': 59,
  'ipv6-opts': 60, eigrp: 88, EIGRP: 88, ospf: 89, OSPFIGP: 89, ipip: 94, IPIP: 94, etherip: 97,
  encap: 98, pim: 103, PIM: 103, ipcomp: 108, vrrp: 112, VRRP: 112, l2tp: 115, L2TP: 115, sctp: 132,
  SCTP: 132, udplite: 136, UDPLite: 136, 'mpls-in-ip': 137, ethernet: 143,
};

/** getprotobynumber()'s name, for a protocol without an extension. */
export function protocolName(num: number): string | undefined {
  return Object.entries(PROTOCOL_NUMBERS).find(([, n]) => n === num)?.[0];
}

export const USAGE = `Command line interface for the connection tracking system. Version ${CT_VERSION}
Usage: conntrack [commands] [options]

Commands:
  -L [table] [options]\t\tList conntrack or expectation table
  -G [table] parameters\t\tGet conntrack or expectation
  -D [table] parameters\t\tDelete conntrack or expectation
  -I [table] parameters\t\tCreate a conntrack or expectation
  -U [table] parameters\t\tUpdate a conntrack
  -E [table] [options]\t\tShow events
  -F [table]\t\t\tFlush table
  -C [table]\t\t\tShow counter
  -S\t\t\t\tShow statistics

Tables: conntrack, expect, dying, unconfirmed

Conntrack parameters and options:
  -n, --src-nat ip\t\t\tsource NAT ip
  -g, --dst-nat ip\t\t\tdestination NAT ip
  -j, --any-nat ip\t\t\tsource or destination NAT ip
  -m, --mark mark\t\t\tSet mark
  -c, --secmark secmark\t\t\tSet selinux secmark
  -e, --event-mask eventmask\t\tEvent mask, eg. NEW,DESTROY
  -z, --zero \t\t\t\tZero counters while listing
  -o, --output type[,...]\t\tOutput format, eg. xml
  -l, --label label[,...]\t\tconntrack labels

Expectation parameters and options:
  --tuple-src ip\tSource address in expect tuple
  --tuple-dst ip\tDestination address in expect tuple

Updating parameters and options:
  --label-add label\tAdd label
  --label-del label\tDelete label

Common parameters and options:
  -s, --src, --orig-src ip\t\tSource address from original direction
  -d, --dst, --orig-dst ip\t\tDestination address from original direction
  -r, --reply-src ip\t\tSource addres from reply direction
  -q, --reply-dst ip\t\tDestination address from reply direction
  -p, --protonum proto\t\tLayer 4 Protocol, eg. 'tcp'
  -f, --family proto\t\tLayer 3 Protocol, eg. 'ipv6'
  -t, --timeout timeout\t\tSet timeout
  -u, --status status\t\tSet status, eg. ASSURED
  -w, --zone value\t\tSet conntrack zone
  --orig-zone value\t\tSet zone for original direction
  --reply-zone value\t\tSet zone for reply direction
  -b, --buffer-size\t\tNetlink socket buffer size
  --mask-src ip\t\t\tSource mask address
  --mask-dst ip\t\t\tDestination mask address

`;
