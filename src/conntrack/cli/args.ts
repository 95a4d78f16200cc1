/**
 * conntrack(8)'s do_parse(): argv to a ParsedCommand, or a CtCliError with
 * the tool's message and exit status. Invariants: options are validated in
 * the tool's order (getopt order while parsing, then the command/option
 * table in bit order, then the protocol's own table), so the first error
 * reported is the one conntrack reports; parsing never touches a table.
 */
import { atoi, parseAddress, strtoul } from './address.js';
import { otherError, paramError } from './errors.js';
import { Getopt } from './getopt.js';
import {
  CMD, CMD_OPTIONS, LONG_OPTIONS, longName, OPT, OPT_NAMES, PROTO_EXTENSIONS, PROTOCOL_NUMBERS,
  SHORT_OPTIONS, ICMP_OPT_ORDER, TCP_OPT_ORDER, UDP_OPT_ORDER, type ProtoExtension,
} from './options.js';
import { TCP_STATE_NAMES } from './types.js';
import { PARSE_TABLES, parseList, parseStatus } from './words.js';

export type CtTable = 'conntrack' | 'expect' | 'dying' | 'unconfirmed';
export type OutputKind = 'xml' | 'extended' | 'timestamp' | 'id' | 'ktimestamp' | 'labels' | 'userspace' | 'save';

/** Tuple fields given on the command line (undefined: not given). */
export interface TupleQuery { src?: number; dst?: number; sport?: number; dport?: number; icmpType?: number; icmpCode?: number; icmpId?: number }
export interface NatQuery { addr?: number; port?: number }

export interface ParsedCommand {
  /** A CMD index, or -1 when no command was given (conntrack prints its usage). */
  cmd: number;
  table: CtTable;
  /** OPT bits given. */
  options: number;
  family: 'unspec' | 'ipv4' | 'ipv6';
  proto?: number;
  ext?: ProtoExtension;
  /** The protocol extension's option bits (in its own table order). */
  protoOptions: number;
  orig: TupleQuery;
  reply: TupleQuery;
  /** -s/-d with a prefix shorter than the address: compared as networks. */
  srcNet?: { addr: number; prefix: number };
  dstNet?: { addr: number; prefix: number };
  tcpState?: number;
  /** -u: userspace comparison (status bits all set) and the kernel's dump filter. */
  status?: { bits: number; kernelValue: number; kernelMask: number };
  /** -m as the tool's userspace filter holds it (a later -u overwrites the value: the tool's quirk, kept). */
  mark: { value: number; mask: number };
  /** -m as sent to the kernel's dump filter (-L, -D). */
  kernelMark?: { value: number; mask: number };
  zone?: number;
  origZone?: number;
  replyZone?: number;
  id?: number;
  timeout?: number;
  eventMask: number;
  output: Set<OutputKind>;
  srcNat?: NatQuery;
  dstNat?: NatQuery;
  /** WARNING lines conntrack prints while parsing. */
  warnings: string[];
}

/** findproto(): a supported name, a /etc/protocols name, or a number 0..255. */
function findProto(name: string): { num: number; ext?: ProtoExtension } | undefined {
  const ext = PROTO_EXTENSIONS.find((e) => e.name.toLowerCase() === name.toLowerCase());
  if (ext) return { num: ext.num, ext };
  let num = PROTOCOL_NUMBERS[name];
  if (num === undefined && /^[0-9]+$/.test(name) && Number(name) <= 255) num = Number(name);
  if (num === undefined) return undefined;
  const byNum = PROTO_EXTENSIONS.find((e) => e.num === num);
  return byNum ? { num, ext: byNum } : { num };
}

const CMD_KEYS: Readonly<Record<string, [number, number]>> = {
  L: [CMD.LIST, CMD.EXP_LIST], I: [CMD.CREATE, CMD.EXP_CREATE], D: [CMD.DELETE, CMD.EXP_DELETE],
  G: [CMD.GET, CMD.EXP_GET], F: [CMD.FLUSH, CMD.EXP_FLUSH], E: [CMD.EVENT, CMD.EXP_EVENT],
  V: [CMD.VERSION, CMD.VERSION], h: [CMD.HELP, CMD.HELP], C: [CMD.COUNT, CMD.EXP_COUNT], S: [CMD.STATS, CMD.EXP_STATS],
};

