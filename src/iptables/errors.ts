/**
 * IptablesError: an error in iptables' own words. `status` is the exit code
 * iptables uses (1 = the operation failed, 2 = bad usage / parameter problem).
 * `code` is rawgate's stable code for programs and logs.
 */
export class IptablesError extends Error {
  constructor(
    message: string,
    readonly status: 1 | 2 | 4,
    readonly code: string,
  ) {
    super(message);
    this.name = 'IptablesError';
  }
}

/** iptables' usage failure: printed with the "Try `iptables -h'" hint, exit 2. */
export function paramProblem(message: string, code = 'PARAM'): IptablesError {
  return new IptablesError(message, 2, code);
}

/** A failed operation (no such chain, rule not found ...), exit 1. */
export function opFailed(message: string, code = 'OP'): IptablesError {
  return new IptablesError(message, 1, code);
}
