/** Telemetry's public face: metrics registry and server, counters, loggers. */
export { Telemetry } from './metrics.js';
export type { CollectFn, TelemetryOptions } from './metrics.js';
export { InterfaceCounters } from './counters.js';
export type { InterfaceCounterSource } from './counters.js';
export { startMetricsServer, MetricsListenError } from './server.js';
export type { MetricsServer } from './server.js';
export { createRootLogger, componentLogger } from './logger.js';
export type { Logger, Component, LoggerOptions } from './logger.js';
export { rulesetCommitted, rulesetRefused, rulesetStatus, resetRulesetStatus, RULESET_EVALUATORS } from './ruleset.js';
export type { RulesetEvaluator, RulesetStatus } from './ruleset.js';
