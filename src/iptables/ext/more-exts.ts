/** All other extensions: every further -m match and every -j target. */
import type { MatchExt, TargetExt } from './types.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
export const MORE_MATCHES: MatchExt<any>[] = [];
export const MORE_TARGETS: TargetExt<any>[] = [];
