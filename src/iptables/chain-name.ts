/**
 * Chain and target names: the one place that decides which names a command
 * (-N, -E, -A/-I/-R/-D/-C with -j/-g, -P, -F, -X, -L ...) and iptables-restore
 * (chain lines and command lines) accept, with iptables 1.8.9's messages.
 *
 * iptables checks a new chain name (assert_valid_chain_name) for -N and for
 * restore's ":chain" lines, but not for -E, which renames a chain to anything,
 * an empty name, 40 bytes, a newline, ACCEPT, and leaves a ruleset its own
 * iptables-restore cannot read back. rawgate checks the new name of -E like
 * -N's (a deliberate deviation, see test/iptables/deviations.ts).
 * Lengths are in bytes, as strlen counts them; whitespace is C's isspace in the
 * C locale (not JavaScript's \s, which would refuse U+2028 that iptables takes).
 */
import { paramProblem } from './errors.js';
import { findTarget } from './ext/index.js';
import { isKnownTargetName } from './cli/target-names.js';

/** XT_EXTENSION_MAXNAMELEN: names are at most 28 bytes. */
export const XT_EXTENSION_MAXNAMELEN = 29;

const C_SPACE = /[ \t\n\v\f\r]/;

function bytes(s: string): number {
  return Buffer.byteLength(s);
}

/** The chain argument of any command (do_parse's check after the options): at most 28 bytes. */
export function checkChainArg(name: string): void {
  if (bytes(name) >= XT_EXTENSION_MAXNAMELEN) {
    throw paramProblem(`chain name \`${name}' too long (must be under ${XT_EXTENSION_MAXNAMELEN} chars)`, 'BAD_CHAIN');
  }
}

/**
 * Which target names a new chain may not take. 'command': every target
 * iptables knows, and '' (xtables_find_target reads it as "standard"), for -N
 * (also on a restore line) and -E. 'chain-line': restore's ":name" lines, where
 * iptables 1.8.9 only refuses the standard verdicts (":LOG - [0:0]" loads;
 * a later "-j LOG" is then the LOG target, as it is after such a restore in
 * iptables).
 */
export type ClashRule = 'command' | 'chain-line';

const VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

/**
 * assert_valid_chain_name, plus one refusal of rawgate's own: a '"' (restore
 * would open a quote at it in every "-A NAME" and "-j NAME" of the save).
 */
export function checkNewChainName(name: string, clash: ClashRule = 'command'): void {
  checkChainArg(name);
  if (name.startsWith('-') || name.startsWith('!')) {
    throw paramProblem(`chain name not allowed to start with \`${name[0]}'`, 'BAD_CHAIN');
  }
  const clashes = clash === 'chain-line' ? VERDICTS.has(name) : name === '' || isKnownTargetName(name) || !!findTarget(name);
  if (clashes) throw paramProblem('chain name may not clash with target name', 'BAD_CHAIN');
  if (C_SPACE.test(name) || name.includes('"')) throw paramProblem(`Invalid chain name \`${name}'`, 'BAD_CHAIN');
}

/** xt_parse_target (-j, -g): 1 to 28 bytes, no whitespace. */
export function checkTargetName(name: string): string {
  if (name === '') throw paramProblem('Invalid target name (too short)', 'BAD_TARGET');
  if (bytes(name) >= XT_EXTENSION_MAXNAMELEN) {
    throw paramProblem(`Invalid target name \`${name}' (${XT_EXTENSION_MAXNAMELEN - 1} chars max)`, 'BAD_TARGET');
  }
  if (C_SPACE.test(name)) throw paramProblem(`Invalid target name \`${name}'`, 'BAD_TARGET');
  return name;
}

/**
 * do_parse's check of a rule's interfaces against its chain's name (by name,
 * whatever the table): no -o in PREROUTING or INPUT, no -i in POSTROUTING or
 * OUTPUT. iptables-restore makes it on every rule line, so -E applies it too
 * (rawgate's deviation): renaming a chain that holds "-o eth0" rules to INPUT
 * (a user chain in raw) would leave a save restore refuses.
 */
export function checkDirections(chain: string, hasIn: boolean, hasOut: boolean): void {
  if ((chain === 'PREROUTING' || chain === 'INPUT') && hasOut) throw paramProblem(`Can't use -o with ${chain}\n`, 'BAD_IFACE');
  if ((chain === 'POSTROUTING' || chain === 'OUTPUT') && hasIn) throw paramProblem(`Can't use -i with ${chain}\n`, 'BAD_IFACE');
}
