/**
 * JavaScript expressions for one rule's test and statements for its target.
 * Invariants:
 * - Tests are emitted in the interpreter's order: generic part first, then the
 *   matches in rule order, joined with && (so short-circuiting, and therefore
 *   which stateful matches run, is the interpreter's).
 * - Inlined tests read only ctx fields and the per-evaluation interface-name
 *   cache (IFC.i / IFC.o, reset at each hook entry); everything else is a call to a bound MatchFn/TargetFn
 *   registered in the Pool and bound by the compiler after generation, so
 *   source generation needs no host (explainChain uses it alone).
 * - Emitted code allocates nothing.
 */
import type { Rule } from '../model.js';
import { Frag } from '../model.js';
import type { Match } from '../matches.js';
import type { Target } from '../targets.js';
import { findMatch } from '../../iptables/ext/index.js';
import { hexLit, i32 } from './ext-hooks.js';
import { jsString } from './source-text.js';

export { i32 };

/** Something the compiler must bind after generation: the value lands at MF[k] / TF[k]. */
export interface MatchBind { rule: Rule; match: Match }
export interface TargetBind { rule: Rule; target: Target; chain: string }

/** Per-module registry of constants the generated code refers to by name. */
export class Pool {
  readonly matchBinds: MatchBind[] = [];
  readonly targetBinds: TargetBind[] = [];
  readonly values: unknown[] = [];
  readonly names: string[] = [];

  matchFn(rule: Rule, match: Match): string {
    this.matchBinds.push({ rule, match });
    return `MF[${this.matchBinds.length - 1}]`;
  }
  targetFn(rule: Rule, target: Target, chain: string): number {
    this.targetBinds.push({ rule, target, chain });
    return this.targetBinds.length - 1;
  }
  /** A constant hoisted into the unit as `const name = C.values[k]`; `name` is one the JIT made. */
  constant(name: string, value: unknown): string {
    this.values.push(value);
    this.names.push(name);
    return name;
  }
  header(): string {
    return this.names.map((n, k) => `const ${n} = C.values[${k}];`).join('\n');
  }
}

function addrTest(field: string, addr: number, mask: number, inv: boolean): string {
  if (mask === 0) return inv ? 'false' : '';
  if ((mask >>> 0) === 0xffffffff) return `${field} ${inv ? '!==' : '==='} ${(addr >>> 0)}`;
  return `(${field} & ${hexLit(mask)}) ${inv ? '!==' : '==='} ${i32(addr & mask)}`;
}

function ifaceTest(dir: 'in' | 'out', name: string, inv: boolean): string {
  if (name === '') return inv ? 'false' : '';
  const get = dir === 'in' ? '(IFC.i ?? (IFC.i = inName(ctx)))' : '(IFC.o ?? (IFC.o = outName(ctx)))';
  const t = name.endsWith('+')
    ? `${get}.startsWith(${jsString(name.slice(0, -1))})`
    : `${get} === ${jsString(name)}`;
  return inv ? `!(${t})` : t;
}

/** Inline expression for one match (its descriptor's jit.inline), or a call to its bound MatchFn. */
function matchTest(m: Match, rule: Rule, pool: Pool): string {
  return findMatch(m.name)?.jit?.inline?.(m) ?? `${pool.matchFn(rule, m)}(ctx)`;
}

/** The whole test of a rule as one expression ('true' when it matches everything). */
export function ruleTest(rule: Rule, pool: Pool): string {
  const parts: string[] = [];
  const push = (t: string): void => { if (t !== '') parts.push(t); };
  push(addrTest('ctx.saddr', rule.src, rule.srcMask, rule.invSrc));
  push(addrTest('ctx.daddr', rule.dst, rule.dstMask, rule.invDst));
  push(ifaceTest('in', rule.inIface, rule.invIn));
  push(ifaceTest('out', rule.outIface, rule.invOut));
  if (rule.proto !== 0) push(`ctx.proto ${rule.invProto ? '!==' : '==='} ${rule.proto}`);
  if (rule.frag === Frag.NON_FIRST) push('ctx.fragOff !== 0');
  else if (rule.frag === Frag.FIRST_OR_UNFRAGMENTED) push('ctx.fragOff === 0');
  for (const m of rule.matches) push(matchTest(m, rule, pool));
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/** Code that names a chain's function (`D[slot]`, the table's dispatch array). */
export type ChainRef = (name: string) => string;

/**
 * Statements that run a matched rule's target (after its counters). They
 * `return` the chain's result for terminating targets and fall through otherwise.
 * `v` must be a declared `let` in the enclosing function.
 */
export function targetCode(rule: Rule, chainName: string, pool: Pool, chainFn: ChainRef): string {
  const t = rule.target;
  switch (t.kind) {
    case 'none':
      return '';
    case 'verdict':
      switch (t.verdict) {
        case 'ACCEPT': return 'return 1;';
        case 'DROP': return 'return 0;';
        case 'QUEUE': return 'return 3;';
        case 'RETURN': return 'return -2;';
      }
      break;
    case 'jump':
      return `v = ${chainFn(t.chain)}(ctx); if (v !== -2) return v;`;
    case 'goto':
      return `return ${chainFn(t.chain)}(ctx);`;
    default:
      break;
  }
  const k = pool.targetFn(rule, t, chainName);
  return `v = TF[${k}](ctx); if (v !== -1) return v;`;
}
