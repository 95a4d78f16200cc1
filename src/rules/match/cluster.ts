/**
 * -m cluster (net/netfilter/xt_cluster.c): the connection's original source
 * address hashed with jhash_1word(addr, seed), scaled into [0, total_nodes),
 * matches when that node's bit is in node_mask ("!" inverts). No connection:
 * no match (inverted or not). The kernel hashes the __be32 as the CPU reads
 * it; rawgate follows the little-endian (x86) reading, so a cluster of rawgate
 * and Linux/x86 nodes splits traffic alike. rawgate has no expectations, so
 * there is no master connection to hash instead.
 * Like the kernel, a packet to a unicast address that arrived as link-layer
 * multicast (the cluster's shared MAC) is turned into PACKET_HOST.
 */
import type { PacketContext } from '../../packet/context.js';
import { PktType } from '../ctstate.js';
import type { CtView } from '../host.js';
import type { ClusterMatch } from '../../iptables/ext/cluster.js';
import { be32AsLe, jhash1word, reciprocalScale } from '../jhash.js';

export function clusterNode(origSrc: number, m: ClusterMatch): number {
  return reciprocalScale(jhash1word(be32AsLe(origSrc), m.hashSeed), m.totalNodes);
}

export function matchCluster(m: ClusterMatch, ctx: PacketContext, ct: CtView): boolean {
  if ((ctx.daddr >>> 28) !== 0xe && ctx.pktType === PktType.MULTICAST) ctx.pktType = PktType.HOST;
  if (!ct.has(ctx)) return false;
  const node = clusterNode(ct.origSrc(ctx), m);
  return (((1 << node) & m.nodeMask) !== 0) !== m.invert;
}
