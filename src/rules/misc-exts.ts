/**
 * Match and target data of the packet-content, path and host-facility
 * extensions: u32, cpu, realm, policy, ipcomp, socket, osf, physdev,
 * rpfilter, nfacct, and the TEE, TCPOPTSTRIP, LED and IDLETIMER targets.
 * Text side: src/iptables/ext/<name>.ts; evaluation: src/rules/match/misc.ts.
 * Fields hold what the kernel's xt_*_info holds, in host order.
 */

/** One u32 test: location (first number, then operator/number pairs) = value ranges. */
export interface U32Test {
  /** location[0].number, then the following numbers. */
  nums: number[];
  /** ops[i] is the operator before nums[i] (ops[0] unused): XT_U32_AND 0, LEFTSH 1, RIGHTSH 2, AT 3. */
  ops: number[];
  values: { min: number; max: number }[];
}
export interface U32Match { name: 'u32'; tests: U32Test[]; invert: boolean }

export interface CpuMatch { name: 'cpu'; cpu: number; invert: boolean }

export interface RealmMatch { name: 'realm'; id: number; mask: number; invert: boolean }

/** One element of a policy (xt_policy_elem); undefined fields are not tested. */
export interface PolicyElem {
  reqid?: number; invReqid?: boolean;
  spi?: number; invSpi?: boolean;
  proto?: number; invProto?: boolean;
  /** 0 transport, 1 tunnel. */
  mode?: number; invMode?: boolean;
  saddr?: { addr: number; mask: number }; invSaddr?: boolean;
  daddr?: { addr: number; mask: number }; invDaddr?: boolean;
}
export interface PolicyMatch {
  name: 'policy';
  dir: 'in' | 'out';
  /** --pol none (true) or ipsec (false). */
  none: boolean;
  strict: boolean;
  elems: PolicyElem[];
}

export interface IpcompMatch { name: 'ipcomp'; lo: number; hi: number; invert: boolean; hdrres: boolean }

export interface SocketMatch { name: 'socket'; transparent: boolean; nowildcard: boolean; restoreSkmark: boolean }

export interface OsfMatch {
  name: 'osf';
  genre: string; invert: boolean;
  ttl?: number; log?: number;
}

/** XT_PHYSDEV_OP_* bits: IN 1, OUT 2, BRIDGED 4, ISIN 8, ISOUT 16. */
export interface PhysdevMatch {
  name: 'physdev';
  bitmask: number; invert: number;
  physIn: string; physOut: string;
}

/** XT_RPFILTER_* bits: LOOSE 1, VALID_MARK 2, ACCEPT_LOCAL 4, INVERT 8. */
export interface RpfilterMatch { name: 'rpfilter'; flags: number }

export interface NfacctMatch { name: 'nfacct'; acctName: string }

export type MiscMatch =
  | U32Match | CpuMatch | RealmMatch | PolicyMatch | IpcompMatch | SocketMatch | OsfMatch
  | PhysdevMatch | RpfilterMatch | NfacctMatch;

/** -j TEE: clone to a gateway. */
export interface TeeTarget { kind: 'TEE'; gateway: number; oif: string }
/** -j TCPOPTSTRIP: 256-bit set of TCP option kinds to overwrite with NOPs. */
export interface TcpoptstripTarget { kind: 'TCPOPTSTRIP'; /** Option kinds, ascending. */ options: number[] }
/** -j LED: trigger "netfilter-<id>"; delay in ms as the kernel's u32 (inf = 0xffffffff). */
export interface LedTarget { kind: 'LED'; id: string; delay: number; alwaysBlink: boolean }
/** -j IDLETIMER (revision 1). */
export interface IdletimerTarget { kind: 'IDLETIMER'; timeout: number; label: string; alarm: boolean }

export type MiscTarget = TeeTarget | TcpoptstripTarget | LedTarget | IdletimerTarget;
