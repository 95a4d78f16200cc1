/**
 * `iptables -L` output (iptables 1.8.9, nft: print_header, print_rule_details,
 * print_fragment, print_ifaces, print_ipv4_addresses), byte for byte: column
 * widths, trailing spaces, the numeric prot column with -n (1.8.9 only), the -x
 * header misalignment, "[goto] ", and reference counts for user chains.
 */
import { Frag, type Chain, type Rule, type Table } from '../../rules/model.js';
import type { Match } from '../../rules/matches.js';
import type { Target } from '../../rules/targets.js';
import { chainsInOrder, countReferences } from '../../rules/ops.js';
import { formatAddrList } from '../addr.js';
import { protoName } from '../names/names.js';
import { findMatch, findTarget } from '../ext/index.js';
import { formatNum } from './counters.js';

export interface ListFormat {
  verbose: boolean;
  numeric: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

/** The target column: verdict, chain, or the extension's listed name. */
export function targetListName(t: Target): string {
  switch (t.kind) {
    case 'none': return '';
    case 'verdict': return t.verdict;
    case 'jump':
    case 'goto': return t.chain;
    default: return findTarget(t.kind)?.listName ?? t.kind;
  }
}

export function matchListText(m: Match, numeric: boolean): string {
  return findMatch(m.name)?.print(m, numeric) ?? '';
}

export function targetListText(t: Target, numeric: boolean): string {
  if (t.kind === 'none' || t.kind === 'verdict' || t.kind === 'jump' || t.kind === 'goto') return '';
  return findTarget(t.kind)?.print(t, numeric) ?? '';
}

export function chainHeader(c: Chain, refs: number, f: ListFormat): string {
  let s = `Chain ${c.name}`;
  if (c.policy !== null) {
    s += ` (policy ${c.policy}`;
    if (f.verbose) s += ` ${formatNum(c.pkts, f.exact, false)}packets, ${formatNum(c.bytes, f.exact, false)}bytes`;
    s += ')\n';
  } else {
    s += ` (${refs} references)\n`;
  }
  return s + columnHeader(f);
}

export function columnHeader(f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += 'num'.padEnd(4) + ' ';
  if (f.verbose) s += f.exact ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : `${'pkts'.padStart(5)} ${'bytes'.padStart(5)} `;
  s += 'target'.padEnd(9) + ' ';
  s += ' prot opt';
  if (f.verbose) s += ` ${'in'.padEnd(6)} ${'out'.padEnd(6)} `;
  s += ` ${'source'.padEnd(19)} `;
  s += ` ${'destination'.padEnd(19)} `;
  return s + '\n';
}

export function ruleLine(r: Rule, num: number, f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += String(num).padEnd(4) + ' ';
  if (f.verbose) s += formatNum(r.pkts, f.exact) + formatNum(r.bytes, f.exact);
  s += targetListName(r.target).padEnd(9) + ' ';
  s += r.invProto ? '!' : ' ';
  const pname = protoName(r.proto, f.numeric);
  s += (f.numeric || pname === undefined ? String(r.proto) : pname).padEnd(4) + ' ';
  s += r.frag === Frag.FIRST_OR_UNFRAGMENTED ? '!' : '-';
  s += r.frag === Frag.ANY ? '- ' : 'f ';
  if (f.verbose) {
    const any = f.numeric ? '*' : 'any';
    s += ` ${ifaceText(r.inIface, r.invIn, any).padEnd(6)} `;
    s += `${ifaceText(r.outIface, r.invOut, any).padEnd(6)} `;
  }
  s += r.invSrc ? '!' : ' ';
  s += formatAddrList(r.src, r.srcMask, f.numeric).padEnd(19) + ' ';
  s += r.invDst ? '!' : ' ';
  s += formatAddrList(r.dst, r.dstMask, f.numeric).padEnd(19) + ' ';
  if (r.target.kind === 'goto') s += '[goto] ';
  for (const m of r.matches) s += matchListText(m, f.numeric);
  s += targetListText(r.target, f.numeric);
  return s + '\n';
}

/** One chain: header, column header, rules (or only rule `rulenum`, without headers). */
export function listChain(t: Table, c: Chain, f: ListFormat, rulenum = 0): string {
  if (rulenum) {
    const r = c.rules[rulenum - 1];
    return r ? ruleLine(r, rulenum, f) : '';
  }
  let s = chainHeader(c, countReferences(t, c.name), f);
  c.rules.forEach((r, i) => { s += ruleLine(r, i + 1, f); });
  return s;
}

/** All chains of the table, separated by an empty line. */
export function listTable(t: Table, f: ListFormat): string {
  return chainsInOrder(t).map((c) => listChain(t, c, f)).join('\n');
}

/**
 * The one-line echo of a rule that -v prints on -A/-I/-D/-R and
 * iptables-restore -v prints (print_firewall with FMT_PRINT_RULE).
 */
/** -i/-o as -L -v shows them: `! -i +` is stored as '' inverted and shown as "!+". */
function ifaceText(name: string, inv: boolean, any: string): string {
  return inv ? `!${name || '+'}` : name || any;
}

export function ruleEcho(r: Rule): string {
  let s = targetListName(r.target) + ' ';
  s += r.invProto ? '!' : ' ';
  s += (protoName(r.proto, true) ?? String(r.proto)) + ' ';
  s += 'opt ';
  s += r.frag === Frag.FIRST_OR_UNFRAGMENTED ? '!' : '-';
  s += r.frag === Frag.ANY ? '- ' : 'f ';
  s += `in ${ifaceText(r.inIface, r.invIn, '*')} `;
  s += `out ${ifaceText(r.outIface, r.invOut, '*')} `;
  s += (r.invSrc ? '!' : ' ') + formatAddrList(r.src, r.srcMask, true) + ' ';
  s += (r.invDst ? '!' : ' ') + '-> ' + formatAddrList(r.dst, r.dstMask, true);
  s += '  ';
  if (r.target.kind === 'goto') s += '[goto] ';
  for (const m of r.matches) s += matchListText(m, true);
  s += targetListText(r.target, true);
  return s + '\n';
}
