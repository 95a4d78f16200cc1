/**
 * The `defrag:` section: IPv4 reassembly under the kernel's sysctl names
 * (net.ipv4.ipfrag_*), with its defaults. Reassembly runs while connection
 * tracking does, as nf_defrag_ipv4 does.
 */
import { Issues, readInt, readOptionalObject } from './fields.js';
import type { Obj } from './fields.js';
import { DEFRAG_DEFAULTS, DEFRAG_MAX_THRESH, type DefragSettings } from '../defrag/settings.js';

export type DefragConfig = DefragSettings;

export function readDefrag(iss: Issues, root: Obj): DefragConfig {
  const o = readOptionalObject(iss, root.defrag, 'defrag', ['ipfrag_high_thresh', 'ipfrag_time', 'ipfrag_max_dist']);
  return {
    ipfrag_high_thresh: readInt(iss, o, 'ipfrag_high_thresh', 'defrag', DEFRAG_DEFAULTS.ipfrag_high_thresh, 0, DEFRAG_MAX_THRESH),
    ipfrag_time: readInt(iss, o, 'ipfrag_time', 'defrag', DEFRAG_DEFAULTS.ipfrag_time, 1, 86_400),
    ipfrag_max_dist: readInt(iss, o, 'ipfrag_max_dist', 'defrag', DEFRAG_DEFAULTS.ipfrag_max_dist, 0, 1_000_000),
  };
}
