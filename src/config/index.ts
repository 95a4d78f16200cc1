/** The configuration layer's public face. */
export { loadConfig, parseConfig } from './load.js';
export { validateConfig } from './validate.js';
export { ConfigError, isConfigError } from './errors.js';
export type { ConfigIssue } from './errors.js';
export { DEFAULTS } from './types.js';
export type * from './types.js';
