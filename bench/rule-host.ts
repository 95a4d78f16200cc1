/**
 * A RuleHost that does nothing, for benchmarks: rule evaluation cost only.
 * (The ACL rulesets the rules benchmark uses never call it.)
 */
import type { RuleHost } from '../src/rules/host.js';
import { Verdict } from '../src/rules/verdict.js';

const zero = (): number => 0;

export function nullHost(): RuleHost {
  return {
    nowMs: () => performance.now(),
    ifName: (i) => (i >= 0 ? `eth${i}` : ''),
    log: () => undefined,
    reject: () => undefined,
    mirror: () => undefined,
    nat: () => Verdict.ACCEPT,
    conntrack: () => undefined,
    ctInfo: {
      has: () => false, proto: zero, origSrc: zero, origDst: zero, replSrc: zero, replDst: zero,
      origSrcPort: zero, origDstPort: zero, replSrcPort: zero, replDstPort: zero, status: zero,
      expires: zero, helper: () => '', mark: zero, packets: zero, bytes: zero, liveId: zero,
    },
  };
}
