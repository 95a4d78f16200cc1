/**
 * One-line, iptables-like description of a rule for comments in generated code
 * (explain output). Not the save format (src/iptables owns that): it only has to
 * let a reader find the rule. It carries user text as it is: callers put it in
 * generated source only through source-text.ts.
 */
import type { Rule } from '../model.js';
import { Frag } from '../model.js';
import type { Match } from '../matches.js';
import type { Target } from '../targets.js';
import { findMatch } from '../../iptables/ext/index.js';
import { neg } from './ext-hooks.js';

export function ip4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function addr(a: number, m: number): string {
  const inv = ~m >>> 0;
  if (((inv + 1) & inv) === 0) {
    let len = 0; for (let x = m >>> 0; x !== 0; x = (x << 1) >>> 0) len++;
    return `${ip4(a)}/${len}`;
  }
  return `${ip4(a)}/${ip4(m)}`;
}

/** The descriptor's jit.describe, else just the extension's name. */
function describeMatch(m: Match): string {
  return findMatch(m.name)?.jit?.describe?.(m) ?? `-m ${m.name}`;
}

function describeTarget(t: Target): string {
  switch (t.kind) {
    case 'none': return '';
    case 'verdict': return `-j ${t.verdict}`;
    case 'jump': return `-j ${t.chain}`;
    case 'goto': return `-g ${t.chain}`;
    default: return `-j ${t.kind}`;
  }
}

export function describeRule(r: Rule): string {
  const p: string[] = [];
  if (r.srcMask !== 0 || r.invSrc) p.push(`${neg(r.invSrc)}-s ${addr(r.src, r.srcMask)}`);
  if (r.dstMask !== 0 || r.invDst) p.push(`${neg(r.invDst)}-d ${addr(r.dst, r.dstMask)}`);
  if (r.inIface !== '' || r.invIn) p.push(`${neg(r.invIn)}-i ${r.inIface}`);
  if (r.outIface !== '' || r.invOut) p.push(`${neg(r.invOut)}-o ${r.outIface}`);
  if (r.proto !== 0 || r.invProto) p.push(`${neg(r.invProto)}-p ${r.proto}`);
  if (r.frag === Frag.NON_FIRST) p.push('-f');
  else if (r.frag === Frag.FIRST_OR_UNFRAGMENTED) p.push('! -f');
  for (const m of r.matches) p.push(describeMatch(m));
  const t = describeTarget(r.target);
  if (t !== '') p.push(t);
  return p.join(' ');
}
