/**
 * The hook runner's contract: stages run at their priority between the
 * tables, a stage's verdict carries its own drop reason into the pipeline's
 * counters, a consumed packet (reason NONE) is freed without counting a drop,
 * and martians are dropped after PREROUTING so raw rules see them first.
 */
import { describe, expect, it } from 'vitest';
import { PASS_STAGE, type HookStage } from '../../src/dataplane/hooks.js';
import { DropReason } from '../../src/packet/index.js';
import { Hook } from '../../src/rules/model.js';
import { Verdict } from '../../src/rules/verdict.js';
import { MAC_HOST, MAC_LAN, SLOTS, drops, eth, ipPacket, setup } from './harness.js';

/** A stage that records where it ran and answers with a fixed verdict. */
function recorder(seen: string[], name: string, verdict: number = Verdict.ACCEPT, reason: number = DropReason.NONE): HookStage {
  return {
    reason,
    enter(hook: number) {
      seen.push(`${name}@${hook}`);
      return verdict;
    },
  };
}

const LOG_EVERYWHERE = `*raw
-A PREROUTING -j LOG --log-prefix r
COMMIT
*mangle
-A PREROUTING -j LOG --log-prefix m
-A FORWARD -j LOG --log-prefix m
-A POSTROUTING -j LOG --log-prefix m
COMMIT
`;

describe('hook runner', () => {
  it('runs defrag before raw, conntrack between raw and mangle, confirm last', () => {
    const seen: string[] = [];
    const stage = (n: string) => recorder(seen, n);
    const t = setup(LOG_EVERYWHERE, {
      stages: { defrag: stage('defrag'), conntrack: stage('conntrack'), nat: stage('nat'), confirm: stage('confirm') },
      onLog: (r) => seen.push(`${r.table}@${Hook[r.chain as keyof typeof Hook]}`),
    });
    t.learnPeer();
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2')));
    expect(seen).toEqual([
      'defrag@0', 'raw@0', 'conntrack@0', 'mangle@0', 'nat@0',
      'mangle@2',
      'mangle@4', 'nat@4', 'confirm@4',
    ]);
    expect(t.ports[1].sent).toHaveLength(1);
  });

  it('a stage drop is counted under the stage\'s reason', () => {
    const t = setup(undefined, { stages: { defrag: PASS_STAGE, conntrack: recorder([], 'ct', Verdict.DROP, DropReason.CT_TABLE_FULL), nat: PASS_STAGE, confirm: PASS_STAGE } });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2')));
    expect(drops(t.p, 0, DropReason.CT_TABLE_FULL)).toBe(1);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('a consumed packet (reason NONE) frees its slot and counts no drop', () => {
    const t = setup(undefined, { stages: { defrag: recorder([], 'defrag', Verdict.STOLEN), conntrack: PASS_STAGE, nat: PASS_STAGE, confirm: PASS_STAGE } });
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.1.2', '10.1.2.2')));
    expect(t.p.counters.rxDrops.reduce((a, b) => a + b, 0)).toBe(0);
    expect(t.slab.free.length).toBe(SLOTS);
  });

  it('martian sources are dropped after PREROUTING: a raw rule counts them first', () => {
    const t = setup('*raw\n-A PREROUTING -s 127.0.0.0/8 -j ACCEPT\n-A PREROUTING -s 10.1.2.1 -j ACCEPT\nCOMMIT\n');
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('127.0.0.1', '10.1.2.2')));
    t.rx(0, eth(MAC_LAN, MAC_HOST, 0x0800, ipPacket('10.1.2.1', '10.1.2.2')));
    const rules = t.p.ruleset.ruleset.tables.get('raw')!.chains.get('PREROUTING')!.rules;
    expect(rules.map((r) => r.pkts)).toEqual([1, 1]);
    expect(drops(t.p, 0, DropReason.LOOPBACK_ADDRESS)).toBe(1);
    expect(drops(t.p, 0, DropReason.MARTIAN_SOURCE)).toBe(1);
  });

  it('OUTPUT re-routes a packet whose destination a stage changed (ip_route_me_harder)', () => {
    const dnat: HookStage = {
      reason: DropReason.NONE,
      enter(hook, ctx) {
        if (hook === Hook.OUTPUT) ctx.daddr = (10 << 24 | 1 << 16 | 2 << 8 | 2) >>> 0;
        return Verdict.ACCEPT;
      },
    };
    const t = setup(undefined, { stages: { defrag: PASS_STAGE, conntrack: PASS_STAGE, nat: dnat, confirm: PASS_STAGE } });
    t.learnPeer();
    t.rx(3, ipPacket('10.1.1.1', '10.1.1.2'), 64);
    expect(t.ports[1].sent).toHaveLength(1);
    expect(t.ports[0].sent.filter((f) => f[13] === 0x00)).toHaveLength(0);
  });
});
