/** The lab's public face (end-to-end tests, the demo, benchmarks). */
export { createLab, teardownLabs, teardownPrefix, listLabs, configureHost } from './topology.js';
export type { Lab, LabKind, LabOptions } from './topology.js';
export { labPlan, newPrefix, nsName, PREFIX_RE } from './plan.js';
export type { LabLink, LabPlan, Role } from './plan.js';
export { labConfigObject, writeLabConfig, labSocketPath } from './config.js';
export type { LabConfigOptions } from './config.js';
export { startRawgate, attachGuests, repoRoot, RawgateStartError } from './daemon.js';
export type { RawgateRun, StartOptions } from './daemon.js';
export { isRoot, tryRun, run, nsArgv, systemIptables, listNamespaces, LabCommandError } from './exec.js';
export { saveKeptLab, readKeptLab, forgetKeptLab, keptLabPrefixes } from './state.js';
export type { KeptLab } from './state.js';
export { runDemo, DEMO_RULES } from './demo.js';
export { preflight, findMissing, advise, DEMO_TOOLS, TEST_TOOLS, TOOLS } from './preflight.js';
export type { Advice, ExecFn, SystemFacts, ToolName } from './preflight.js';
