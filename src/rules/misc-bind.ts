/**
 * Binding of the misc extensions (misc-exts.ts): the evaluable ones come from
 * match/misc.ts; the others throw BindError naming the extension and why
 * (see match/misc.ts for the documented choices).
 */
import type { MatchFn, TargetFn } from './bind.js';
import { BindError } from './bind.js';
import type { MiscMatch, MiscTarget } from './misc-exts.js';
import { bindMiscMatchFn, bindMiscTargetFn, miscRefusal } from './match/misc.js';

export function bindMiscMatch(m: MiscMatch): MatchFn {
  const f = bindMiscMatchFn(m);
  if (f) return f;
  throw new BindError(`match '${m.name}': ${miscRefusal(m) ?? 'cannot be evaluated'}`);
}

export function bindMiscTarget(t: MiscTarget): TargetFn {
  const f = bindMiscTargetFn(t);
  if (f) return f;
  throw new BindError(`target '${t.kind}': ${miscRefusal(t) ?? 'cannot be evaluated'}`);
}
