/**
 * Whether a ruleset needs connection tracking: the kernel registers its
 * conntrack (and defrag) hooks in a network namespace when a rule that reads
 * or sets connection state is loaded (nf_ct_netns_get from the extension's
 * checkentry) or the nat table is in use, and unregisters them when the last
 * such rule goes. rawgate's `conntrack.tracking: auto` follows the same rule,
 * so a stateless ruleset keeps the kernel's stateless behaviour (fragments
 * seen one by one, `-f` matching).
 */
import type { Ruleset } from '../rules/model.js';

const MATCHES = new Set(['state', 'conntrack', 'connmark', 'helper', 'connbytes', 'connlimit', 'connlabel']);
const TARGETS = new Set(['CONNMARK', 'CT', 'NOTRACK', 'SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP', 'SAME']);

export function rulesetUsesConntrack(rs: Ruleset): boolean {
  for (const [name, table] of rs.tables) {
    for (const chain of table.chains.values()) {
      if (name === 'nat' && chain.rules.length > 0) return true;
      for (const r of chain.rules) {
        if (TARGETS.has(r.target.kind)) return true;
        for (const m of r.matches) if (MATCHES.has(m.name)) return true;
      }
    }
  }
  return false;
}
