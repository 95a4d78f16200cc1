/**
 * The dataplane's RuleHost: what rule targets do to the world. LOG writes
 * the kernel's line as a field of a structured record; REJECT sends an ICMP
 * error or a TCP RST through the pipeline; NAT and conntrack targets are
 * accepted and counted until connection tracking lands (roadmap: the nat
 * table is not consulted yet, see hooks.ts).
 */
import type { PacketContext } from '../packet/context.js';
import type { CtView, RuleHost } from '../rules/host.js';
import type { Target } from '../rules/targets.js';
import { Verdict } from '../rules/verdict.js';
import { formatLogLine } from './log-line.js';
import type { Pipeline } from './pipeline.js';

type LogTarget = Extract<Target, { kind: 'LOG' | 'NFLOG' | 'ULOG' }>;

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
  status: () => 0, expires: () => 0, helper: () => '', mark: () => 0,
};

export class DataplaneRuleHost implements RuleHost {
  pipeline: Pipeline | null = null;
  /** Targets that need connection tracking, seen before it exists. */
  natUnsupported = 0;
  ctUnsupported = 0;
  readonly ctInfo: CtView = NO_CT;

  constructor(
    private readonly names: readonly string[],
    private readonly sink: LogSink,
    private readonly clock: () => number,
  ) {}

  nowMs(): number {
    return this.clock();
  }

  ifName(index: number): string {
    return index >= 0 && index < this.names.length ? this.names[index] : '';
  }

  log(ctx: PacketContext, t: LogTarget, table: string, chain: string): void {
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

  nat(_ctx: PacketContext, _t: Extract<Target, { kind: 'SNAT' | 'DNAT' | 'MASQUERADE' | 'REDIRECT' | 'NETMAP' | 'SAME' }>): Verdict {
    this.natUnsupported++;
    return Verdict.ACCEPT;
  }

  conntrack(_ctx: PacketContext, _t: Extract<Target, { kind: 'CT' | 'NOTRACK' | 'CONNMARK' }>): void {
    this.ctUnsupported++;
  }
}
