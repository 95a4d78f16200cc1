/**
 * The canonical text of a rule, as iptables-save and `iptables -S` print it
 * (iptables 1.8.9, nft backend: nft_ipv4_save_rule + save_rule_details):
 *   -A CHAIN [! -s A/M] [! -d A/M] [! -i IF] [! -o IF] [! -p PROTO] [! -f]
 *            {-m NAME opts}* [-c P B] (-j TARGET opts | -g CHAIN)
 * Two rules are the same rule (for -D/-C) when this text is equal.
 */
import { Frag, type Rule } from '../../rules/model.js';
import type { Match } from '../../rules/matches.js';
import type { Target } from '../../rules/targets.js';
import { formatAddrMaskSave } from '../addr.js';
import { protoSaveName } from '../names/names.js';
import { findMatch, findTarget } from '../ext/index.js';

function saveAddr(letter: string, addr: number, mask: number, inv: boolean): string {
  if (!mask && !inv && !addr) return '';
  return `${inv ? ' !' : ''} -${letter} ${formatAddrMaskSave(addr, mask)}`;
}

export function matchSaveText(m: Match): string {
  const ext = findMatch(m.name);
  return ` -m ${m.name}${ext ? ext.save(m) : ''}`;
}

export function targetSaveText(t: Target): string {
  switch (t.kind) {
    case 'none': return '';
    case 'verdict': return ` -j ${t.verdict}`;
    case 'jump': return ` -j ${t.chain}`;
    case 'goto': return ` -g ${t.chain}`;
    default: {
      const ext = findTarget(t.kind);
      return ` -j ${t.kind}${ext ? ext.save(t) : ''}`;
    }
  }
}

/** Everything after "-A CHAIN"; `counters` adds " -c P B" before the target (-S -v). */
export function ruleSpecText(r: Rule, counters = false): string {
  let s = saveAddr('s', r.src, r.srcMask, r.invSrc) + saveAddr('d', r.dst, r.dstMask, r.invDst);
  // `-i +` is stored as '' (no test) and not printed; `! -i +` (matches nothing) is printed as iptables does.
  if (r.inIface !== '' || r.invIn) s += `${r.invIn ? ' !' : ''} -i ${r.inIface || '+'}`;
  if (r.outIface !== '' || r.invOut) s += `${r.invOut ? ' !' : ''} -o ${r.outIface || '+'}`;
  if (r.proto > 0) s += `${r.invProto ? ' !' : ''} -p ${protoSaveName(r.proto)}`;
  if (r.frag !== Frag.ANY) s += `${r.frag === Frag.FIRST_OR_UNFRAGMENTED ? ' !' : ''} -f`;
  for (const m of r.matches) s += matchSaveText(m);
  if (counters) s += ` -c ${r.pkts} ${r.bytes}`;
  s += targetSaveText(r.target);
  return s;
}

export function ruleSaveLine(chain: string, r: Rule, counters = false): string {
  return `-A ${chain}${ruleSpecText(r, counters)}`;
}

/**
 * Rule equality for -D / -C: same canonical text (counters ignored). The
 * generic part is compared first: when it differs the texts differ too, and a
 * -D by spec on a 50,000-rule chain formats only the few rules that could be it.
 */
export function sameRule(a: Rule, b: Rule): boolean {
  if (a.src !== b.src || a.srcMask !== b.srcMask || a.invSrc !== b.invSrc || a.dst !== b.dst || a.dstMask !== b.dstMask
    || a.invDst !== b.invDst || a.inIface !== b.inIface || a.invIn !== b.invIn || a.outIface !== b.outIface
    || a.invOut !== b.invOut || a.proto !== b.proto || a.invProto !== b.invProto || a.frag !== b.frag
    || a.matches.length !== b.matches.length) return false;
  return ruleSpecText(a) === ruleSpecText(b);
}
