/** The misc extensions' text side (types in src/rules/misc-exts.ts), registered through more-exts.ts. */
import type { MatchExt, TargetExt } from './types.js';
import { u32Match } from './u32.js';
import { cpuMatch } from './cpu.js';
import { realmMatch } from './realm.js';
import { policyMatch } from './policy.js';
import { ipcompMatch } from './ipcomp.js';
import { socketMatch } from './socket.js';
import { osfMatch } from './osf.js';
import { physdevMatch } from './physdev.js';
import { rpfilterMatch } from './rpfilter.js';
import { nfacctMatch } from './nfacct.js';
import { teeTarget } from './tee-target.js';
import { tcpoptstripTarget } from './tcpoptstrip-target.js';
import { ledTarget } from './led-target.js';
import { idletimerTarget } from './idletimer-target.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const MISC_MATCHES: MatchExt<any>[] = [
  u32Match, cpuMatch, realmMatch, policyMatch, ipcompMatch, socketMatch, osfMatch, physdevMatch, rpfilterMatch, nfacctMatch,
];
export const MISC_TARGETS: TargetExt<any>[] = [teeTarget, tcpoptstripTarget, ledTarget, idletimerTarget];
