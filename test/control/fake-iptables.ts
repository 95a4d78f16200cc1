/**
 * A toy iptables for control-plane tests: `-N NAME` adds a user chain to the
 * filter table (copy-on-write), `-L` lists chain names, anything else is a
 * usage error; save prints the chains; restore takes `chain NAME` lines.
 */
import type { CommandResult, IptablesCommands } from '../../src/control/handler.js';
import { newTable } from '../../src/rules/model.js';
import type { Ruleset } from '../../src/rules/model.js';

export function withChain(rs: Ruleset, name: string): Ruleset {
  const old = rs.tables.get('filter') ?? newTable('filter');
  const chains = new Map(old.chains);
  chains.set(name, { name, policy: null, rules: [], pkts: 0, bytes: 0 });
  return { tables: new Map(rs.tables).set('filter', { name: 'filter', chains }) };
}

export function chainNames(rs: Ruleset): string[] {
  return [...(rs.tables.get('filter')?.chains.keys() ?? [])];
}

export const fakeCommands: IptablesCommands = {
  iptables(argv, rs): CommandResult {
    if (argv[0] === '-N' && argv[1]) {
      if (chainNames(rs).includes(argv[1])) return { stdout: '', stderr: 'iptables: Chain already exists.\n', status: 1 };
      return { stdout: '', stderr: '', status: 0, ruleset: withChain(rs, argv[1]) };
    }
    if (argv[0] === '-L') return { stdout: chainNames(rs).map((c) => `Chain ${c}\n`).join(''), stderr: '', status: 0, ruleset: rs };
    return { stdout: '', stderr: `iptables v1.8.9 (nf_tables): unknown option "${argv[0]}"\n`, status: 2 };
  },
  save(_argv, rs) {
    return { stdout: chainNames(rs).map((c) => `:${c}\n`).join(''), stderr: '', status: 0 };
  },
  restore(_argv, input, rs) {
    let next = rs;
    for (const line of input.split('\n')) {
      const m = /^chain (\S+)$/.exec(line);
      if (m) next = withChain(next, m[1]);
      else if (line.trim() !== '') return { stdout: '', stderr: `iptables-restore: line failed: ${line}\n`, status: 1 };
    }
    return { stdout: '', stderr: '', status: 0, ruleset: next };
  },
};