function checkTable(name: string | undefined): CtTable {
  if (name === undefined) return 'conntrack';
  for (const t of ['expect', 'conntrack', 'dying', 'unconfirmed'] as const) if (t.startsWith(name)) return t;
  throw paramError('UNKNOWN_TABLE', `unknown type \`${name}'`);
}

/** generic_opt_check(): required/illegal options, then the coupled pairs. */
function optCheck(given: number, row: readonly number[], names: readonly string[], pairs: readonly number[], pairMsgs?: readonly [string, string]): void {
  let special = false;
  row.forEach((rule, i) => {
    if (!(given & (1 << i))) {
      if (rule === 1) throw paramError('OPTION_REQUIRED', `You need to supply the \`--${names[i]}' option for this command`);
    } else if (rule === 0) {
      throw paramError('OPTION_ILLEGAL', `Illegal option \`--${names[i]}' with this command`);
    }
    if (rule === 3) special = true;
  });
  if (!special || !pairMsgs) return;
  let partial = -1;
  for (let i = 0; i < pairs.length; i++) {
    if ((given & pairs[i]!) === pairs[i]) return;
    if (given & pairs[i]! && partial < 0) partial = i;
  }
  throw paramError('TUPLE_INCOMPLETE', pairMsgs[partial === 1 ? 1 : 0]);
}

