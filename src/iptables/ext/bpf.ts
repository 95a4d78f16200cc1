/**
 * -m bpf (libxt_bpf.c, revision 1): --bytecode "N,code jt jf k,..." (a
 * classic BPF program, as nfbpf_compile prints it; at most 64 instructions)
 * or --object-pinned PATH (a pinned eBPF object: rawgate has no bpf
 * filesystem, so it fails as iptables does when the object cannot be opened).
 * Parsed with bpf_parse_string's sscanf formats ("%hu%c" head, then
 * "%hu %hhu %hhu %u" per ','-separated token: leading blanks and a sign are
 * accepted, values wrap to the field's width). Save: --bytecode "N,...";
 * -L: "match bpf " then the instructions and, as iptables prints it, a NUL
 * byte (the '\0' tail of bpf_print_code). The kernel refuses a program
 * bpf_check_classic refuses (EINVAL).
 */
import { checkClassicBpf } from '../../rules/match/bpf.js';
import { kernelReject, paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { given, once } from './xt-options.js';
import { bindBpf } from '../../rules/match/bpf.js';

/** -m bpf (revision 1, --bytecode only). */
export interface BpfMatch {
  name: 'bpf';
  /** The instructions as [code, jt, jf, k]. */
  program: [number, number, number, number][];
}
declare module '../../rules/matches.js' {
  interface MatchTypes { bpf: BpfMatch; }
}

const MAX_INSTR = 64; // XT_BPF_MAX_NUM_INSTR
const U64_MAX = (1n << 64n) - 1n;

/** One sscanf unsigned conversion ("%hu", "%hhu", "%u") at `i`: [value, next index], or undefined. */
function scanUnsigned(s: string, i: number, bits: number): [number, number] | undefined {
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') { neg = s[i] === '-'; i++; }
  const start = i;
  while (i < s.length && s[i]! >= '0' && s[i]! <= '9') i++;
  if (i === start) return undefined;
  let v = BigInt(s.slice(start, i));
  if (v > U64_MAX) v = U64_MAX; // strtoul: ERANGE, ULONG_MAX
  else if (neg) v = (U64_MAX + 1n - v) & U64_MAX;
  return [Number(v & ((1n << BigInt(bits)) - 1n)), i];
}

const err = (msg: string) => paramProblem(`bpf: ${msg}`, 'BAD_VALUE');

/** bpf_parse_string. */
export function parseBpfProgram(text: string): BpfMatch['program'] {
  const head = scanUnsigned(text, 0, 16);
  if (!head || text[head[1]] !== ',') throw err('error parsing program length');
  const len = head[0];
  if (len === 0) throw err('illegal zero length program');
  if (len > MAX_INSTR) throw err('number of instructions exceeds maximum');
  const prog: BpfMatch['program'] = [];
  let pos = text.indexOf(',');
  while (pos >= 0 && pos + 1 < text.length) {
    const tok = pos + 1;
    if (prog.length >= len) throw err('real program length exceeds the encoded length parameter');
    const code = scanUnsigned(text, tok, 16);
    const jt = code && scanUnsigned(text, code[1], 8);
    const jf = jt && scanUnsigned(text, jt[1], 8);
    const k = jf && scanUnsigned(text, jf[1], 32);
    if (!k) throw err(`error at instr ${prog.length}`);
    prog.push([code![0], jt![0], jf![0], k[0]]);
    pos = text.indexOf(',', tok);
  }
  if (prog.length !== len) throw err('parsed program length is less than the encoded length parameter');
  return prog;
}

const code = (m: BpfMatch): string => m.program.map(([c, jt, jf, k]) => `${c} ${jt} ${jf} ${k}`).join(',');

export const bpfMatch: MatchExt<BpfMatch> = {
  name: 'bpf',
  bind: (m) => bindBpf(m),
  options: [{ name: 'bytecode', hasArg: true }, { name: 'object-pinned', hasArg: true }],
  init: () => ({ name: 'bpf', program: [] }),
  parse(m, option, arg) {
    once('bpf', m, option);
    if (option === 'bytecode') m.program = parseBpfProgram(arg!);
    else throw err('failed to get bpf object');
  },
  final(m) {
    if (given(m, 'bytecode') === given(m, 'object-pinned')) throw err('one of --bytecode or --pinned is required');
  },
  save: (m) => ` --bytecode "${m.program.length},${code(m)}"`,
  print: (m) => `match bpf ${code(m)}\0`,
  check(m) {
    if (checkClassicBpf(m.program) !== undefined) throw kernelReject();
  },
};
