/**
 * The shape of a table's jump graph as nf_tables validates it: no cycle
 * reachable from a base chain, and no chain reached through
 * NFT_JUMP_STACK_SIZE or more jumps and gotos (both EMLINK, "Too many links").
 * The iptables layer refuses such a change with the kernel's message; the
 * evaluators refuse to load such a table at all, so the interpreter's fixed
 * jump stack and the JIT's recursion never meet a ruleset they would treat
 * differently.
 */
import { BindError } from './binding.js';
import { BUILTIN_CHAINS, type Table } from './model.js';

/**
 * nf_tables' jump stack: validation starts a base chain at level 0 and refuses
 * a chain it reaches at this level. Observed on 1.8.9: INPUT → 15 chains in a
 * row loads, → 16 chains is "Too many links".
 */
export const NFT_JUMP_STACK_SIZE = 16;

/** 'loop' or 'depth' when the kernel would refuse the table, else null. Heights are memoised: one visit per chain. */
export function jumpProblem(table: Table): 'loop' | 'depth' | null {
  return jumpGraphProblem(BUILTIN_CHAINS[table.name], (c, visit) => {
    for (const r of table.chains.get(c)?.rules ?? []) {
      if ((r.target.kind === 'jump' || r.target.kind === 'goto') && !visit(r.target.chain)) return;
    }
  });
}

/**
 * The same test over any jump graph: `edges(c, visit)` calls visit for each chain
 * `c` jumps or goes to, and stops when visit returns false (a loop was found).
 */
export function jumpGraphProblem(bases: readonly string[], edges: (chain: string, visit: (to: string) => boolean) => void): 'loop' | 'depth' | null {
  const ON_PATH = -1;
  const height = new Map<string, number>();
  const visit = (c: string): number => {
    const h = height.get(c);
    if (h !== undefined) return h === ON_PATH ? Infinity : h;
    height.set(c, ON_PATH);
    let max = 0;
    edges(c, (to) => {
      const below = visit(to);
      if (below + 1 > max) max = below + 1;
      return below !== Infinity;
    });
    if (max === Infinity) return Infinity;
    height.set(c, max);
    return max;
  };
  let deepest = 0;
  for (const b of bases) {
    const h = visit(b);
    if (h === Infinity) return 'loop';
    if (h > deepest) deepest = h;
  }
  return deepest >= NFT_JUMP_STACK_SIZE ? 'depth' : null;
}

/** Refuses (BindError) a table the kernel would not load, before an evaluator is built for it. */
export function assertJumpsLoadable(table: Table): void {
  const p = jumpProblem(table);
  if (p === 'loop') throw new BindError(`table ${table.name}: a jump loop is reachable from a built-in chain (the kernel refuses it: Too many links)`);
  if (p === 'depth') throw new BindError(`table ${table.name}: jumps nest ${NFT_JUMP_STACK_SIZE} or more chains deep (nf_tables allows ${NFT_JUMP_STACK_SIZE - 1}: Too many links)`);
}
