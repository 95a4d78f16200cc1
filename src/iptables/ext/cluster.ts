/**
 * -m cluster (libxt_cluster.c): --cluster-total-nodes N (1..32, mandatory),
 * [!] --cluster-local-node N (1..32, the mask 1 << (N-1)) or
 * [!] --cluster-local-nodemask M (1..32, as iptables limits it),
 * --cluster-hash-seed S (mandatory). Saved with the node mask, never the node.
 */
import { paramProblem } from '../errors.js';
import type { MatchExt } from './types.js';
import { fcheck, given, once, parseUintOpt } from './xt-options.js';
import { matchCluster } from '../../rules/match/cluster.js';

/** -m cluster: jhash of the original source address mod total_nodes, tested against node_mask. */
export interface ClusterMatch {
  name: 'cluster';
  totalNodes: number;
  nodeMask: number;
  hashSeed: number;
  invert: boolean;
}
declare module '../../rules/matches.js' {
  interface MatchTypes { cluster: ClusterMatch; }
}

const NODES_MAX = 32;
const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export const clusterMatch: MatchExt<ClusterMatch> = {
  name: 'cluster',
  bind: (m, _rule, env) => {
    const ct = env.host.ctInfo;
    return (ctx) => matchCluster(m, ctx, ct);
  },
  options: [
    { name: 'cluster-total-nodes', hasArg: true },
    { name: 'cluster-local-node', hasArg: true, invertible: true },
    { name: 'cluster-local-nodemask', hasArg: true, invertible: true },
    { name: 'cluster-hash-seed', hasArg: true },
  ],
  init: () => ({ name: 'cluster', totalNodes: 0, nodeMask: 0, hashSeed: 0, invert: false }),
  parse(m, option, arg, invert) {
    once('cluster', m, option);
    switch (option) {
      case 'cluster-total-nodes':
        m.totalNodes = parseUintOpt('cluster', option, arg!, 1, NODES_MAX);
        break;
      case 'cluster-local-node':
        m.nodeMask = (1 << (parseUintOpt('cluster', option, arg!, 1, NODES_MAX) - 1)) >>> 0;
        if (invert) m.invert = true;
        break;
      case 'cluster-local-nodemask':
        m.nodeMask = parseUintOpt('cluster', option, arg!, 1, NODES_MAX);
        if (invert) m.invert = true;
        break;
      default:
        m.hashSeed = parseUintOpt('cluster', option, arg!, 0, 0xffffffff);
    }
  },
  final(m) {
    const has = (o: string) => given(m, o);
    const tooBig = m.nodeMask >= 2 ** m.totalNodes;
    if (has('cluster-total-nodes') && has('cluster-local-node') && has('cluster-hash-seed')) {
      if (tooBig) throw paramProblem("cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'", 'BAD_VALUE');
    } else if (has('cluster-total-nodes') && has('cluster-local-nodemask') && has('cluster-hash-seed')) {
      if (tooBig) throw paramProblem("cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'", 'BAD_VALUE');
    } else if (!has('cluster-local-node') && !has('cluster-local-nodemask')) {
      throw paramProblem("cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing", 'MISSING_OPTION');
    }
    fcheck('cluster', m, [
      { name: 'cluster-total-nodes', mand: true },
      { name: 'cluster-local-node', excl: ['cluster-local-nodemask'] },
      { name: 'cluster-local-nodemask', excl: ['cluster-local-node'] },
      { name: 'cluster-hash-seed', mand: true },
    ]);
  },
  save: (m) => `${m.invert ? ' !' : ''} --cluster-local-nodemask ${hex8(m.nodeMask)} --cluster-total-nodes ${m.totalNodes} --cluster-hash-seed ${hex8(m.hashSeed)}`,
  print: (m) => ` cluster ${m.invert ? '!' : ''}node_mask=${hex8(m.nodeMask)} total_nodes=${m.totalNodes} hash_seed=${hex8(m.hashSeed)}`,
};
