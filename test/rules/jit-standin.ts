/**
 * Local stand-ins used until src/rules/bind.ts and interpreter.ts exist: a
 * straightforward reference interpreter, a binder for the extensions the
 * property tests use, and a recording host. Kernel semantics (xt_tcpudp,
 * ip_tables.c) for the generic part.
 */
import type { PacketContext } from '../../src/packet/context.js';
import type { CompiledRuleset } from '../../src/rules/evaluator.js';
import { TABLE_NAMES } from '../../src/rules/evaluator.js';
import type { RuleHost } from '../../src/rules/host.js';
import type { Match } from '../../src/rules/matches.js';
import type { Hook, Rule, Ruleset } from '../../src/rules/model.js';
import { Frag, HOOK_NAMES } from '../../src/rules/model.js';
import type { Target } from '../../src/rules/targets.js';
import { Verdict } from '../../src/rules/verdict.js';
import type { Binder, MatchFn, TargetFn } from '../../src/rules/jit/compile.js';

export interface Env { host: RuleHost; limits: Map<Rule, number> }

function ifMatch(name: string, actual: string): boolean {
  return name.endsWith('+') ? actual.startsWith(name.slice(0, -1)) : actual === name;
}
const inRange = (v: number, r: { lo: number; hi: number }): boolean => v >= r.lo && v <= r.hi;

export function standinMatchGeneric(r: Rule, ctx: PacketContext, host: RuleHost): boolean {
  if (r.srcMask !== 0 || r.invSrc) if ((((ctx.saddr & r.srcMask) >>> 0) === (r.src >>> 0)) === r.invSrc) return false;
  if (r.dstMask !== 0 || r.invDst) if ((((ctx.daddr & r.dstMask) >>> 0) === (r.dst >>> 0)) === r.invDst) return false;
  if (r.inIface !== '') if (ifMatch(r.inIface, ctx.inIf >= 0 ? host.ifName(ctx.inIf) : '') === r.invIn) return false;
  if (r.outIface !== '') if (ifMatch(r.outIface, ctx.outIf >= 0 ? host.ifName(ctx.outIf) : '') === r.invOut) return false;
  if (r.proto !== 0 && (ctx.proto === r.proto) === r.invProto) return false;
  if (r.frag === Frag.NON_FIRST && ctx.fragOff === 0) return false;
  if (r.frag === Frag.FIRST_OR_UNFRAGMENTED && ctx.fragOff !== 0) return false;
  return true;
}

export const standinBinder: Binder<Env> = {
  createEnv: (host) => ({ host, limits: new Map() }),
  bindMatch(m: Match, rule: Rule, env: Env): MatchFn {
    switch (m.name) {
      case 'tcp': return (ctx) => ctx.l4Off >= 0 && inRange(ctx.sport, m.sport) !== m.invSport && inRange(ctx.dport, m.dport) !== m.invDport
        && ((ctx.tcpFlags & m.flagsMask) === m.flagsCmp) !== m.invFlags;
      case 'udp': return (ctx) => ctx.l4Off >= 0 && inRange(ctx.sport, m.sport) !== m.invSport && inRange(ctx.dport, m.dport) !== m.invDport;
      case 'icmp': return (ctx) => ctx.l4Off >= 0 && ((m.type === 255 || (ctx.icmpType === m.type && ctx.icmpCode >= m.codeLo && ctx.icmpCode <= m.codeHi)) !== m.invert);
      case 'mark': return (ctx) => (((ctx.mark & m.mask) >>> 0) === m.mark) !== m.invert;
      case 'comment': return () => true;
      case 'length': return (ctx) => (ctx.ipTotLen >= m.lo && ctx.ipTotLen <= m.hi) !== m.invert;
      case 'multiport': return (ctx) => {
        if (ctx.l4Off < 0) return false;
        for (const p of m.ports) {
          if ((m.which !== 'dst' && inRange(ctx.sport, p)) || (m.which !== 'src' && inRange(ctx.dport, p))) return !m.invert;
        }
        return m.invert;
      };
      case 'limit': return () => {
        // A stateful stand-in: a bucket of `burst` per rule, refilled never; asks the host for the time.
        env.host.nowMs();
        const used = env.limits.get(rule) ?? 0;
        env.limits.set(rule, used + 1);
        return used < m.burst;
      };
      default: throw new Error(`stand-in: match ${m.name}`);
    }
  },
  bindTarget(t: Target, _rule: Rule, env: Env, table: string, chain: string): TargetFn {
    switch (t.kind) {
      case 'MARK': return (ctx) => { ctx.mark = ((ctx.mark & ~t.mask) ^ t.value) >>> 0; return Verdict.CONTINUE; };
      case 'LOG': return (ctx) => { env.host.log(ctx, t, table, chain); return Verdict.CONTINUE; };
      default: throw new Error(`stand-in: target ${t.kind}`);
    }
  },
};

