/**
 * A recording RuleHost for rule tests (shared with the JIT's tests): every
 * side-effecting call is appended to `calls` as a plain record, so two hosts
 * driven by two evaluators can be compared with toEqual. The clock is a
 * settable field; conntrack data comes from `ct` (per-test overrides).
 */
import type { PacketContext } from '../../src/packet/context.js';
import type { CtView, RuleHost } from '../../src/rules/host.js';
import type { Target } from '../../src/rules/targets.js';
import { Verdict } from '../../src/rules/verdict.js';

export interface HostCall {
  fn: 'nowMs' | 'log' | 'reject' | 'mirror' | 'nat' | 'conntrack';
  /** Target kind or '' (nowMs). */
  kind: string;
  table?: string;
  chain?: string;
  prefix?: string;
  /** ctx.mark at the time of the call (lets tests see ordering of MARK vs LOG). */
  mark: number;
}

export interface FakeHostOptions {
  /** Interface names by index. */
  ifNames?: string[];
  /** Start time in ms. */
  now?: number;
  /** Record nowMs() calls in `calls` (default true). */
  recordNow?: boolean;
  /** What nat() returns (default ACCEPT). */
  natVerdict?: Verdict;
  /** Conntrack view fields (defaults: no entry). */
  ct?: Partial<CtView>;
  pathMtu?: (ctx: PacketContext) => number;
  addrType?: (addr: number, ifIndex: number) => number;
}

export type FakeHost = RuleHost & {
  calls: HostCall[];
  /** Current time in ms (advance it directly). */
  now: number;
  /** Calls of one kind, e.g. host.of('log'). */
  of(fn: HostCall['fn']): HostCall[];
  /** Forget recorded calls. */
  clear(): void;
};

const zero = (): number => 0;

export function fakeHost(opts: FakeHostOptions = {}): FakeHost {
  const names = opts.ifNames ?? ['lo', 'eth0', 'eth1', 'ppp0', 'ppp1', 'wlan0'];
  const recordNow = opts.recordNow ?? true;
  const ct: CtView = {
    has: () => false, proto: zero, origSrc: zero, origDst: zero, replSrc: zero, replDst: zero,
    origSrcPort: zero, origDstPort: zero, replSrcPort: zero, replDstPort: zero,
    status: zero, expires: zero, helper: () => '', mark: zero, packets: zero, bytes: zero, liveId: zero,
    ...opts.ct,
  };
  const host: FakeHost = {
    calls: [],
    now: opts.now ?? 1_000_000,
    of(fn) { return host.calls.filter((c) => c.fn === fn); },
    clear() { host.calls.length = 0; },
    nowMs() {
      if (recordNow) host.calls.push({ fn: 'nowMs', kind: '', mark: 0 });
      return host.now;
    },
    ifName: (i) => (i >= 0 && i < names.length ? names[i]! : ''),
    log(ctx, t, table, chain) {
      host.calls.push({ fn: 'log', kind: t.kind, table, chain, prefix: t.prefix, mark: ctx.mark });
    },
    reject(ctx, t) { host.calls.push({ fn: 'reject', kind: t.with, mark: ctx.mark }); },
    mirror(ctx) { host.calls.push({ fn: 'mirror', kind: 'MIRROR', mark: ctx.mark }); },
    nat(ctx, t: Target) {
      host.calls.push({ fn: 'nat', kind: t.kind, mark: ctx.mark });
      return opts.natVerdict ?? Verdict.ACCEPT;
    },
    conntrack(ctx, t) { host.calls.push({ fn: 'conntrack', kind: t.kind, mark: ctx.mark }); },
    ctInfo: ct,
  };
  if (opts.pathMtu !== undefined) host.pathMtu = opts.pathMtu;
  if (opts.addrType !== undefined) host.addrType = opts.addrType;
  return host;
}
