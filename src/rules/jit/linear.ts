/**
 * Linear code: a run of rules as straight if-statements, in rule order, each
 * bumping its own counters (the rule objects are the unit's constant R) and
 * running its target. Used for short chains (the whole chain inline), for
 * rules no decision tree helps, and for the rules a change just touched.
 */
import type { Rule } from '../model.js';
import { describeRule } from './describe.js';
import { Pool, ruleTest, targetCode, type ChainRef } from './emit.js';
import { jsComment } from './source-text.js';
import { compileUnit, type ChainFn, type UnitEnv } from './unit.js';

export function ruleComment(r: Rule, pos: number): string {
  return `// #${pos + 1} ${jsComment(describeRule(r))}`;
}

/**
 * Compiles `rules` (chain positions from `first`, for comments) into one function.
 * `asChain`: the function is the whole chain (returns -2 at the end) rather than
 * a segment (returns -1 when the packet fell through).
 */
export function compileLinear(
  env: UnitEnv, rules: Rule[], first: number, chainName: string, chainRef: ChainRef, asChain: boolean, comment: string,
): ChainFn {
  const pool = new Pool();
  const R = pool.constant('R', rules);
  const out: string[] = [comment, 'function run(ctx) {', '  let v = 0;'];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    const tgt = targetCode(r, chainName, pool, chainRef);
    out.push(`  ${ruleComment(r, first + i)}`);
    out.push(`  if (${ruleTest(r, pool)}) {`);
    out.push(`    ${R}[${i}].pkts += 1; ${R}[${i}].bytes += ctx.ipTotLen;`);
    if (tgt !== '') out.push(`    ${tgt}`);
    out.push('  }');
  }
  out.push(`  return ${asChain ? -2 : -1};`, '}');
  return compileUnit<ChainFn>(env, pool, out.join('\n'), 'run');
}
