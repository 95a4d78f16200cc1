/**
 * The dataplane's RuleHost: what rule targets do to the world. LOG writes
 * the kernel's line as a field of a structured record; REJECT sends an ICMP
 * error or a TCP RST through the pipeline; conntrack targets and the
 * conntrack matches go to the connection table, NAT targets to NAT, once
 * they are attached (until then they are accepted and counted).
 */
import type { PacketContext } from '../packet/context.js';
import type { CtView, RuleHost } from '../rules/host.js';
import type { Target } from '../rules/targets.js';
import { Verdict } from '../rules/verdict.js';
import { formatLogLine } from './log-line.js';
import type { Pipeline } from './pipeline.js';

type LogTarget = Extract<Target, { kind: 'LOG' | 'NFLOG' | 'ULOG' }>;
type NatTarget = Extract<Target, { kind: 'SNAT' | 'DNAT' | 'MASQUERADE' | 'REDIRECT' | 'NETMAP' | 'SAME' }>;

/** Where LOG records go (pino in the daemon, an array in tests). */
export interface LogSink {
  (record: { level: number; table: string; chain: string; line: string; prefix: string; group?: number }): void;
}

const REJECT_CODES: Record<string, number> = {
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-proto-unreachable': 2,
  'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
};

const NO_CT: CtView = {
  has: () => false,
  proto: () => 0,
  origSrc: () => 0, origDst: () => 0, replSrc: () => 0, replDst: () => 0,
  origSrcPort: () => 0, origDstPort: () => 0, replSrcPort: () => 0, replDstPort: () => 0,
  status: () => 0, expires: () => 0, helper: () => '', mark: () => 0, packets: () => 0, bytes: () => 0, liveId: () => 0,
};

/**
 * The global LOG bound: a token bucket over every LOG/NFLOG/ULOG line, so a LOG
 * rule under flood cannot spend the dataplane's time formatting lines (the
 * kernel has no such bound; rawgate's lines go through a JSON logger). Lines
 * past it are counted (`rawgate_log_lines_total{result="suppressed"}`), not written.
 */
export interface LogRate { perSecond: number; burst: number }

export class DataplaneRuleHost implements RuleHost {
  pipeline: Pipeline | null = null;
  /** Targets that need connection tracking, seen before it exists. */
  natUnsupported = 0;
  ctUnsupported = 0;
  /** LOG lines written and suppressed by the global bound. */
  logEmitted = 0;
  logSuppressed = 0;
  /** The conntrack view rules read; NO_CT until connection tracking is attached. */
  ctInfo: CtView = NO_CT;
  private natTarget: ((ctx: PacketContext, t: NatTarget) => Verdict) | null = null;
  private ctTarget: ((ctx: PacketContext, t: Extract<Target, { kind: 'CT' | 'NOTRACK' | 'CONNMARK' }>) => void) | null = null;
  private tokens: number;
  private tokensAt = -1;

  constructor(
    private readonly names: readonly string[],
    private readonly sink: LogSink,
    private readonly clock: () => number,
    private readonly logRate: LogRate = { perSecond: 1000, burst: 200 },
  ) {
    this.tokens = logRate.burst;
  }

  /** Takes a token from the LOG bucket; false when it is empty. */
  private logAllowed(): boolean {
    const now = this.clock();
    if (this.tokensAt >= 0) {
      this.tokens = Math.min(this.logRate.burst, this.tokens + ((now - this.tokensAt) * this.logRate.perSecond) / 1000);
    }
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  nowMs(): number {
    return this.clock();
  }

  ifName(index: number): string {
    return index >= 0 && index < this.names.length ? this.names[index] : '';
  }

  log(ctx: PacketContext, t: LogTarget, table: string, chain: string): void {
    if (!this.logAllowed()) {
      this.logSuppressed++;
      return;
    }
    this.logEmitted++;
    const inName = this.ifName(ctx.inIf);
    const outName = this.ifName(ctx.outIf);
    if (t.kind === 'LOG') {
      this.sink({ level: t.level, table, chain, prefix: t.prefix, line: formatLogLine(ctx, t.prefix, t.flags, inName, outName) });
    } else {
      this.sink({ level: 4, table, chain, prefix: t.prefix, group: t.group, line: formatLogLine(ctx, t.prefix, 0, inName, outName) });
    }
  }

  reject(ctx: PacketContext, t: Extract<Target, { kind: 'REJECT' }>): void {
    const p = this.pipeline;
    if (p === null) return;
    const charge = ctx.inIf >= 0 ? ctx.inIf : Math.max(ctx.outIf, 0);
    if (t.with === 'tcp-reset') {
      if (ctx.proto === 6) p.tcpReset(charge);
      return;
    }
    p.icmpError(charge, -1, 3, REJECT_CODES[t.with] ?? 3, 0);
  }

  mirror(ctx: PacketContext): void {
    // MIRROR left Linux in 2.6.11; rawgate keeps the tutorial's (2.4) behaviour: see Pipeline.mirror.
    this.pipeline?.mirror(ctx.inIf >= 0 ? ctx.inIf : Math.max(ctx.outIf, 0));
  }

  /** NAT is there: its targets bind connections (the NAT stage consults the nat table). */
  attachNat(nat: { target(ctx: PacketContext, t: NatTarget): number }): void {
    this.natTarget = (ctx, t) => nat.target(ctx, t) as Verdict;
  }

  nat(ctx: PacketContext, t: NatTarget): Verdict {
    if (this.natTarget === null) {
      this.natUnsupported++;
      return Verdict.ACCEPT;
    }
    return this.natTarget(ctx, t);
  }

  /** Connection tracking is there: rules read its entries and its targets change them. */
  attachConntrack(view: CtView & { target(ctx: PacketContext, t: Extract<Target, { kind: 'CT' | 'NOTRACK' | 'CONNMARK' }>): void }): void {
    this.ctInfo = view;
    this.ctTarget = (ctx, t) => view.target(ctx, t);
  }

  conntrack(ctx: PacketContext, t: Extract<Target, { kind: 'CT' | 'NOTRACK' | 'CONNMARK' }>): void {
    if (this.ctTarget === null) {
      this.ctUnsupported++;
      return;
    }
    this.ctTarget(ctx, t);
  }
}
