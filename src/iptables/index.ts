/**
 * The iptables layer's public face: text in, model out, and the model back to
 * text exactly as iptables 1.8.9 (nf_tables) prints it.
 */
export { runIptables, execute, iptablesReadsOnly, type RunResult } from './cli/run.js';
export { runIptablesSave, type SaveRunOptions } from './cli/save-cmd.js';
export { runIptablesRestore, restoreSteps, splitRestoreLine, type RestoreOptions } from './cli/restore.js';
export { parseCommandLine, type ParsedCommand } from './cli/parse.js';
export { dispatchByName, type ProgramName } from './dispatch.js';
export { saveRuleset, saveTable } from './format/save.js';
export { ruleSaveLine, ruleSpecText, sameRule } from './format/rule-text.js';
export { listTable, listChain, type ListFormat } from './format/list.js';
export { listRules } from './format/list-rules.js';
export { IptablesError, paramProblem, opFailed, kernelReject } from './errors.js';
