/**
 * What an extension may give the JIT besides its bound function: an inline
 * expression, a narrowing of the rule's dispatch box, and a short text for
 * explain comments. Kept apart from emit.ts, box.ts and describe.ts (which
 * look extensions up in the registry) so that extension modules can import
 * these helpers without a cycle through the registry.
 * Invariants: inline code reads only ctx fields and allocates nothing; box
 * narrowing is offered only for quiet matches (box.ts) and must keep the box
 * a superset of what the match accepts.
 */

/** The JIT hooks of a match extension; each is optional (default: call the bound function, no narrowing, "-m NAME"). */
export interface MatchJit<M> {
  /** Inline expression over `ctx` ('' = always true), or undefined to call the bound MatchFn. */
  inline?(m: M): string | undefined;
  /**
   * Narrow the rule's box to what the match can accept; return true when the
   * box test then is exactly this match's test (no residual check needed).
   */
  box?(m: M, box: BoxNarrowing): boolean;
  /** The match in explain comments (iptables-like, not the save format). */
  describe?(m: M): string;
}

/** The dispatch dimensions a match may narrow (box.ts applies them). */
export interface BoxNarrowing {
  /** The match needs a readable L4 header. */
  requireL4(): void;
  sport(lo: number, hi: number): void;
  dport(lo: number, hi: number): void;
}

/** Signed 32-bit literal of an unsigned value (ctx.x & mask yields int32). */
export function i32(v: number): string {
  return String(v | 0);
}

/** Hex literal of an unsigned 32-bit value. */
export function hexLit(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** `ctx.f` within [lo, hi], or '' when that is every 16-bit value. */
export function portTest(field: string, lo: number, hi: number, inv: boolean): string {
  if (lo === 0 && hi === 0xffff) return inv ? 'false' : '';
  const t = lo === hi ? `${field} === ${lo}` : `${field} >= ${lo} && ${field} <= ${hi}`;
  return inv ? `!(${t})` : lo === hi ? t : `(${t})`;
}

/** A port range in explain text. */
export function rangeText(r: { lo: number; hi: number }): string {
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}:${r.hi}`;
}

/** "! " before an inverted option in explain text. */
export function neg(b: boolean | undefined): string { return b ? '! ' : ''; }
