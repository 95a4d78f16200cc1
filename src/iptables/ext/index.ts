/**
 * Extension registry: -m NAME and -j NAME look-ups. Core protocol matches
 * live in core-exts.ts, everything else in more-exts.ts; both export arrays.
 */
import type { MatchExt, TargetExt } from './types.js';
import { CORE_MATCHES, CORE_TARGETS } from './core-exts.js';
import { MORE_MATCHES, MORE_TARGETS } from './more-exts.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const matches = new Map<string, MatchExt<any>>();
const targets = new Map<string, TargetExt<any>>();
for (const m of [...CORE_MATCHES, ...MORE_MATCHES]) {
  matches.set(m.name, m);
  for (const a of m.aliases ?? []) matches.set(a, m);
}
for (const t of [...CORE_TARGETS, ...MORE_TARGETS]) targets.set(t.name, t);

export function findMatch(name: string): MatchExt<any> | undefined {
  return matches.get(name);
}
export function findTarget(name: string): TargetExt<any> | undefined {
  return targets.get(name);
}
/** Every registered match (aliases not repeated). */
export function allMatches(): readonly MatchExt<any>[] {
  return [...new Set(matches.values())];
}
/** Every registered target. */
export function allTargets(): readonly TargetExt<any>[] {
  return [...targets.values()];
}
