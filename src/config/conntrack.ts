/**
 * The `conntrack:` section: the kernel's nf_conntrack sysctls under their own
 * names (nf_conntrack_max, nf_conntrack_tcp_timeout_established, ...), and
 * rawgate's two switches. Unknown keys are refused like everywhere else.
 */
import { Issues, readBool, readEnum, readInt, readOptionalObject } from './fields.js';
import type { Obj } from './fields.js';
import { CONNTRACK_DEFAULTS, type ConntrackSettings } from '../conntrack/settings.js';

export type TrackingMode = 'auto' | 'always';

export interface ConntrackConfig {
  /**
   * auto (default): track while the ruleset uses connection state (a state,
   * conntrack, connmark... match, a CT/CONNMARK/NOTRACK target, NAT), as the
   * kernel registers its conntrack hooks per network namespace on demand;
   * always: track every packet.
   */
  tracking: TrackingMode;
  /** Drop every entry when the ruleset changes (the kernel keeps them). */
  flushOnRulesetChange: boolean;
  sysctl: ConntrackSettings;
}

const SYSCTLS = Object.keys(CONNTRACK_DEFAULTS) as (keyof ConntrackSettings)[];
const FIELDS = ['tracking', 'flushOnRulesetChange', ...SYSCTLS] as const;
/** Booleans among the sysctls (0/1). */
const FLAGS = new Set<string>(['nf_conntrack_tcp_loose', 'nf_conntrack_tcp_be_liberal', 'nf_conntrack_tcp_ignore_invalid_rst', 'nf_conntrack_checksum']);

export function readConntrack(iss: Issues, root: Obj): ConntrackConfig {
  const o = readOptionalObject(iss, root.conntrack, 'conntrack', FIELDS);
  const sysctl = { ...CONNTRACK_DEFAULTS };
  for (const k of SYSCTLS) {
    const max = FLAGS.has(k) ? 1 : k === 'nf_conntrack_tcp_max_retrans' ? 255 : k === 'nf_conntrack_max' || k === 'nf_conntrack_buckets' ? 16_777_216 : 2_147_483;
    sysctl[k] = readInt(iss, o, k, 'conntrack', CONNTRACK_DEFAULTS[k], 0, max);
  }
  return {
    tracking: readEnum(iss, o, 'tracking', 'conntrack', ['auto', 'always'] as const, 'auto')!,
    flushOnRulesetChange: readBool(iss, o, 'flushOnRulesetChange', 'conntrack', false),
    sysctl,
  };
}
