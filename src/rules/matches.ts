/**
 * Match data: one interface per extension, discriminated by `name` (the -m
 * name iptables-save prints), each declared in its extension's module
 * (src/iptables/ext/<name>.ts) beside its descriptor. Fields hold the parsed,
 * canonical values (what the kernel's xt_*_info would hold); anything the
 * text layer needs to print the rule back exactly (input form variants) is
 * kept too. Ranges are inclusive [lo, hi]. `inv*` is the "!" of the option
 * it follows.
 */

export interface PortRange { lo: number; hi: number }
export interface AddrMask { addr: number; mask: number }

/**
 * The data of every match, keyed by -m name. Each extension's module adds its
 * own entry (`declare module '../../rules/matches.js'`), so the union grows
 * with the registry (src/iptables/ext/index.ts) and nothing here names an
 * extension. One rawgate cannot evaluate (connbytes, connlimit: no conntrack
 * accounting) loads, lists and saves like iptables, but its descriptor's bind
 * throws BindError naming it, so a ruleset using it is refused by the
 * dataplane rather than loaded and mis-evaluated.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface MatchTypes {}

export type Match = MatchTypes[keyof MatchTypes];

export type MatchName = Match['name'];
