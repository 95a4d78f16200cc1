/**
 * The descriptor of one iptables extension (-m NAME or -j NAME): everything
 * rawgate knows about it, in the extension's one module under src/iptables/ext/,
 * found through the one registry (src/iptables/ext/index.ts). A descriptor
 * carries
 * - its text side (libxt_*.c in iptables): options in, model data out, save
 *   and -L text back, and the kernel's table/hook checks;
 * - its binding: the rule's data turned into a function of the packet, once
 *   per rule at compile time, for the interpreter and the JIT alike (or a
 *   BindError saying what rawgate lacks to evaluate it);
 * - its flags (quiet: evaluation reads only the packet) and optional JIT hooks
 *   (inline code, dispatch-box narrowing, explain text).
 * Invariants: parse never touches anything but the data it is given; errors
 * are IptablesError with iptables' own message and exit status; bound
 * functions allocate nothing per packet.
 */
import type { Match } from '../../rules/matches.js';
import type { Target } from '../../rules/targets.js';
import type { Rule, TableName, HookName } from '../../rules/model.js';
import type { BindEnv, MatchFn, TargetFn } from '../../rules/binding.js';
import type { MatchJit } from '../../rules/jit/ext-hooks.js';

export interface OptSpec {
  /** Long option name without the leading dashes, e.g. 'dport'. */
  name: string;
  /** Whether it takes an argument (extra words are pulled with ParseCtx.nextArg). */
  hasArg: boolean;
  /** May be preceded by "!". */
  invertible?: boolean;
}

export interface ParseCtx {
  /** The rule being built (generic part already parsed up to this point: -p is known if it came first). */
  rule: Rule;
  table: TableName;
  /** Pull the next word of argv (for options with several arguments), or throw a usage error. */
  nextArg(option: string): string;
  /** Look at the next word without consuming it (undefined at the end). */
  peekArg(): string | undefined;
  /** Print a warning on stderr the way iptables does, without failing the command. */
  warn(text: string): void;
}

/** Where a rule may be used, for checks the kernel makes (xt_check_*: table and hooks). */
export interface UsageCheck {
  table: TableName;
  /** Built-in chains from which the rule's chain is reachable (all five when unknown). */
  hooks: readonly HookName[];
}

export interface MatchExt<M extends Match = Match> {
  name: M['name'];
  /** Alternative names (-m state is served by the conntrack module in 1.8.9). */
  aliases?: readonly string[];
  options: readonly OptSpec[];
  init(ctx: ParseCtx): M;
  /** One option occurrence; `invert` is true when "!" preceded it. */
  parse(m: M, option: string, arg: string | undefined, invert: boolean, ctx: ParseCtx): void;
  /** After all options: check completeness (e.g. icmp needs --icmp-type). */
  final?(m: M, ctx: ParseCtx): void;
  /** The save text following "-m name" (starts with a space or is empty). */
  save(m: M): string;
  /** The -L text (starts with a space or is empty); numeric = -n. */
  print(m: M, numeric: boolean): string;
  /** Kernel-side checks (protocol, table, hooks) done when the rule is committed. */
  check?(m: M, rule: Rule, use: UsageCheck): void;
  /** The match for one rule as a function of the packet, with its state bound in; throws BindError when rawgate cannot evaluate it. */
  bind(m: M, rule: Rule, env: BindEnv): MatchFn;
  /** Evaluation touches nothing outside ctx (no host call, no state): the JIT may narrow dispatch boxes with it and test it out of rule order. */
  quiet?: boolean;
  jit?: MatchJit<M>;
}

export interface TargetExt<T extends Target = Target> {
  /** -j NAME. */
  name: string;
  options: readonly OptSpec[];
  init(ctx: ParseCtx): T;
  parse(t: T, option: string, arg: string | undefined, invert: boolean, ctx: ParseCtx): void;
  final?(t: T, ctx: ParseCtx): void;
  save(t: T): string;
  print(t: T, numeric: boolean): string;
  /** Target name shown in the -L target column when it differs from name (NOTRACK → CT). */
  listName?: string;
  check?(t: T, rule: Rule, use: UsageCheck): void;
  /** The target for one rule as a function of the packet; `table` and `chain` name it in logs. Throws BindError when rawgate cannot evaluate it. */
  bind(t: T, rule: Rule, env: BindEnv, table: string, chain: string): TargetFn;
}
