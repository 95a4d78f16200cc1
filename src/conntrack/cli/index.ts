/**
 * rawgate's `conntrack` command line (conntrack-tools 1.4.7 compatible) over
 * an abstract CtSource: the entry points and the types to implement.
 */
export { runConntrack, streamConntrackEvents } from './command.js';
export { parseConntrackArgs, type ParsedCommand } from './args.js';
export { CtCliError, type CtCliErrorCode } from './errors.js';
export { formatEntry, formatStats, type FormatOptions } from './format.js';
export * from './types.js';
