/**
 * `iptables -S` (list-rules): -P lines of built-in chains, -N lines of user
 * chains (sorted), then every chain's -A lines; -v adds "-c P B" counters.
 */
import type { Chain, Table } from '../../rules/model.js';
import { chainsInOrder } from '../../rules/ops.js';
import { ruleSaveLine } from './rule-text.js';

function chainLine(c: Chain, counters: boolean): string {
  if (c.policy === null) return `-N ${c.name}\n`;
  return `-P ${c.name} ${c.policy}${counters ? ` -c ${c.pkts} ${c.bytes}` : ''}\n`;
}

/** -S [chain [N]] on one table. `chain` must exist (the caller checks). */
export function listRules(t: Table, chain: string | undefined, rulenum: number, counters: boolean): string {
  const chains = chain === undefined ? chainsInOrder(t) : [t.chains.get(chain)!];
  if (chain !== undefined && rulenum) {
    const r = chains[0]!.rules[rulenum - 1];
    return r ? ruleSaveLine(chain, r, counters) + '\n' : '';
  }
  let s = '';
  for (const c of chains) s += chainLine(c, counters);
  for (const c of chains) for (const r of c.rules) s += ruleSaveLine(c.name, r, counters) + '\n';
  return s;
}
