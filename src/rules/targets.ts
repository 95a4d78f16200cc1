/**
 * Target data, discriminated by `kind`. 'none' is a rule without -j (it only
 * counts); 'verdict' the built-in verdicts; 'jump'/'goto' user chains; every
 * other kind is an extension target named as iptables names it (-j NAME).
 * Fields hold canonical values plus the input form where -L prints it
 * differently from save (MARK, TOS). Each extension target's data is declared
 * in its module (src/iptables/ext/<name>-target.ts) beside its descriptor.
 */

export interface NatRange {
  /** Address range (0/0 when only ports are given). */
  minIp: number; maxIp: number;
  /** Port range (0/0 when no ports are given). */
  minPort: number; maxPort: number;
  /** Base port for the /base form (0 = none). */
  basePort: number;
  /** Text-side flags (NF_NAT_RANGE_MAP_IPS / PROTO_SPECIFIED): the input named
   *  addresses / ports, even 0.0.0.0 or port 0. Absent = infer from non-zero values. */
  mapIps?: boolean;
  protoSpecified?: boolean;
}

/**
 * The data of every extension target, keyed by -j name. Each extension's
 * module adds its own entry (`declare module '../../rules/targets.js'`), so
 * the union grows with the registry (src/iptables/ext/index.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface TargetTypes {}

export type Target =
  | { kind: 'none' }
  | { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE' }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  | TargetTypes[keyof TargetTypes];

export type TargetKind = Target['kind'];
