/**
 * Match and target data of the extensions that rest on kernel facilities
 * (cgroups, connection labels, SELinux, ipsets, IPVS, BPF, transparent
 * proxy sockets, SYN proxy, rate estimators, CLUSTERIP, the audit
 * subsystem) plus the two hash extensions rawgate evaluates (cluster, HMARK).
 * Text side: src/iptables/ext/<name>.ts; evaluation: src/rules/infra-bind.ts.
 * Fields hold what the kernel's xt_*_info holds, in host order.
 */

/** -m cgroup (revision 2): --path and/or --cgroup classid (the kernel wants exactly one). */
export interface CgroupMatch {
  name: 'cgroup';
  path?: string; invPath: boolean;
  classid?: number; invClassid: boolean;
}

/** -m cluster: jhash of the original source address mod total_nodes, tested against node_mask. */
export interface ClusterMatch {
  name: 'cluster';
  totalNodes: number;
  nodeMask: number;
  hashSeed: number;
  invert: boolean;
}

/** -m connlabel: bit of the connection's label set; --set sets it. */
export interface ConnlabelMatch { name: 'connlabel'; bit: number; invert: boolean; set: boolean }

/** -m rateest (xt_rateest_match_info). Rates in bytes/s (bps) or packets/s (pps), as the kernel stores them. */
export interface RateestMatch {
  name: 'rateest';
  name1: string; name2: string;
  /** XT_RATEEST_MATCH_* bits (INVERT 1, ABS 2, REL 4, DELTA 8, BPS 16, PPS 32). */
  flags: number;
  /** XT_RATEEST_MATCH_NONE 0, EQ 1, LT 2, GT 3. */
  mode: number;
  bps1: number; pps1: number; bps2: number; pps2: number;
}

/** -m set (revision 4 and lower share this shape). */
export interface SetMatch {
  name: 'set';
  setName: string;
  /** Direction flags per dimension: true = src. */
  dirs: boolean[];
  invert: boolean;
  /** IPSET_FLAG_* bits and counter tests (revision 3/4). */
  flags: number;
  returnNomatch: boolean; noUpdateCounters: boolean; noUpdateSubcounters: boolean;
  packets?: { op: number; value: bigint }; bytes?: { op: number; value: bigint };
}

/** -m bpf (revision 1, --bytecode only). */
export interface BpfMatch {
  name: 'bpf';
  /** The instructions as [code, jt, jf, k]. */
  program: [number, number, number, number][];
}

/** -m ipvs. */
export interface IpvsMatch {
  name: 'ipvs';
  /** XT_IPVS_* bits given (bitmask) and inverted (invert). */
  bitmask: number; invert: number;
  vaddr: number; vmask: number;
  l4proto: number;
  vport: number; vportctl: number;
  fwdMethod: number;
}

export type InfraMatch =
  | CgroupMatch | ClusterMatch | ConnlabelMatch | RateestMatch | SetMatch | BpfMatch | IpvsMatch;

/** -j HMARK (xt_hmark_info, IPv4). */
export interface HmarkTarget {
  kind: 'HMARK';
  /** XT_HMARK_FLAG bits (1 << XT_HMARK_*). */
  flags: number;
  /** Address masks (host order). */
  srcMask: number; dstMask: number;
  /** The 4 port/SPI bytes as a big-endian value: sport << 16 | dport, or the SPI. */
  portMask: number; portSet: number;
  protoMask: number;
  hashrnd: number;
  modulus: number;
  offset: number;
}

export type InfraTarget =
  | { kind: 'AUDIT'; type: 'accept' | 'drop' | 'reject' }
  | { kind: 'SECMARK'; selctx: string }
  | { kind: 'CONNSECMARK'; mode: 'save' | 'restore' }
  | HmarkTarget
  | { kind: 'RATEEST'; name: string; interval: number; ewmaLog: number }
  | { kind: 'SET'; add?: { name: string; dirs: boolean[] }; del?: { name: string; dirs: boolean[] }; map?: { name: string; dirs: boolean[] }; timeout: number; flags: number }
  | { kind: 'SYNPROXY'; options: number; mss: number; wscale: number }
  | { kind: 'TPROXY'; mark: number; mask: number; laddr: number; lport: number; revision: number }
  | { kind: 'CLUSTERIP'; newFlag: boolean; hashMode: number; clusterMac: string; totalNodes: number; localNodes: number[]; hashInit: number };

export type InfraTargetKind = InfraTarget['kind'];
