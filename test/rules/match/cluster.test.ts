import { describe, expect, it } from 'vitest';
import { bindMatch, createBindEnv } from '../../../src/rules/bind.js';
import { PktType } from '../../../src/rules/ctstate.js';
import type { CtView } from '../../../src/rules/host.js';
import type { ClusterMatch } from '../../../src/iptables/ext/cluster.js';
import { be32AsLe } from '../../../src/rules/jhash.js';
import { clusterNode } from '../../../src/rules/match/cluster.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, ip } from '../packet-builder.js';

const bind = (m: ClusterMatch, ct: Partial<CtView>) => bindMatch(m, emptyRule(), createBindEnv(fakeHost({ ct }), new RecentTables()));
const withSrc = (a: number): Partial<CtView> => ({ has: () => true, origSrc: () => a });

describe('cluster', () => {
  it('hashes the original source as the kernel on x86 (bytes read little-endian)', () => {
    const m: ClusterMatch = { name: 'cluster', totalNodes: 3, nodeMask: 1, hashSeed: 0xfeedcafe, invert: false };
    expect(be32AsLe(ip('1.2.3.4'))).toBe(0x04030201);
    // reciprocal_scale(jhash_1word(0x04030201, 0xfeedcafe), 3) with the kernel's jhash.h in C (scripts/jhash).
    expect(clusterNode(ip('1.2.3.4'), m)).toBe(0);
  });
  it('every connection belongs to exactly one node of the cluster', () => {
    const total = 4;
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const ct = withSrc(ip(`10.${i}.${(i * 7) & 255}.1`));
      const hits: number[] = [];
      for (let node = 1; node <= total; node++) {
        const m: ClusterMatch = { name: 'cluster', totalNodes: total, nodeMask: 1 << (node - 1), hashSeed: 42, invert: false };
        if (bind(m, ct)(buildPacket())) hits.push(node);
        const inv = { ...m, invert: true };
        expect(bind(inv, ct)(buildPacket())).toBe(!hits.includes(node));
      }
      expect(hits.length).toBe(1);
      seen.add(hits[0]!);
    }
    expect(seen.size).toBe(total);
  });
  it('no connection: no match, even inverted; unicast-to-multicast-MAC packets become host packets', () => {
    const m: ClusterMatch = { name: 'cluster', totalNodes: 2, nodeMask: 3, hashSeed: 0, invert: true };
    const ctx = buildPacket({ daddr: ip('10.0.0.1') });
    ctx.pktType = PktType.MULTICAST;
    expect(bind(m, {})(ctx)).toBe(false);
    expect(ctx.pktType).toBe(PktType.HOST);
    const mc = buildPacket({ daddr: ip('224.0.0.5') });
    mc.pktType = PktType.MULTICAST;
    bind(m, {})(mc);
    expect(mc.pktType).toBe(PktType.MULTICAST);
  });
});
