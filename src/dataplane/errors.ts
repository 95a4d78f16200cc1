/** Errors the dataplane throws at start or on apply (never per packet). */
export type DataplaneErrorCode = 'PORT_OPEN' | 'HOST_PORT_SETUP' | 'ROUTE_CONFIG' | 'RULESET_COMPILE';

export class DataplaneError extends Error {
  constructor(readonly code: DataplaneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataplaneError';
  }
}
