/**
 * Binding of the extensions in infra-exts.ts (called from bind.ts). cluster,
 * bpf (match/bpf.ts; BindError for ancillary data rawgate lacks) and HMARK
 * are evaluated; every other one needs a kernel facility rawgate
 * does not have, so binding throws BindError naming the extension and the
 * missing facility: the dataplane refuses such a ruleset instead of
 * evaluating it wrongly (iptables still loads, lists and saves it).
 */
import type { BindEnv, MatchFn, TargetFn } from './bind.js';
import { BindError } from './bind.js';
import type { InfraMatch, InfraTarget } from './infra-exts.js';
import { bindBpf } from './match/bpf.js';
import { matchCluster } from './match/cluster.js';
import { targetHmark } from './target/hmark.js';

const MATCH_NEEDS: Record<Exclude<InfraMatch['name'], 'cluster' | 'bpf'>, string> = {
  cgroup: 'the sending socket\'s cgroup (rawgate has no local sockets in cgroups)',
  connlabel: 'connection labels, which rawgate\'s connection tracking does not keep',
  rateest: 'rate estimators (RATEEST), which rawgate does not run',
  set: 'ipset sets, which rawgate does not have',
  ipvs: 'IPVS (the kernel\'s virtual server), which rawgate does not have',
};

const TARGET_NEEDS: Record<Exclude<InfraTarget['kind'], 'HMARK'>, string> = {
  AUDIT: 'the kernel audit subsystem (its records would need an audit sink in the rule host)',
  SECMARK: 'SELinux security marks',
  CONNSECMARK: 'SELinux security marks on connections',
  RATEEST: 'rate estimators, which rawgate does not run',
  SET: 'ipset sets, which rawgate does not have',
  SYNPROXY: 'the SYN proxy (answering SYNs with cookies on the server\'s behalf)',
  TPROXY: 'transparent proxy sockets, which rawgate does not have',
  CLUSTERIP: 'CLUSTERIP\'s shared-MAC ARP handling, which rawgate does not have',
};

export function bindInfraMatch(m: InfraMatch, env: BindEnv): MatchFn {
  if (m.name === 'cluster') {
    const ct = env.host.ctInfo;
    return (ctx) => matchCluster(m, ctx, ct);
  }
  if (m.name === 'bpf') return bindBpf(m);
  throw new BindError(`match '${m.name}' cannot be evaluated: it needs ${MATCH_NEEDS[m.name]}`);
}

export function bindInfraTarget(t: InfraTarget, env: BindEnv): TargetFn {
  if (t.kind === 'HMARK') {
    const ct = env.host.ctInfo;
    return (ctx) => targetHmark(t, ctx, ct);
  }
  throw new BindError(`target '${t.kind}' cannot be evaluated: it needs ${TARGET_NEEDS[t.kind]}`);
}
