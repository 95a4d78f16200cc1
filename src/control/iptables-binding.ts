/**
 * Binds the control handler to the iptables command line of src/iptables:
 * `runIptables(argv, rs)`, `runIptablesSave(argv, rs)`,
 * `runIptablesRestore(argv, input, rs)`, all pure functions of the ruleset;
 * the restore also in steps, and which command lines only read.
 */
import { iptablesReadsOnly, restoreSteps, runIptables, runIptablesRestore, runIptablesSave } from '../iptables/index.js';
import type { IptablesCommands } from './handler.js';

export const iptablesCommands: IptablesCommands = {
  iptables: (argv, rs) => runIptables(argv, rs),
  save: (argv, rs) => runIptablesSave(argv, rs),
  restore: (argv, input, rs) => runIptablesRestore(argv, input, rs),
  restoreSteps: (argv, input, rs) => restoreSteps(argv, input, rs),
  readsOnly: (argv) => iptablesReadsOnly(argv),
};

/** The rules file at start loads all or nothing (rawgate's reload semantics). */
export const iptablesRestoreAtomic: IptablesCommands['restore'] = (argv, input, rs) => runIptablesRestore(argv, input, rs, { atomic: true });