export function parseConntrackArgs(argv: readonly string[]): ParsedCommand {
  const p: ParsedCommand = {
    cmd: -1, table: 'conntrack', options: 0, family: 'unspec', protoOptions: 0, orig: {}, reply: {},
    mark: { value: 0, mask: 0 }, eventMask: 0, output: new Set(), warnings: [],
  };
  const g = new Getopt(argv, SHORT_OPTIONS, LONG_OPTIONS);
  let command = -1;
  const setFamily = (f: 'ipv4' | 'ipv6'): void => {
    if (p.family === 'unspec') p.family = f;
    else if (p.family !== f) throw paramError('FAMILY_MISMATCH', 'mismatched address family');
  };
  const addr = (key: 's' | 'd' | 'r' | 'q', arg: string): void => {
    const withMask = key === 's' || key === 'd';
    const a = parseAddress(arg, true);
    if (a.family === 'none') throw paramError('BAD_ADDRESS', `Invalid IP address \`${arg}'`);
    setFamily(a.family);
    if (a.mask !== undefined && !withMask) throw paramError('NO_CIDR', `CIDR notation unavailable for \`--${longName(key)}'`);
    if (a.mask === 'invalid') throw paramError('BAD_NETMASK', 'Invalid netmask');
    p.options |= { s: OPT.ORIG_SRC, d: OPT.ORIG_DST, r: OPT.REPL_SRC, q: OPT.REPL_DST }[key];
    if (a.family !== 'ipv4') return; // IPv6 entries are never in rawgate's table: nothing will match.
    const v = a.addr;
    if (key === 'r') p.reply.src = v;
    else if (key === 'q') p.reply.dst = v;
    else if (a.mask !== undefined && a.mask < 32) {
      p.options |= key === 's' ? OPT.MASK_SRC : OPT.MASK_DST;
      p[key === 's' ? 'srcNet' : 'dstNet'] = { addr: v, prefix: a.mask };
    } else if (key === 's') p.orig.src = v;
    else p.orig.dst = v;
  };
  for (let r = g.next(); r; r = g.next()) {
    if (r.kind === 'missing') throw paramError('MISSING_ARGUMENT', `option \`${r.element}' requires an argument`);
    if (r.kind === 'unknown') throw paramError('UNKNOWN_OPTION', `unknown option \`${r.element}'`);
    const { key } = r;
    const arg = r.optarg ?? '';
    if (key in CMD_KEYS || key === 'U') {
      const table = checkTable(g.optionalArg(r.optarg));
      // -L lists the dying and unconfirmed tables like the main one; nothing else takes them.
      if (key !== 'L' && (table === 'dying' || table === 'unconfirmed')) {
        throw paramError('TABLE_COMMAND', "Can't do that command with tables `dying' and `unconfirmed'");
      }
      if (key === 'U' && table === 'expect') throw paramError('TABLE_COMMAND', "Can't do --update on expectations");
      const c = key === 'U' ? CMD.UPDATE : CMD_KEYS[key]![table === 'expect' ? 1 : 0]!;
      if (command >= 0) throw paramError('COMMANDS_COMBINATION', 'Invalid commands combination');
      command = c;
      p.table = table;
      continue;
    }
    switch (key) {
      case 's': case 'd': case 'r': case 'q': addr(key, arg); break;
      case '[': case ']': case '{': case '}': throw otherError('NOT_SUPPORTED', `option \`--${longName(key)}' is not supported by rawgate`);
      case 'p': {
        p.options |= OPT.PROTO;
        const f = findProto(arg);
        if (!f) throw paramError('UNSUPPORTED_PROTOCOL', `\`${arg}' unsupported protocol`);
        p.proto = f.num;
        p.ext = f.ext;
        if (f.ext) g.addLongOptions(f.ext.options);
        break;
      }
      case 't': p.options |= OPT.TIMEOUT; p.timeout = atoi(arg); break;
      case 'u': {
        p.options |= OPT.STATUS;
        const s = parseStatus(arg, p.warnings);
        p.status = { bits: s.bits, kernelValue: s.bits, kernelMask: s.mask === 0 ? s.bits : s.mask };
        p.mark.value = s.bits; // conntrack stores the status in the mark filter's value too (kept: it decides what -m matches)
        break;
      }
      case 'e': p.options |= OPT.EVENT_MASK; p.eventMask |= parseList(arg, 'event', p.warnings); break;
      case 'o': {
        p.options |= OPT.OUTPUT;
        const bits = parseList(arg, 'output', p.warnings);
        for (const [name, bit] of PARSE_TABLES.output) if (bits & bit) p.output.add(name);
        if (p.output.has('save') && p.output.size > 1 && [...p.output].some((o) => o !== 'save' && o !== 'userspace')) {
          throw otherError('BAD_PARAMETER', 'cannot combine save output with any other output type, use -o save only');
        }
        break;
      }
      case 'z': p.options |= OPT.ZERO; break;
      case 'n': case 'g': case 'j': {
        p.options |= key === 'n' ? OPT.SRC_NAT : key === 'g' ? OPT.DST_NAT : OPT.ANY_NAT;
        const opt = g.optionalArg(r.optarg);
        if (opt === undefined) break;
        const m = /^([^:]*)(?::(.*))?$/.exec(opt)!;
        if (m[2] !== undefined && m[2] === '') throw paramError('BAD_PARAMETER', "No port specified after `:'");
        if (m[2] !== undefined && (!/^[0-9]+$/.test(m[2]) || Number(m[2]) > 65535)) throw paramError('BAD_PARAMETER', `Invalid port \`${m[2]}'`);
        const a = parseAddress(m[1]!, false);
        if (a.family === 'none') throw paramError('BAD_ADDRESS', `Invalid IP address \`${m[1]}'`);
        setFamily(a.family);
        const q: NatQuery = { addr: a.family === 'ipv4' ? a.addr : undefined, port: m[2] === undefined ? undefined : Number(m[2]) };
        if (key !== 'g') p.srcNat = q;
        if (key !== 'n') p.dstNat = q;
        break;
      }
      case 'w': p.options |= OPT.ZONE; p.zone = strtoul(arg) & 0xffff; break;
      case '(': p.options |= OPT.ORIG_ZONE; p.origZone = strtoul(arg) & 0xffff; break;
      case ')': p.options |= OPT.REPL_ZONE; p.replyZone = strtoul(arg) & 0xffff; break;
      case 'i': p.options |= OPT.ID; p.id = strtoul(arg); break;
      case 'c': p.options |= OPT.SECMARK; break;
      case 'm': {
        p.options |= OPT.MARK;
        const slash = /^\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(arg)![0].length;
        p.mark = { value: strtoul(arg), mask: arg[slash] === '/' ? strtoul(arg.slice(slash + 1)) : 0xffffffff };
        p.kernelMark = { ...p.mark };
        break;
      }
      case 'l': case '<': case '>': throw otherError('NOT_SUPPORTED', 'connlabels are not supported by rawgate');
      case 'a': p.warnings.push('WARNING: ignoring -a, deprecated option.\n'); break;
      case 'f':
        p.options |= OPT.FAMILY;
        if (arg.startsWith('ipv4')) setFamily('ipv4');
        else if (arg.startsWith('ipv6')) setFamily('ipv6');
        else throw paramError('UNSUPPORTED_PROTOCOL', `\`${arg}' unsupported protocol`);
        break;
      case 'b': p.options |= OPT.BUFFERSIZE; break;
      default: protoOption(p, key, arg);
    }
  }
  if (p.family === 'unspec' && ![CMD.LIST, CMD.UPDATE, CMD.DELETE, CMD.GET, CMD.FLUSH, CMD.EVENT].includes(command as 0)) p.family = 'ipv4';
  if (p.options & OPT.ANY_NAT && p.options & (OPT.SRC_NAT | OPT.DST_NAT)) {
    throw paramError('NAT_CONFLICT', "cannot specify `--src-nat' or `--dst-nat' with `--any-nat'");
  }
  p.cmd = command;
  if (command < 0) return p; // conntrack indexes past its table here; it then prints the usage
  optCheck(p.options, CMD_OPTIONS[command]!, OPT_NAMES, [OPT.ORIG_SRC | OPT.ORIG_DST, OPT.REPL_SRC | OPT.REPL_DST],
    ["you have to specify `--src' and `--dst'", "you have to specify `--reply-src' and `--reply-dst'"]);
  if (command !== CMD.HELP && p.ext && command < p.ext.cmdOptions.length) {
    const ext = p.ext;
    optCheck(p.protoOptions, ext.cmdOptions[command]!, ext.optNames, [3, 12], ext.pairMessages);
  }
  return p;
}

