/**
 * Command and option bits of iptables' do_parse (iptables/xshared.h), and the
 * checks tied to them: which commands combine, which options each allows.
 */
import { paramProblem } from '../errors.js';

export const Cmd = {
  NONE: 0, INSERT: 1, DELETE: 2, DELETE_NUM: 4, REPLACE: 8, APPEND: 16, LIST: 32, FLUSH: 64, ZERO: 128,
  NEW_CHAIN: 256, DELETE_CHAIN: 512, SET_POLICY: 1024, RENAME_CHAIN: 2048, LIST_RULES: 4096,
  ZERO_NUM: 8192, CHECK: 16384,
} as const;

export const Opt = {
  NUMERIC: 1, SOURCE: 2, DESTINATION: 4, PROTOCOL: 8, JUMP: 16, VERBOSE: 32, EXPANDED: 64,
  VIANAMEIN: 128, VIANAMEOUT: 256, LINENUMBERS: 512, COUNTERS: 1024, FRAGMENT: 2048,
} as const;

const OPT_CHARS = ['n', 's', 'd', 'p', 'j', 'v', 'x', 'i', 'o', '0', 'c', 'f'];
/** Whether "!" may precede the option (inverse_for_options). */
const OPT_INVERTIBLE = [false, true, true, true, false, false, false, true, true, false, false, true];
const CMD_CHARS = ['I', 'D', 'D', 'R', 'A', 'L', 'F', 'Z', 'N', 'X', 'P', 'E', 'S', 'Z', 'C'];

function bitIndex(v: number): number {
  let i = 0;
  for (let x = v; x > 1; x >>>= 1) i++;
  return i;
}

export function cmdChar(cmd: number): string {
  return CMD_CHARS[bitIndex(cmd)]!;
}

export function optChar(opt: number): string {
  return OPT_CHARS[bitIndex(opt)]!;
}

/** add_command: one command per invocation (-L/-S may be combined with -Z). */
export function addCommand(current: number, cmd: number, others: number, invert: boolean): number {
  if (invert) throw paramProblem("unexpected '!' flag", 'BAD_INVERT');
  if (current & ~others) throw paramProblem(`Cannot use -${cmdChar(cmd)} with -${cmdChar(current & ~others)}`, 'BAD_COMMAND');
  return current | cmd;
}

/** set_option: each generic option once; "!" only where allowed. */
export function setOption(options: number, opt: number, invert: boolean): number {
  if (options & opt) throw paramProblem(`multiple -${optChar(opt)} flags not allowed`, 'DUP_OPTION');
  if (invert && !OPT_INVERTIBLE[bitIndex(opt)]) throw paramProblem(`cannot have ! before -${optChar(opt)}`, 'BAD_INVERT');
  return options | opt;
}

/* Rows: commands in bit order; columns: -n -s -d -p -j -v -x -i -o --line -c -f ('x' = illegal). */
const LEGAL: readonly string[] = [
  /*INSERT*/ 'x     x  x  ',
  /*DELETE*/ 'x     x  xx ',
  /*DELETE_NUM*/ 'xxxxx xxxxxx',
  /*REPLACE*/ 'x     x  x  ',
  /*APPEND*/ 'x     x  x  ',
  /*LIST*/ ' xxxx  xx xx',
  /*FLUSH*/ 'xxxxx xxxxxx',
  /*ZERO*/ 'xxxxx xxxxxx',
  /*NEW_CHAIN*/ 'xxxxx xxxxxx',
  /*DEL_CHAIN*/ 'xxxxx xxxxxx',
  /*SET_POLICY*/ 'xxxxx xxxx x',
  /*RENAME*/ 'xxxxx xxxxxx',
  /*LIST_RULES*/ 'xxxxx xxxxxx',
  /*ZERO_NUM*/ 'xxxxx xxxxxx',
  /*CHECK*/ 'x     x  xx ',
];

/** generic_opt_check: an option is legal when any of the given commands allows it. */
export function checkOptions(command: number, options: number): void {
  for (let i = 0; i < OPT_CHARS.length; i++) {
    if (!(options & (1 << i))) continue;
    let legal = 0;
    for (let j = 0; j < LEGAL.length; j++) {
      if (!(command & (1 << j))) continue;
      if (LEGAL[j]![i] !== 'x') legal = 1;
      else if (legal === 0) legal = -1;
    }
    if (legal === -1) throw paramProblem(`Illegal option \`-${OPT_CHARS[i]}' with this command`, 'ILLEGAL_OPTION');
  }
}

/** Commands that take a rule specification. */
export const RULE_COMMANDS = Cmd.APPEND | Cmd.DELETE | Cmd.CHECK | Cmd.INSERT | Cmd.REPLACE;
