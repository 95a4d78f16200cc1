/**
 * Binds the control handler to the iptables command line of src/iptables:
 * `runIptables(argv, rs)`, `runIptablesSave(argv, rs)`,
 * `runIptablesRestore(argv, input, rs)`, all pure functions of the ruleset.
 */
import { runIptables, runIptablesRestore, runIptablesSave } from '../iptables/index.js';
import type { IptablesCommands } from './handler.js';

export const iptablesCommands: IptablesCommands = {
  iptables: (argv, rs) => runIptables(argv, rs),
  save: (argv, rs) => runIptablesSave(argv, rs),
  restore: (argv, input, rs) => runIptablesRestore(argv, input, rs),
};

/** The rules file at start loads all or nothing (rawgate's reload semantics). */
export const iptablesRestoreAtomic: IptablesCommands['restore'] = (argv, input, rs) => runIptablesRestore(argv, input, rs, { atomic: true });
