/**
 * IptablesError: an error in iptables' own words. `status` is the exit code
 * iptables uses (1 = the operation failed, 2 = bad usage / parameter problem,
 * 3 = unknown table, 4 = the kernel (nf_tables) refused the change).
 * `code` is rawgate's stable code for programs and logs.
 * `form` says how the command line prints it (see cli/render.ts):
 *  - 'param'   "<prog> v1.8.9 (nf_tables): <message>" + the "Try `iptables -h'" line (status 2)
 *  - 'bare'    "<message>" + the Try line (status 2; e.g. "Bad argument `x'")
 *  - 'op'      "iptables: <message>" (status 1; the message ends with its own '.')
 *  - 'other'   "<prog> v1.8.9 (nf_tables): <message>" (status 1 or 4)
 *  - 'version' 'other' + "Perhaps iptables or your kernel needs to be upgraded." (status 3)
 *  - 'kernel'  a kernel refusal of a rule; the caller turns it into
 *              " RULE_APPEND failed (<message>): rule in chain X" (status 4)
 * A message ending in "\n" prints an empty line after it, as iptables does.
 */
export type ErrorForm = 'param' | 'bare' | 'op' | 'other' | 'version' | 'kernel';

export class IptablesError extends Error {
  readonly form: ErrorForm;
  constructor(
    message: string,
    readonly status: 1 | 2 | 3 | 4,
    readonly code: string,
    form?: ErrorForm,
  ) {
    super(message);
    this.name = 'IptablesError';
    this.form = form ?? (status === 2 ? 'param' : status === 1 ? 'op' : status === 3 ? 'version' : 'other');
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

/**
 * The kernel refuses a rule (xt_check_match/target: wrong table, hook or
 * protocol). `reason` is strerror's text ("Invalid argument" for EINVAL).
 * Extensions throw this from check(); the command prints
 * "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT", exit 4.
 */
export function kernelReject(reason = 'Invalid argument', code = 'KERNEL_EINVAL'): IptablesError {
  return new IptablesError(reason, 4, code, 'kernel');
}
