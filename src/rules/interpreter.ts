/**
 * The interpreter: the reference evaluator. It walks the model as the kernel's
 * ipt_do_table does — rules in order, a stack of return points for jumps —
 * and is written to be obviously correct rather than fast.
 * Invariants:
 * - Every match and extension target is bound once, at construction
 *   (bind.ts), in table / chain / rule / match order.
 * - Per rule: generic part, then matches in order, first failure stops; on a
 *   match the rule's counters are bumped (pkts += 1, bytes += ipTotLen)
 *   before its target runs.
 * - ACCEPT, DROP, QUEUE, STOLEN and any final verdict of a target end the
 *   table. RETURN, or falling off a chain, pops a frame; with no frame left
 *   (RETURN or fall-through in the built-in chain, or in a chain reached from
 *   it by goto) the built-in chain's policy applies and its counters are
 *   bumped. A jump pushes (chain, next rule); a goto pushes nothing.
 * - A table whose jumps nest as deep as nf_tables refuses (jumps.ts) is not
 *   loaded at all; the jump stack's MAX_DEPTH frames are therefore never
 *   exhausted by a loadable ruleset (deeper nesting would drop the packet).
 *   A jump/goto to a chain missing from the table drops too (iptables never
 *   loads one; the JIT does the same).
 * - lastDropWasPolicy is reset at every evaluate() and set only by a DROP policy.
 */
import type { PacketContext } from '../packet/context.js';
import type { CompiledRuleset, CompileRuleset } from './evaluator.js';
import { TABLE_NAMES } from './evaluator.js';
import type { RuleHost } from './host.js';
import type { Chain, Hook, Rule, Ruleset } from './model.js';
import { HOOK_NAMES } from './model.js';
import { bindMatch, bindTarget, createBindEnv, matchGeneric, type MatchFn, type TargetFn } from './bind.js';
import { Verdict } from './verdict.js';
import { assertJumpsLoadable } from './jumps.js';

export const MAX_DEPTH = 64;

/** What a rule does once it matched. */
const Act = { NONE: 0, ACCEPT: 1, DROP: 2, QUEUE: 3, RETURN: 4, JUMP: 5, GOTO: 6, EXT: 7 } as const;
type Act = (typeof Act)[keyof typeof Act];

interface BoundRule {
  rule: Rule;
  matches: MatchFn[];
  act: Act;
  /** JUMP/GOTO: index of the chain in the table, -1 when missing. */
  dest: number;
  /** EXT: the bound target. */
  target: TargetFn | null;
}

interface BoundChain {
  chain: Chain;
  rules: BoundRule[];
}

interface BoundTable {
  chains: BoundChain[];
  /** Per hook: index of the built-in chain, or -1. */
  entry: Int32Array;
}

function verdictAct(v: 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE'): Act {
  switch (v) {
    case 'ACCEPT': return Act.ACCEPT;
    case 'DROP': return Act.DROP;
    case 'QUEUE': return Act.QUEUE;
    case 'RETURN': return Act.RETURN;
  }
}

class Interpreter implements CompiledRuleset {
  lastDropWasPolicy = false;
  private readonly tables: (BoundTable | null)[];
  private readonly stackChain = new Int32Array(MAX_DEPTH);
  private readonly stackRule = new Int32Array(MAX_DEPTH);

