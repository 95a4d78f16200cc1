/**
 * -j CLUSTERIP (libipt_CLUSTERIP.c): --new, --hashmode sourceip |
 * sourceip-sourceport | sourceip-sourceport-destport, --clustermac MAC
 * (multicast), --total-nodes N and --local-node N (0..16), --hash-init N.
 * Either no option at all or every one but --hash-init. Save prints the
 * whole configuration when --new was given, nothing otherwise; -L likewise
 * (" CLUSTERIP hashmode=... clustermac=XX:..."), the MAC in upper case.
 * The kernel target is gone (removed in Linux 6.3; before that nft_compat
 * refused it), so every rule is refused at commit like a missing module:
 * ENOENT. Evaluation would need CLUSTERIP's shared-MAC ARP handling: BindError.
 */
import { kernelReject, paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';
import type { TargetExt } from './types.js';
import { given, once, parseUintOpt, seen } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -j CLUSTERIP. */
export interface ClusteripTarget {
  kind: 'CLUSTERIP';
  newFlag: boolean;
  hashMode: number;
  clusterMac: string;
  totalNodes: number;
  localNodes: number[];
  hashInit: number;
}
declare module '../../rules/targets.js' {
  interface TargetTypes { CLUSTERIP: ClusteripTarget; }
}


const MAX_NODES = 16; // CLUSTERIP_MAX_NODES
const HASHMODES = ['sourceip', 'sourceip-sourceport', 'sourceip-sourceport-destport'];

/** xtopt_parse_ethermac: six ':'-separated strtoul(16) fields of at most 2 characters; 12 hex digits. */
function parseEthermac(arg: string): string {
  const bad = () => paramProblem('Invalid MAC address specified.', 'BAD_MAC');
  let pos = 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    const rest = arg.slice(pos);
    const [v, used] = strtoulPrefix(rest, 16);
    const next = rest[used];
    if ((i < 5 ? next !== ':' : next !== undefined) || used > 2) throw bad();
    out += Number(BigInt.asUintN(8, v)).toString(16).padStart(2, '0');
    pos += used + 1;
  }
  return out;
}

const mac2str = (mac: string): string => mac.toUpperCase().match(/../g)!.join(':');

export const clusteripTarget: TargetExt<ClusteripTarget> = {
  name: 'CLUSTERIP',
  bind: (t) => {
    throw new BindError(`target '${t.kind}' cannot be evaluated: it needs CLUSTERIP\'s shared-MAC ARP handling, which rawgate does not have`);
  },
  options: [
    { name: 'new', hasArg: false },
    { name: 'hashmode', hasArg: true },
    { name: 'clustermac', hasArg: true },
    { name: 'total-nodes', hasArg: true },
    { name: 'local-node', hasArg: true },
    { name: 'hash-init', hasArg: true },
  ],
  init: () => ({ kind: 'CLUSTERIP', newFlag: false, hashMode: 0, clusterMac: '000000000000', totalNodes: 0, localNodes: [], hashInit: 0 }),
  parse(t, option, arg) {
    once('CLUSTERIP', t, option);
    const a = arg ?? '';
    switch (option) {
      case 'new': t.newFlag = true; break;
      case 'hashmode': {
        const i = HASHMODES.indexOf(a);
        if (i < 0) throw paramProblem(`Unknown hashmode "${a}"\n`, 'BAD_VALUE');
        t.hashMode = i;
        break;
      }
      case 'clustermac':
        t.clusterMac = parseEthermac(a);
        if (!(parseInt(t.clusterMac.slice(0, 2), 16) & 1)) throw paramProblem('MAC has to be a multicast ethernet address\n', 'BAD_VALUE');
        break;
      case 'total-nodes': t.totalNodes = parseUintOpt('CLUSTERIP', option, a, 0, MAX_NODES); break;
      case 'local-node': t.localNodes = [parseUintOpt('CLUSTERIP', option, a, 0, MAX_NODES)]; break;
      default: t.hashInit = parseUintOpt('CLUSTERIP', option, a, 0, 0xffffffff);
    }
  },
  final(t) {
    if (seen(t).size === 0) return;
    if (['new', 'hashmode', 'clustermac', 'total-nodes', 'local-node'].every((o) => given(t, o))) return;
    throw paramProblem('CLUSTERIP target: Invalid parameter combination\n', 'BAD_COMBINATION');
  },
  save: (t) => (t.newFlag
    ? ` --new --hashmode ${HASHMODES[t.hashMode]} --clustermac ${mac2str(t.clusterMac)} --total-nodes ${t.totalNodes} --local-node ${t.localNodes[0] ?? 0} --hash-init ${t.hashInit}`
    : ''),
  print: (t) => (t.newFlag
    ? ` CLUSTERIP hashmode=${HASHMODES[t.hashMode]} clustermac=${mac2str(t.clusterMac)} total_nodes=${t.totalNodes} local_node=${t.localNodes[0] ?? 0} hash_init=${t.hashInit}`
    : ' CLUSTERIP'),
  check: () => { throw kernelReject('No such file or directory', 'KERNEL_ENOENT'); },
};
