/**
 * Box projection of a rule: for the five dispatch dimensions (source, destination,
 * protocol key, source port, destination port) the inclusive interval that every
 * packet the rule can match lies in. Invariants:
 * - A box is a SUPERSET of the rule's match set: a packet outside the box can
 *   never match the rule, so the dispatch may skip the rule without evaluating it.
 * - Only tests evaluated before the rule's first side-effecting match are used
 *   (skipping a rule must not skip a side effect the interpreter would have had).
 * - `exact` means the box test IS the rule's whole test: no residual check needed.
 * The protocol key folds "has a readable L4 header" into the protocol:
 * key = proto * 2 + (ctx.l4Off >= 0 ? 1 : 0), so `-p tcp -m tcp` is the single
 * key 13 while `-p tcp` alone is the interval [12, 13].
 */
import type { Rule } from '../model.js';
import { Frag } from '../model.js';
import { findMatch } from '../../iptables/ext/index.js';
import type { BoxNarrowing } from './ext-hooks.js';

import { DIMS, DIM_MAX, D_DPORT, D_DST, D_PROTO, D_SPORT, D_SRC } from './dims.js';

export { DIMS, DIM_MAX, D_DPORT, D_DST, D_PROTO, D_SPORT, D_SRC };

/**
 * Quiet matches (the descriptor's flag: evaluation touches nothing outside ctx,
 * no host call, no state): matches up to the first one that is not quiet may
 * narrow the box, through the descriptor's jit.box.
 */
function isQuiet(name: string): boolean {
  return findMatch(name)?.quiet === true;
}

/** True when testing the rule has no side effect (every match is quiet), so it may be tested out of rule order. */
export function quietTest(rule: Rule): boolean {
  for (const m of rule.matches) if (!isQuiet(m.name)) return false;
  return true;
}

export interface RuleBox {
  lo: number[];
  hi: number[];
  exact: boolean;
}

/** True when the mask is a prefix mask (ones then zeros). */
function isPrefix(mask: number): boolean {
  const inv = ~mask >>> 0;
  return ((inv + 1) & inv) === 0;
}

/** Address interval of (addr, mask): exact only for prefix masks. */
function addrRange(addr: number, mask: number): [number, number, boolean] {
  const lo = (addr & mask) >>> 0;
  const hi = (lo | ~mask) >>> 0;
  return [lo, hi, isPrefix(mask)];
}

export function ruleBox(rule: Rule): RuleBox {
  const lo = [0, 0, 0, 0, 0];
  const hi = DIM_MAX.slice();
  let exact = true;

  if (rule.srcMask !== 0) {
    if (rule.invSrc) exact = false;
    else { const [a, b, e] = addrRange(rule.src, rule.srcMask); lo[D_SRC] = a; hi[D_SRC] = b; exact &&= e; }
  } else if (rule.invSrc) exact = false;
  if (rule.dstMask !== 0) {
    if (rule.invDst) exact = false;
    else { const [a, b, e] = addrRange(rule.dst, rule.dstMask); lo[D_DST] = a; hi[D_DST] = b; exact &&= e; }
  } else if (rule.invDst) exact = false;
  if (rule.inIface !== '' || rule.invIn || rule.outIface !== '' || rule.invOut) exact = false;
  if (rule.frag !== Frag.ANY) exact = false;
  if (rule.proto !== 0) {
    if (rule.invProto) exact = false;
    else { lo[D_PROTO] = rule.proto * 2; hi[D_PROTO] = rule.proto * 2 + 1; }
  }

  const narrowing: BoxNarrowing = {
    requireL4: () => narrowProtoToL4(lo, hi),
    sport: (a, b) => narrow(lo, hi, D_SPORT, a, b),
    dport: (a, b) => narrow(lo, hi, D_DPORT, a, b),
  };
  let quiet = true;
  for (const m of rule.matches) {
    if (!quiet) { exact = false; continue; }
    const ext = findMatch(m.name);
    if (ext?.quiet !== true) { quiet = false; exact = false; continue; }
    // A quiet match without box narrowing still leaves a residual test.
    const box = ext.jit?.box;
    if (box === undefined || !box(m, narrowing)) exact = false;
  }
  // An empty interval (contradictory tests) still needs a valid box: keep lo <= hi
  // by making it a point the packet can never reach only when it is truly empty.
  for (let d = 0; d < DIMS; d++) if (lo[d]! > hi[d]!) { lo[d] = 1; hi[d] = 0; }
  return { lo, hi, exact };
}

function narrow(lo: number[], hi: number[], d: number, a: number, b: number): void {
  if (a > lo[d]!) lo[d] = a;
  if (b < hi[d]!) hi[d] = b;
}

/** Restrict the protocol key interval to keys with the L4 bit set (odd keys). */
function narrowProtoToL4(lo: number[], hi: number[]): void {
  if ((lo[D_PROTO]! & 1) === 0) lo[D_PROTO] = lo[D_PROTO]! + 1;
  if ((hi[D_PROTO]! & 1) === 0) hi[D_PROTO] = hi[D_PROTO]! - 1;
}

/** True when the box spans every dimension fully (dispatch cannot exclude it). */
export function isWide(b: RuleBox): boolean {
  for (let d = 0; d < DIMS; d++) if (b.lo[d] !== 0 || b.hi[d] !== DIM_MAX[d]) return false;
  return true;
}
