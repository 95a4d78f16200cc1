/** Typed errors of the control socket, with stable codes. */

export type ControlErrorCode =
  | 'CONTROL_UNAVAILABLE' // no daemon answers on the socket (client side)
  | 'CONTROL_IN_USE' // another daemon already answers on the socket path (server side)
  | 'CONTROL_PATH_INVALID' // the path exists and is not a socket, or its directory cannot be made
  | 'CONTROL_PROTOCOL' // a malformed or missing response
  | 'CONTROL_TIMEOUT';

export class ControlError extends Error {
  constructor(
    readonly code: ControlErrorCode,
    message: string,
    readonly socketPath: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}
