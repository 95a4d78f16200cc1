/**
 * The checks iptables-nft and the kernel make when a rule is built and
 * committed, after the command line parsed:
 *  - rule build (exit 2): a jump/goto target chain must exist; a native (nft)
 *    tcp/udp match needs -p tcp/udp ("TCP match requires '-p tcp'");
 *  - kernel (exit 4): xt match/target checks (table, hooks reachable from the
 *    rule's chain, protocol), jumps to base chains, loops reachable from a base
 *    chain, and a few nft quirks (QUEUE without a queue handler, "! -s 0/0").
 * Invariant: pure; failures are IptablesError (kernel ones with form 'kernel').
 */
import { BUILTIN_CHAINS, type Chain, type HookName, type Rule, type Table } from '../rules/model.js';
import { IptablesError, kernelReject, paramProblem } from './errors.js';
import { findMatch, findTarget } from './ext/index.js';
import { isNativeL4 } from './cli/nft-quirks.js';
import { drain, type Steps } from '../rules/steps.js';
import { jumpProblem } from '../rules/jumps.js';

/** Build-time checks of one rule (nft_rule_new): exit 2 failures. */
export function checkRuleBuild(rule: Rule, table: Table): void {
  for (const m of rule.matches) {
    if ((m.name === 'tcp' || m.name === 'udp') && isNativeL4(m)) {
      const want = m.name === 'tcp' ? 6 : 17;
      if (rule.proto !== want) {
        throw paramProblem(`${m.name.toUpperCase()} match requires '-p ${m.name}'`, 'PROTO_REQUIRED');
      }
    }
  }
  const t = rule.target;
  if ((t.kind === 'jump' || t.kind === 'goto') && !table.chains.has(t.chain)) {
    throw paramProblem(`Chain '${t.chain}' does not exist`, 'NO_TARGET_CHAIN');
  }
}

/** For each chain of the table, the base chains (hooks) from which it is reachable. */
export function reachableHooks(table: Table): Map<string, Set<HookName>> {
  const out = new Map<string, Set<HookName>>();
  for (const name of table.chains.keys()) out.set(name, new Set());
  for (const hook of BUILTIN_CHAINS[table.name]) {
    const stack = [hook as string];
    const seen = new Set<string>();
    while (stack.length) {
      const c = stack.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      out.get(c)?.add(hook);
      for (const r of table.chains.get(c)?.rules ?? []) {
        if (r.target.kind === 'jump' || r.target.kind === 'goto') stack.push(r.target.chain);
      }
    }
  }
  return out;
}

/** Kernel checks of one rule placed in `chain` (its reachable hooks given). */
export function checkRuleKernel(rule: Rule, table: Table, hooks: readonly HookName[]): void {
  const use = { table: table.name, hooks };
  if (rule.invSrc && rule.srcMask === 0) throw kernelReject();
  if (rule.invDst && rule.dstMask === 0) throw kernelReject();
  for (const m of rule.matches) {
    if ((m.name === 'tcp' || m.name === 'udp') && !isNativeL4(m)) {
      if (rule.proto !== (m.name === 'tcp' ? 6 : 17) || rule.invProto) throw kernelReject();
    }
    findMatch(m.name)?.check?.(m, rule, use);
  }
  const t = rule.target;
  if (t.kind === 'verdict' && t.verdict === 'QUEUE') throw kernelReject('No such file or directory', 'KERNEL_ENOENT');
  if ((t.kind === 'jump' || t.kind === 'goto') && (BUILTIN_CHAINS[table.name] as readonly string[]).includes(t.chain)) {
    throw kernelReject('Operation not supported', 'KERNEL_EOPNOTSUPP');
  }
  if (t.kind !== 'none' && t.kind !== 'verdict' && t.kind !== 'jump' && t.kind !== 'goto') {
    findTarget(t.kind)?.check?.(t, rule, use);
  }
}

/**
 * Chains that already passed the kernel checks, and with which (table, reachable
 * hooks): the checks are a pure function of those and of the chain's rules, and
 * chains are immutable once built (only counters change), so a change re-checks
 * only the chains it touched. (Per rule this would be a WeakMap of every rule,
 * and ephemeron tables that size cost the garbage collector more than the checks.)
 */
const passedChains = new WeakMap<Chain, number>();

function checkKey(table: Table, hooks: ReadonlySet<HookName>): number {
  let k = TABLE_KEYS.indexOf(table.name) << 8;
  HOOK_BITS.forEach((h, bit) => { if (hooks.has(h)) k |= 1 << bit; });
  return k;
}
const TABLE_KEYS = ['raw', 'mangle', 'nat', 'filter', 'security'];
const HOOK_BITS: readonly HookName[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

export type KernelProblem = { error: IptablesError; chain: string } | undefined;

/** Kernel checks of a whole table after a change: the first refusal and the chain of its rule. */
export function findKernelProblem(table: Table): KernelProblem {
  return drain(kernelProblemSteps(table));
}

/** findKernelProblem in steps (a restore's COMMIT of 50,000 new rules checks every one). */
export function* kernelProblemSteps(table: Table): Steps<KernelProblem> {
  const hooks = reachableHooks(table);
  for (const c of table.chains.values()) {
    const hs = hooks.get(c.name) ?? new Set<HookName>();
    const key = checkKey(table, hs);
    if (passedChains.get(c) === key) continue;
    const h = [...hs];
    let k = 0;
    for (const r of c.rules) {
      if ((++k & 255) === 0) yield;
      try {
        checkRuleKernel(r, table, h);
      } catch (e) {
        if (e instanceof IptablesError && e.form === 'kernel') return { error: e, chain: c.name };
        throw e;
      }
    }
    passedChains.set(c, key);
  }
  if (jumpProblem(table) !== null) return { error: kernelReject('Too many links', 'KERNEL_EMLINK'), chain: '' };
  return undefined;
}

/** Throws the kernel refusal of a table, if any (form 'kernel'). */
export function checkTableKernel(table: Table): void {
  const p = findKernelProblem(table);
  if (p) throw p.error;
}

/** Formats a kernel refusal the way iptables-nft reports a failed batch. */
export function kernelFailure(e: IptablesError, op: string, chain: string): IptablesError {
  return new IptablesError(` ${op} failed (${e.message}): rule in chain ${chain}`, 4, e.code, 'other');
}
