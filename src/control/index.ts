/** The control plane's public face: protocol, server, handler, client. */
export * from './protocol.js';
export { ControlError } from './errors.js';
export type { ControlErrorCode } from './errors.js';
export { ControlHandler, countRules } from './handler.js';
export type { CommandResult, IptablesCommands, ControlHandlerOptions } from './handler.js';
export { startControlServer, probeSocket, claimSocketPath } from './server.js';
export type { ControlServer, ControlServerOptions, ProbeResult } from './server.js';
export { controlRequest, pingDaemon, resolveSocketPath, DEFAULT_SOCKET } from './client.js';