/** The reference: walk the chains as the kernel does (a stack of return points). */
export function standinInterpret(rs: Ruleset, host: RuleHost): CompiledRuleset {
  const env = standinBinder.createEnv(host);
  const mfs = new Map<Match, MatchFn>();
  const tfs = new Map<Target, TargetFn>();
  const self = {
    ruleset: rs,
    lastDropWasPolicy: false,
    evaluate(table: number, hook: Hook, ctx: PacketContext): Verdict {
      self.lastDropWasPolicy = false;
      const t = rs.tables.get(TABLE_NAMES[table]!);
      const start = t?.chains.get(HOOK_NAMES[hook]!);
      if (t === undefined || start === undefined) return Verdict.ACCEPT;
      const run = (chainName: string): Verdict => {
        const chain = t.chains.get(chainName)!;
        for (const r of chain.rules) {
          if (!standinMatchGeneric(r, ctx, host)) continue;
          let ok = true;
          for (const m of r.matches) {
            let f = mfs.get(m);
            if (f === undefined) { f = standinBinder.bindMatch(m, r, env); mfs.set(m, f); }
            if (!f(ctx)) { ok = false; break; }
          }
          if (!ok) continue;
          r.pkts += 1; r.bytes += ctx.ipTotLen;
          const tg = r.target;
          switch (tg.kind) {
            case 'none': continue;
            case 'verdict': return tg.verdict === 'ACCEPT' ? Verdict.ACCEPT : tg.verdict === 'DROP' ? Verdict.DROP : tg.verdict === 'QUEUE' ? Verdict.QUEUE : Verdict.RETURN;
            case 'jump': { const v = run(tg.chain); if (v !== Verdict.RETURN) return v; continue; }
            case 'goto': return run(tg.chain);
            default: {
              let f = tfs.get(tg);
              if (f === undefined) { f = standinBinder.bindTarget(tg, r, env, t.name, chain.name); tfs.set(tg, f); }
              const v = f(ctx);
              if (v !== Verdict.CONTINUE) return v;
            }
          }
        }
        return Verdict.RETURN;
      };
      const v = run(start.name);
      if (v !== Verdict.RETURN) return v;
      start.pkts += 1; start.bytes += ctx.ipTotLen;
      if (start.policy === 'DROP') { self.lastDropWasPolicy = true; return Verdict.DROP; }
      return Verdict.ACCEPT;
    },
  };
  return self;
}

export interface HostCall { fn: string; detail: string }

/** A host that records every side-effecting call (and nowMs). */
export function recordingHost(names: string[]): RuleHost & { calls: HostCall[] } {
  const calls: HostCall[] = [];
  const none = (): number => 0;
  return {
    calls,
    nowMs: () => { calls.push({ fn: 'nowMs', detail: '' }); return 1000; },
    ifName: (i) => names[i] ?? '',
    log: (ctx, t, table, chain) => { calls.push({ fn: 'log', detail: `${t.kind} ${table} ${chain} mark=${ctx.mark}` }); },
    reject: (_ctx, t) => { calls.push({ fn: 'reject', detail: t.with }); },
    mirror: () => { calls.push({ fn: 'mirror', detail: '' }); },
    nat: (_ctx, t) => { calls.push({ fn: 'nat', detail: t.kind }); return Verdict.ACCEPT; },
    conntrack: (_ctx, t) => { calls.push({ fn: 'conntrack', detail: t.kind }); },
    ctInfo: {
      has: () => false, proto: none, origSrc: none, origDst: none, replSrc: none, replDst: none,
      origSrcPort: none, origDstPort: none, replSrcPort: none, replDstPort: none, status: none, expires: none,
      helper: () => '', mark: none,
    },
  };
}
