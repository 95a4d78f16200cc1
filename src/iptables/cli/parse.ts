/**
 * iptables' command line parser (iptables/xshared.c do_parse, 1.8.9): one
 * getopt_long pass over commands, generic rule options and extension options,
 * then the post-parse checks, in iptables' order so that the first error
 * reported is the one iptables reports.
 * Invariants: pure (no I/O); the result's rules are complete model rules, one
 * per combination of -s and -d addresses; errors are IptablesError.
 */
import { emptyRule, Frag, type Rule } from '../../rules/model.js';
import type { Target } from '../../rules/targets.js';
import { IptablesError, paramProblem } from '../errors.js';
import { parseAddrList } from '../addr.js';
import { protoName } from '../names/names.js';
import { parseProtocol } from '../proto.js';
import { strtoui, scanU64 } from '../parse-num.js';
import { findMatch, findTarget } from '../ext/index.js';
import type { MatchExt, OptSpec, ParseCtx, TargetExt } from '../ext/types.js';
import { addCommand, checkOptions, Cmd, Opt, RULE_COMMANDS, setOption } from './commands.js';
import { Getopt, NON_OPTION, type LongOpt } from './getopt.js';
import { checkChainArg, checkDirections, checkNewChainName, checkTargetName } from '../chain-name.js';
import { parseInterface } from '../string-value.js';
import { helpText } from './help.js';
import { mergeNftMatches } from './nft-quirks.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const SHORT_OPTS: Record<string, 0 | 1 | 2> = {
  A: 1, C: 1, D: 1, R: 1, I: 1, L: 2, S: 2, M: 1, F: 2, Z: 2, N: 1, X: 2, E: 1, P: 1, V: 0, h: 2,
  o: 1, p: 1, s: 1, d: 1, j: 1, i: 1, f: 0, b: 0, v: 0, w: 2, W: 2, n: 0, t: 1, m: 1, x: 0, c: 1, g: 1, '4': 0, '6': 0,
};

const ORIG_OPTS: readonly LongOpt[] = [
  ['append', 1, 'A'], ['delete', 1, 'D'], ['check', 1, 'C'], ['insert', 1, 'I'], ['replace', 1, 'R'],
  ['list', 2, 'L'], ['list-rules', 2, 'S'], ['flush', 2, 'F'], ['zero', 2, 'Z'], ['new-chain', 1, 'N'],
  ['delete-chain', 2, 'X'], ['rename-chain', 1, 'E'], ['policy', 1, 'P'], ['source', 1, 's'],
  ['destination', 1, 'd'], ['src', 1, 's'], ['dst', 1, 'd'], ['protocol', 1, 'p'], ['in-interface', 1, 'i'],
  ['jump', 1, 'j'], ['table', 1, 't'], ['match', 1, 'm'], ['numeric', 0, 'n'], ['out-interface', 1, 'o'],
  ['verbose', 0, 'v'], ['wait', 2, 'w'], ['wait-interval', 2, 'W'], ['exact', 0, 'x'], ['fragments', 0, 'f'],
  ['version', 0, 'V'], ['help', 2, 'h'], ['line-numbers', 0, '0'], ['modprobe', 1, 'M'],
  ['set-counters', 1, 'c'], ['goto', 1, 'g'], ['ipv4', 0, '4'], ['ipv6', 0, '6'],
].map(([name, hasArg, val]) => ({ name: name as string, hasArg: hasArg as 0 | 1 | 2, val: val as string }));

export interface ParseEnv {
  /** Parsing a line of iptables-restore (-t and -w are refused there). */
  restore?: boolean;
  /** Table in effect (restore's current *table); default 'filter'. */
  table?: string;
  /** Receives warnings iptables prints on stderr without failing. */
  warn?: (text: string) => void;
}

export interface ParsedCommand {
  command: number;
  chain?: string;
  rulenum: number;
  newName?: string;
  policy?: string;
  table: string;
  verbose: number;
  options: number;
  /** Rule commands: one rule per -s/-d combination (counters from -c). */
  rules: Rule[];
  /** -c PKTS BYTES (also for -P). */
  counters?: { pkts: number; bytes: number };
  /** -h / -V: print this on stdout and exit 0. */
  output?: string;
}

