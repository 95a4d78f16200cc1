/**
 * Registration of the extensions whose data lives in rules/infra-exts.ts
 * (facility-bound matches and targets, plus cluster and HMARK); spread into
 * more-exts.ts.
 */
import type { MatchExt, TargetExt } from './types.js';
import { auditTarget } from './audit-target.js';
import { bpfMatch } from './bpf.js';
import { clusteripTarget } from './clusterip-target.js';
import { ipvsMatch } from './ipvs.js';
import { cgroupMatch } from './cgroup.js';
import { clusterMatch } from './cluster.js';
import { connlabelMatch } from './connlabel.js';
import { connsecmarkTarget } from './connsecmark-target.js';
import { hmarkTarget } from './hmark-target.js';
import { rateestMatch } from './rateest.js';
import { rateestTarget } from './rateest-target.js';
import { setMatch, setTarget } from './set.js';
import { synproxyTarget } from './synproxy-target.js';
import { tproxyTarget } from './tproxy-target.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const INFRA_MATCHES: MatchExt<any>[] = [cgroupMatch, clusterMatch, connlabelMatch, rateestMatch, setMatch, bpfMatch, ipvsMatch];
export const INFRA_TARGETS: TargetExt<any>[] = [auditTarget, connsecmarkTarget, hmarkTarget, rateestTarget, setTarget, synproxyTarget, tproxyTarget, clusteripTarget];
