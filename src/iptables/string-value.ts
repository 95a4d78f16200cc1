/**
 * String option values on their way through iptables-save and back in through
 * iptables-restore: how a value is cut into its fixed-size field, how it is
 * printed in a save, and which values rawgate refuses because the save could
 * not be read back.
 *
 * iptables-restore splits a rule line with add_param_to_argv: a space, tab or
 * newline ends a word and a double quote opens a quoted part (in which a
 * backslash escapes the next character); the file is read line by line. So a
 * value saved bare reads back only when it is not empty and holds no space,
 * tab, newline or '"'; a value saved with xtables_save_string only when it
 * holds no newline. iptables 1.8.9 accepts such values and saves them anyway
 * (recorded in test/iptables/fixtures/expected-strings.txt: its own restore
 * then fails or loads something else). rawgate refuses them instead: a save
 * that cannot be restored is a bug, not a format (the refusals are listed, with
 * what iptables does, in test/iptables/deviations.ts).
 */
import { IptablesError, paramProblem } from './errors.js';

/** What breaks a value saved bare: restore's word separators and its quote. */
const BARE_BREAKERS = /[ \t\n"]/;

/**
 * XTTYPE_STRING (xtopt_parse_string): at least `min` and at most `max` bytes
 * when those are set, else silently cut to fit char[size] (size - 1 bytes).
 * The cut falls on a UTF-8 character boundary: iptables cuts bytes and may keep
 * half a character, which a JavaScript string cannot hold and which would not
 * save and restore to the same value.
 */
export function putString(arg: string, size: number, limits: { min?: number; max?: number } = {}): string {
  const bytes = Buffer.from(arg);
  if (limits.min !== undefined && bytes.length < limits.min) {
    throw paramProblem(`Argument must have a minimum length of ${limits.min} characters\n`, 'TOO_SHORT');
  }
  if (limits.max !== undefined && bytes.length > limits.max) {
    throw paramProblem(`Argument must have a maximum length of ${limits.max} characters\n`, 'TOO_LONG');
  }
  if (bytes.length < size) return arg;
  let end = size - 1;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * xtables_save_string: " word" when the value is non-empty and only
 * [A-Za-z0-9_-], else ' "..."' with '"', '\' and "'" backslash-escaped.
 */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return ` ${value}`;
  return ` "${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/**
 * The refusal of a value whose save would not read back, in xtables_param_act's
 * XTF_BAD_VALUE words ("ext: Bad value for "--opt" option: "value"").
 */
export function unrestorableValue(ext: string, option: string, value: string): IptablesError {
  return paramProblem(`${ext}: Bad value for "--${option}" option: "${value}"`, 'UNRESTORABLE_VALUE');
}

/**
 * A value iptables saves bare (" --opt VALUE"): refused when empty or holding a
 * space, tab, newline or '"', in xtables_param_act's XTF_BAD_VALUE words.
 * Callers whose empty value saves nothing (or that iptables or the kernel
 * refuse in their own words) check only non-empty values.
 */
export function checkBare(ext: string, option: string, value: string): void {
  if (value === '' || BARE_BREAKERS.test(value)) throw unrestorableValue(ext, option, value);
}

/** A value saved with saveString (quoted): refused when it holds a newline, in libxt_LOG's words. */
export function checkQuoted(option: string, value: string): void {
  if (value.includes('\n')) throw paramProblem(`Newlines not allowed in --${option}`, 'UNRESTORABLE_VALUE');
}

export const IFNAMSIZ = 16;

/**
 * An interface name (-i, -o, --physdev-in/--physdev-out), saved bare: empty is
 * refused as -i refuses it; whitespace or '"', as -N refuses a chain name.
 */
export function checkInterface(name: string): void {
  if (name === '') throw paramProblem('Empty interface is likely to be undesired', 'BAD_IFACE');
  if (BARE_BREAKERS.test(name)) throw paramProblem(`Invalid interface name \`${name}'`, 'BAD_IFACE');
}

/**
 * xtables_parse_interface, less its acceptance of names iptables-save could not
 * write back (checkInterface): at most IFNAMSIZ - 1 bytes; a '/' draws
 * iptables' warning, wildcard ("a/b+") or not (observed on 1.8.9).
 */
export function parseInterface(arg: string, warn?: (text: string) => void): string {
  if (Buffer.byteLength(arg) + 1 > IFNAMSIZ) {
    throw paramProblem(`interface name \`${arg}' must be shorter than IFNAMSIZ (${IFNAMSIZ - 1})`, 'BAD_IFACE');
  }
  checkInterface(arg);
  if (arg.includes('/')) {
    warn?.(`Warning: weird character in interface \`${arg}' ('/' and ' ' are not allowed by the kernel).\n`);
  }
  return arg;
}
