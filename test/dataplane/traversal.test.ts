/**
 * The traversal the dataplane really runs: a LOG rule in every built-in chain
 * of every table, packets forwarded, delivered to the host and sent by it
 * through the real pipeline, and the order of the LOG lines must be the order
 * src/rules/traversal.ts derives from the hook entries (which
 * test/rules/traversal.test.ts holds to the tutorial's Tables 3-1..3-3).
 * The nat table is left out until NAT lands: its entries are the NAT stage,
 * which passes every packet (it consults nat for a connection's first packet only).
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_CHAINS, type TableName } from '../../src/rules/model.js';
import { traversal, type Scenario } from '../../src/rules/traversal.js';
import { MAC_HOST, MAC_LAN, eth, ipPacket, setup } from './harness.js';

const TABLES: TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

function loggingRules(): string {
  let text = '';
  for (const t of TABLES) {
    text += `*${t}\n`;
    for (const c of BUILTIN_CHAINS[t]) text += `-A ${c} -j LOG --log-prefix "${t}:${c}"\n`;
    text += 'COMMIT\n';
  }
  return text;
}

function run(s: Scenario): string[] {
  const seen: string[] = [];
  const t = setup(loggingRules(), { onLog: (r) => seen.push(`${r.table}:${r.chain}`) });
  t.learnPeer();
  if (s === 'forward') t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2')));
  if (s === 'input') t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.1.1')));
  if (s === 'output') t.rx(3, ipPacket('10.1.1.1', '10.1.2.2'), 64);
  return seen;
}

describe('the dataplane traverses the hook entries in order', () => {
  for (const s of ['forward', 'input', 'output'] as const) {
    it(`${s}`, () => {
      const expected = traversal(s).filter((st) => st.table !== 'nat').map((st) => `${st.table}:${st.hook}`);
      expect(run(s)).toEqual(expected);
    });
  }
});