interface MatchInstance { ext: MatchExt<any>; data: any; completed: boolean }

function parseRuleNumber(s: string): number {
  const n = strtoui(s, 1, 0x7fffffff);
  if (n === undefined) throw paramProblem(`Invalid rule number \`${s}'`, 'BAD_RULENUM');
  return n;
}

/** -i / -o: a lone '+' matches every interface, which nft stores as no test. */
function viaName(arg: string, warn?: (t: string) => void): string {
  const name = parseInterface(arg, warn);
  return name === '+' ? '' : name;
}

const STANDARD_VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

/** Getopt entries of an extension's options, made once per extension (a restore parses 50,000 lines). */
const EXT_LONG_OPTS = new Map<string, readonly LongOpt[]>();
function extLongOpts(key: string, opts: readonly OptSpec[]): readonly LongOpt[] {
  let out = EXT_LONG_OPTS.get(key);
  if (out === undefined) {
    out = opts.map((o) => ({ name: o.name, hasArg: (o.hasArg ? 1 : 0) as 0 | 1, val: `${key}:${o.name}` }));
    EXT_LONG_OPTS.set(key, out);
  }
  return out;
}

export function parseCommandLine(argv: readonly string[], env: ParseEnv = {}): ParsedCommand {
  const g = new Getopt(argv, SHORT_OPTS, ORIG_OPTS);
  const rule = emptyRule();
  let command = 0;
  let chain: string | undefined;
  let rulenum = 0;
  let newName: string | undefined;
  let policy: string | undefined;
  let table = env.table ?? 'filter';
  let tableSet = false;
  let verbose = 0;
  let options = 0;
  let invert = false;
  let protocol: string | undefined;
  let protoUsed = false;
  let shost: string | undefined;
  let dhost: string | undefined;
  let jumpto = '';
  let isGoto = false;
  let targetExt: TargetExt<any> | undefined;
  let targetData: any;
  let counters: { pkts: number; bytes: number } | undefined;
  const matches: MatchInstance[] = [];
  const loadedExts = new Set<string>();

  const hasArg = () => g.optind < argv.length && !argv[g.optind]!.startsWith('-') && !argv[g.optind]!.startsWith('!');
  const ctx: ParseCtx = {
    rule,
    get table() { return table as any; },
    nextArg(option: string) {
      if (g.optind >= argv.length) throw paramProblem(`option "${option}" requires an argument`, 'MISSING_ARG');
      return argv[g.optind++]!;
    },
    peekArg: () => argv[g.optind],
    warn: (text: string) => env.warn?.(text),
  };

  const addExtOptions = (kind: 'm' | 't', name: string, opts: readonly OptSpec[]) => {
    const key = `${kind}:${name}`;
    if (loadedExts.has(key)) return;
    loadedExts.add(key);
    // xtables_merge_options: base options first, then the newest extension's, then the older ones,
    // so `-m mark --mark 1 -m connmark --mark 2` gives each --mark to the match just named.
    g.addOptions(extLongOpts(key, opts));
  };

  const addMatch = (ext: MatchExt<any>) => {
    for (const m of matches) if (m.ext.name === ext.name) m.completed = true;
    const inst: MatchInstance = { ext, data: ext.init(ctx), completed: false };
    matches.push(inst);
    addExtOptions('m', ext.name, ext.options);
  };

  /** load_proto: the implicit match named by -p, once per rule. */
  const loadProto = (): boolean => {
    if (protocol === undefined || protoUsed) return false;
    const n = strtoui(protocol, 0, 255);
    const name = n !== undefined ? protoName(n, (options & Opt.NUMERIC) !== 0) : protocol;
    const ext = name !== undefined ? findMatch(name) : undefined;
    if (!ext) return false;
    protoUsed = true;
    addMatch(ext);
    return true;
  };

  const callExt = (ext: MatchExt<any> | TargetExt<any>, data: any, optName: string, arg: string | undefined) => {
    const spec = ext.options.find((o) => o.name === optName)!;
    if (invert && !spec.invertible) {
      throw paramProblem(`${ext.name}: option "--${optName}" cannot be inverted.\n`, 'BAD_INVERT');
    }
    ext.parse(data, optName, spec.hasArg ? arg : undefined, invert, ctx);
  };

  for (;;) {
    const r = g.next();
    if (!r) break;
    const { c, optarg } = r;
    switch (c) {
      case 'A': command = addCommand(command, Cmd.APPEND, Cmd.NONE, invert); chain = optarg; break;
      case 'C': command = addCommand(command, Cmd.CHECK, Cmd.NONE, invert); chain = optarg; break;
      case 'D':
        command = addCommand(command, Cmd.DELETE, Cmd.NONE, invert);
        chain = optarg;
        if (hasArg()) { rulenum = parseRuleNumber(argv[g.optind++]!); command = Cmd.DELETE_NUM; }
        break;
      case 'R':
        command = addCommand(command, Cmd.REPLACE, Cmd.NONE, invert);
        chain = optarg;
        if (hasArg()) rulenum = parseRuleNumber(argv[g.optind++]!);
        else throw paramProblem('-R requires a rule number', 'MISSING_ARG');
        break;
      case 'I':
        command = addCommand(command, Cmd.INSERT, Cmd.NONE, invert);
        chain = optarg;
        rulenum = hasArg() ? parseRuleNumber(argv[g.optind++]!) : 1;
        break;
      case 'L':
      case 'S':
        command = addCommand(command, c === 'L' ? Cmd.LIST : Cmd.LIST_RULES, Cmd.ZERO | Cmd.ZERO_NUM, invert);
        if (optarg !== undefined) chain = optarg;
        else if (hasArg()) chain = argv[g.optind++];
        if (hasArg()) rulenum = parseRuleNumber(argv[g.optind++]!);
        break;
      case 'F':
        command = addCommand(command, Cmd.FLUSH, Cmd.NONE, invert);
        if (optarg !== undefined) chain = optarg;
        else if (hasArg()) chain = argv[g.optind++];
        break;
      case 'Z':
        command = addCommand(command, Cmd.ZERO, Cmd.LIST | Cmd.LIST_RULES, invert);
        if (optarg !== undefined) chain = optarg;
        else if (hasArg()) chain = argv[g.optind++];
        if (hasArg()) { rulenum = parseRuleNumber(argv[g.optind++]!); command = (command & ~Cmd.ZERO) | Cmd.ZERO_NUM; }
        break;
      case 'N':
        checkNewChainName(optarg!);
        command = addCommand(command, Cmd.NEW_CHAIN, Cmd.NONE, invert);
        chain = optarg;
        break;
      case 'X':
        command = addCommand(command, Cmd.DELETE_CHAIN, Cmd.NONE, invert);
        if (optarg !== undefined) chain = optarg;
        else if (hasArg()) chain = argv[g.optind++];
        break;
      case 'E':
        command = addCommand(command, Cmd.RENAME_CHAIN, Cmd.NONE, invert);
        chain = optarg;
        if (hasArg()) newName = argv[g.optind++];
        else throw paramProblem('-E requires old-chain-name and new-chain-name', 'MISSING_ARG');
        // iptables renames without checking the new name; rawgate checks it as -N does (chain-name.ts).
        checkNewChainName(newName);
        break;
      case 'P':
        command = addCommand(command, Cmd.SET_POLICY, Cmd.NONE, invert);
        chain = optarg;
        if (hasArg()) policy = argv[g.optind++];
        else throw paramProblem('-P requires a chain and a policy', 'MISSING_ARG');
        break;
      case 'h':
        return { command: 0, rulenum: 0, table, verbose, options, rules: [], output: helpText() };
      case 'p': {
        options = setOption(options, Opt.PROTOCOL, invert);
        protocol = optarg!.toLowerCase();
        const proto = parseProtocol(protocol);
        if (proto === 0 && invert) throw paramProblem('rule would never match protocol', 'BAD_PROTO');
        rule.proto = proto;
        rule.invProto = invert;
        break;
      }
      case 's': options = setOption(options, Opt.SOURCE, invert); shost = optarg; rule.invSrc = invert; break;
      case 'd': options = setOption(options, Opt.DESTINATION, invert); dhost = optarg; rule.invDst = invert; break;
      case 'g':
        options = setOption(options, Opt.JUMP, invert);
        isGoto = true;
        jumpto = checkTargetName(optarg!);
        break;
      case 'j': {
        options = setOption(options, Opt.JUMP, invert);
        jumpto = checkTargetName(optarg!);
        const t = STANDARD_VERDICTS.has(jumpto) ? undefined : findTarget(jumpto);
        if (t) {
          targetExt = t;
          targetData = t.init(ctx);
          addExtOptions('t', t.name, t.options);
        }
        break;
      }
      case 'i':
        if (optarg === '') throw paramProblem('Empty interface is likely to be undesired', 'BAD_IFACE');
        options = setOption(options, Opt.VIANAMEIN, invert);
        rule.inIface = viaName(optarg!, env.warn);
        rule.invIn = invert;
        break;
      case 'o':
        if (optarg === '') throw paramProblem('Empty interface is likely to be undesired', 'BAD_IFACE');
        options = setOption(options, Opt.VIANAMEOUT, invert);
        rule.outIface = viaName(optarg!, env.warn);
        rule.invOut = invert;
        break;
      case 'f':
        options = setOption(options, Opt.FRAGMENT, invert);
        rule.frag = invert ? Frag.FIRST_OR_UNFRAGMENTED : Frag.NON_FIRST;
        break;
      case 'v':
        if (!verbose) options = setOption(options, Opt.VERBOSE, invert);
        verbose++;
        break;
      case 'm': {
        if (invert) throw paramProblem('unexpected ! flag before --match', 'BAD_INVERT');
        const ext = findMatch(optarg!);
        if (!ext) throw paramProblem(`Couldn't load match \`${optarg}':No such file or directory\n`, 'UNKNOWN_MATCH');
        addMatch(ext);
        break;
      }
      case 'n': options = setOption(options, Opt.NUMERIC, invert); break;
      case 't':
        if (invert) throw paramProblem('unexpected ! flag before --table', 'BAD_INVERT');
        if (env.restore) throw paramProblem('The -t option cannot be used in iptables-restore.\n', 'BAD_OPTION');
        table = optarg!;
        tableSet = true;
        break;
      case 'x': options = setOption(options, Opt.EXPANDED, invert); break;
      case 'V':
        return {
          command: 0, rulenum: 0, table, verbose, options, rules: [],
          output: invert ? 'Not iptables v1.8.9 (nf_tables) ;-)\n' : 'iptables v1.8.9 (nf_tables)\n',
        };
      case 'w':
        if (env.restore) throw paramProblem("You cannot use `-w' from iptables-restore", 'BAD_OPTION');
        if (optarg === undefined && g.optind < argv.length && /^\d/.test(argv[g.optind]!)) g.optind++;
        break;
      case 'W':
        if (optarg === undefined && g.optind < argv.length && /^\d/.test(argv[g.optind]!)) g.optind++;
        break;
      case '0': options = setOption(options, Opt.LINENUMBERS, invert); break;
      case 'M': break;
      case 'c': {
        options = setOption(options, Opt.COUNTERS, invert);
        const pcnt = optarg!;
        const comma = pcnt.indexOf(',');
        let bcnt = comma >= 0 ? pcnt.slice(comma + 1) : undefined;
        if (bcnt === undefined && hasArg()) bcnt = argv[g.optind++];
        if (bcnt === undefined) throw paramProblem('-c requires packet and byte counter', 'MISSING_ARG');
        const p = scanU64(pcnt);
        if (p === undefined) throw paramProblem('-c packet counter not numeric', 'BAD_COUNTER');
        const b = scanU64(bcnt);
        if (b === undefined) throw paramProblem('-c byte counter not numeric', 'BAD_COUNTER');
        counters = { pkts: Number(p), bytes: Number(b) };
        break;
      }
      case '4': break;
      case '6':
        throw new IptablesError('This is the IPv4 version of iptables.', 2, 'BAD_FAMILY', 'param');
      case NON_OPTION:
        if (optarg === '!') {
          if (invert) throw paramProblem('multiple consecutive ! not allowed', 'BAD_INVERT');
          invert = true;
          continue;
        }
        throw new IptablesError(`Bad argument \`${optarg}'`, 2, 'BAD_ARGUMENT', 'bare');
      default: {
        // Extension options: the target first, then the first open match that owns the option.
        if (c.startsWith('t:') && targetExt && c.startsWith(`t:${targetExt.name}:`)) {
          callExt(targetExt, targetData, r.longName!, optarg);
          break;
        }
        if (c.startsWith('m:')) {
          const extName = c.slice(2, c.indexOf(':', 2));
          const inst = matches.find((m) => !m.completed && m.ext.name === extName);
          if (inst) {
            callExt(inst.ext, inst.data, r.longName!, optarg);
            break;
          }
        }
        if (loadProto()) {
          g.optind--;
          continue;
        }
        const word = argv[g.optind - 1];
        if (c === ':') throw paramProblem(`option "${word}" requires an argument`, 'MISSING_ARG');
        if (c === '?') throw paramProblem(`unknown option "${word}"`, 'UNKNOWN_OPTION');
        throw paramProblem(`Unknown arg "${optarg}"`, 'UNKNOWN_OPTION');
      }
    }
    invert = false;
  }

  if (table === 'nat' && (policy === 'DROP' || jumpto === 'DROP')) {
    throw paramProblem('\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n', 'NAT_DROP');
  }
  for (const m of matches) m.ext.final?.(m.data, ctx);
  if (targetExt) targetExt.final?.(targetData, ctx);
  if (!command) throw paramProblem('no command specified', 'NO_COMMAND');
  if (invert) throw paramProblem('nothing appropriate following !', 'BAD_INVERT');

  const srcs = shost !== undefined ? parseAddrList(shost) : [{ addr: 0, mask: 0 }];
  const dsts = dhost !== undefined ? parseAddrList(dhost) : [{ addr: 0, mask: 0 }];
  if ((srcs.length > 1 || dsts.length > 1) && (rule.invSrc || rule.invDst)) {
    throw paramProblem('! not allowed with multiple source or destination IP addresses', 'BAD_INVERT');
  }
  if (command === Cmd.REPLACE && (srcs.length !== 1 || dsts.length !== 1)) {
    throw paramProblem('Replacement rule does not specify a unique address', 'BAD_ADDRESS');
  }
  checkOptions(command, options);
  if (chain !== undefined) checkChainArg(chain);
  if (command & RULE_COMMANDS) checkDirections(chain!, (options & Opt.VIANAMEIN) !== 0, (options & Opt.VIANAMEOUT) !== 0);

  let target: Target = { kind: 'none' };
  if (isGoto) target = { kind: 'goto', chain: jumpto };
  else if (targetExt) target = targetData as Target;
  else if (STANDARD_VERDICTS.has(jumpto)) target = { kind: 'verdict', verdict: jumpto as 'ACCEPT' };
  else if (jumpto !== '') target = { kind: 'jump', chain: jumpto };
  rule.target = target;
  rule.matches = mergeNftMatches(matches.map((m) => m.data));
  if (counters) { rule.pkts = counters.pkts; rule.bytes = counters.bytes; }

  const rules: Rule[] = [];
  if ((command & RULE_COMMANDS) !== 0 && srcs.length === 1 && dsts.length === 1) {
    // One rule (the usual case): the rule this parse built, no copy.
    rule.src = srcs[0]!.addr; rule.srcMask = srcs[0]!.mask; rule.dst = dsts[0]!.addr; rule.dstMask = dsts[0]!.mask;
    rules.push(rule);
  } else if (command & RULE_COMMANDS) {
    for (const s of srcs) {
      for (const d of dsts) {
        rules.push({ ...rule, src: s.addr, srcMask: s.mask, dst: d.addr, dstMask: d.mask, matches: [...rule.matches] });
      }
    }
  }
  void tableSet;
  return { command, chain, rulenum, newName, policy, table, verbose, options, rules, counters };
}