function protoOption(p: ParsedCommand, key: string, arg: string): void {
  const [proto, what] = key.split(':') as [string, string];
  // An option of an earlier -p: conntrack hands it to the last protocol's parser, which ignores it.
  if (!p.ext || p.ext.name !== proto) return;
  const order = proto === 'icmp' ? ICMP_OPT_ORDER : proto === 'tcp' ? TCP_OPT_ORDER : UDP_OPT_ORDER;
  p.protoOptions |= 1 << order.indexOf(what);
  const port = atoi(arg) & 0xffff;
  switch (what) {
    case 'sport': p.orig.sport = port; break;
    case 'dport': p.orig.dport = port; break;
    case 'rsport': p.reply.sport = port; break;
    case 'rdport': p.reply.dport = port; break;
    case 'type': p.orig.icmpType = atoi(arg) & 0xff; break;
    case 'code': p.orig.icmpCode = atoi(arg) & 0xff; break;
    case 'id': p.orig.icmpId = atoi(arg) & 0xffff; break;
    case 'state': {
      const i = TCP_STATE_NAMES.indexOf(arg as (typeof TCP_STATE_NAMES)[number]);
      if (arg === 'LISTEN') p.tcpState = 9;
      else if (i < 0) throw paramError('UNKNOWN_TCP_STATE', `unknown TCP state \`${arg}'`);
      else p.tcpState = i;
      break;
    }
    default: // mask/tuple ports: expectations only, which rawgate's table does not hold
  }
}
