/**
 * Errors of the `conntrack` command line. Invariant: `code` is stable (tests
 * and callers match on it), `text` is exactly what conntrack(8) prints after
 * its "conntrack v1.4.7 (conntrack-tools): " prefix, and `exit` is its exit
 * status: 2 (PARAMETER_PROBLEM, followed by the "Try ..." line) or 1
 * (OTHER_PROBLEM). Thrown while parsing or executing, never on the packet path.
 */
import { CT_BANNER, CT_PROGNAME } from './types.js';

export type CtCliErrorCode =
  | 'UNKNOWN_OPTION'
  | 'MISSING_ARGUMENT'
  | 'UNKNOWN_TABLE'
  | 'COMMANDS_COMBINATION'
  | 'BAD_ADDRESS'
  | 'BAD_NETMASK'
  | 'NO_CIDR'
  | 'FAMILY_MISMATCH'
  | 'UNSUPPORTED_PROTOCOL'
  | 'BAD_PARAMETER'
  | 'UNKNOWN_TCP_STATE'
  | 'OPTION_REQUIRED'
  | 'OPTION_ILLEGAL'
  | 'TUPLE_INCOMPLETE'
  | 'ZERO_WITH_FILTER'
  | 'NAT_CONFLICT'
  | 'MASK_WITHOUT_ADDRESS'
  | 'TABLE_COMMAND'
  | 'NOT_FOUND'
  | 'INVALID_PARAMETERS'
  | 'NOT_SUPPORTED';

/** conntrack's enum exittype. */
export const OTHER_PROBLEM = 1;
export const PARAMETER_PROBLEM = 2;

export class CtCliError extends Error {
  constructor(
    readonly code: CtCliErrorCode,
    readonly text: string,
    readonly exit: typeof OTHER_PROBLEM | typeof PARAMETER_PROBLEM = PARAMETER_PROBLEM,
  ) {
    super(text);
    this.name = 'CtCliError';
  }

  /** What conntrack(8) writes to stderr for this error. */
  stderr(): string {
    let s = `${CT_BANNER}: ${this.text}\n`;
    if (this.exit === PARAMETER_PROBLEM) {
      s += `Try \`${CT_PROGNAME} -h' or '${CT_PROGNAME} --help' for more information.\n`;
    }
    return s;
  }
}

export const paramError = (code: CtCliErrorCode, text: string): CtCliError => new CtCliError(code, text, PARAMETER_PROBLEM);
export const otherError = (code: CtCliErrorCode, text: string): CtCliError => new CtCliError(code, text, OTHER_PROBLEM);
