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

function range(r: { lo: number; hi: number }): string {
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}:${r.hi}`;
}

function neg(b: boolean | undefined): string { return b ? '! ' : ''; }

function describeMatch(m: Match): string {
  switch (m.name) {
    case 'tcp':
    case 'udp': {
      const p: string[] = [`-m ${m.name}`];
      if (m.sport.lo !== 0 || m.sport.hi !== 0xffff || m.invSport) p.push(`${neg(m.invSport)}--sport ${range(m.sport)}`);
      if (m.dport.lo !== 0 || m.dport.hi !== 0xffff || m.invDport) p.push(`${neg(m.invDport)}--dport ${range(m.dport)}`);
      if (m.name === 'tcp') {
        if (m.flagsMask !== 0 || m.invFlags) p.push(`${neg(m.invFlags)}--tcp-flags 0x${m.flagsMask.toString(16)} 0x${m.flagsCmp.toString(16)}`);
        if (m.option !== 0) p.push(`${neg(m.invOption)}--tcp-option ${m.option}`);
      }
      return p.join(' ');
    }
    case 'icmp':
      return `-m icmp ${neg(m.invert)}--icmp-type ${m.type === 255 ? 'any' : `${m.type}/${m.codeLo}:${m.codeHi}`}`;
    case 'mark':
      return `-m mark ${neg(m.invert)}--mark 0x${m.mark.toString(16)}/0x${m.mask.toString(16)}`;
    case 'comment':
      return `-m comment --comment ${JSON.stringify(m.comment)}`;
    case 'multiport':
      return `-m multiport ${neg(m.invert)}--${m.which === 'any' ? '' : m.which[0]}ports ${m.ports.map(range).join(',')}`;
    default:
      return `-m ${m.name}`;
  }
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