  constructor(readonly ruleset: Ruleset, private readonly host: RuleHost) {
    const env = createBindEnv(host);
    this.tables = TABLE_NAMES.map((name) => {
      const table = ruleset.tables.get(name);
      if (table === undefined) return null;
      assertJumpsLoadable(table);
      const order = [...table.chains.values()];
      const index = new Map(order.map((c, i) => [c.name, i] as const));
      const chains = order.map((chain): BoundChain => ({
        chain,
        rules: chain.rules.map((rule): BoundRule => {
          const matches = rule.matches.map((m) => bindMatch(m, rule, env));
          const t = rule.target;
          switch (t.kind) {
            case 'none': return { rule, matches, act: Act.NONE, dest: -1, target: null };
            case 'verdict': return { rule, matches, act: verdictAct(t.verdict), dest: -1, target: null };
            case 'jump': return { rule, matches, act: Act.JUMP, dest: index.get(t.chain) ?? -1, target: null };
            case 'goto': return { rule, matches, act: Act.GOTO, dest: index.get(t.chain) ?? -1, target: null };
            default: return { rule, matches, act: Act.EXT, dest: -1, target: bindTarget(t, rule, env, name, chain.name) };
          }
        }),
      }));
      const entry = new Int32Array(HOOK_NAMES.length).fill(-1);
      HOOK_NAMES.forEach((h, i) => {
        const c = table.chains.get(h);
        if (c !== undefined && c.policy !== null) entry[i] = index.get(h)!;
      });
      return { chains, entry };
    });
  }

  evaluate(table: number, hook: Hook, ctx: PacketContext): Verdict {
    this.lastDropWasPolicy = false;
    const t = this.tables[table];
    if (t === null || t === undefined) return Verdict.ACCEPT;
    const start = t.entry[hook] ?? -1;
    if (start < 0) return Verdict.ACCEPT;
    let sp = 0;
    let ci = start;
    let ri = 0;
    for (;;) {
      const chain = t.chains[ci]!;
      if (ri >= chain.rules.length) {
        // Fell off the end: an implicit RETURN.
        if (sp === 0) return this.policy(t.chains[start]!.chain, ctx);
        sp--;
        ci = this.stackChain[sp]!;
        ri = this.stackRule[sp]!;
        continue;
      }
      const br = chain.rules[ri]!;
      if (!this.matches(br, ctx)) { ri++; continue; }
      br.rule.pkts += 1;
      br.rule.bytes += ctx.ipTotLen;
      switch (br.act) {
        case Act.NONE: ri++; continue;
        case Act.ACCEPT: return Verdict.ACCEPT;
        case Act.DROP: return Verdict.DROP;
        case Act.QUEUE: return Verdict.QUEUE;
        case Act.RETURN:
          if (sp === 0) return this.policy(t.chains[start]!.chain, ctx);
          sp--;
          ci = this.stackChain[sp]!;
          ri = this.stackRule[sp]!;
          continue;
        case Act.JUMP:
          if (br.dest < 0 || sp >= MAX_DEPTH) return Verdict.DROP;
          this.stackChain[sp] = ci;
          this.stackRule[sp] = ri + 1;
          sp++;
          ci = br.dest;
          ri = 0;
          continue;
        case Act.GOTO:
          if (br.dest < 0) return Verdict.DROP;
          ci = br.dest;
          ri = 0;
          continue;
        case Act.EXT: {
          const v = br.target!(ctx);
          if (v === Verdict.CONTINUE) { ri++; continue; }
          if (v === Verdict.RETURN) {
            if (sp === 0) return this.policy(t.chains[start]!.chain, ctx);
            sp--;
            ci = this.stackChain[sp]!;
            ri = this.stackRule[sp]!;
            continue;
          }
          return v;
        }
      }
    }
  }

  private matches(br: BoundRule, ctx: PacketContext): boolean {
    if (!matchGeneric(br.rule, ctx, this.host)) return false;
    const ms = br.matches;
    for (let i = 0; i < ms.length; i++) if (!ms[i]!(ctx)) return false;
    return true;
  }

  private policy(builtin: Chain, ctx: PacketContext): Verdict {
    builtin.pkts += 1;
    builtin.bytes += ctx.ipTotLen;
    if (builtin.policy === 'DROP') {
      this.lastDropWasPolicy = true;
      return Verdict.DROP;
    }
    return Verdict.ACCEPT;
  }
}

export const interpret: CompileRuleset = (rs, host) => new Interpreter(rs, host);
