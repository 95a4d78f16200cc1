/**
 * The word lists of -u (status), -e (event mask) and -o (output), parsed as
 * conntrack's parse_parameter*() do: each comma-separated item is matched as a
 * case-insensitive prefix of a known word (so `-o ext` is extended and, as in
 * the tool, any prefix of SRC_NAT/DST_NAT is ignored with a warning).
 * Invariant: an unknown or empty item is "Bad parameter `<rest of the list>'".
 */
import { paramError } from './errors.js';
import { IPS_ASSURED, IPS_EXPECTED, IPS_FIXED_TIMEOUT, IPS_HW_OFFLOAD, IPS_OFFLOAD, IPS_SEEN_REPLY } from './types.js';

export const EVENT_NEW = 1;
export const EVENT_UPDATE = 2;
export const EVENT_DESTROY = 4;

export const PARSE_TABLES = {
  status: [['ASSURED', IPS_ASSURED], ['SEEN_REPLY', IPS_SEEN_REPLY], ['UNSET', 0], ['FIXED_TIMEOUT', IPS_FIXED_TIMEOUT],
    ['EXPECTED', IPS_EXPECTED], ['OFFLOAD', IPS_OFFLOAD], ['HW_OFFLOAD', IPS_HW_OFFLOAD]],
  event: [['ALL', 7], ['NEW', EVENT_NEW], ['UPDATES', EVENT_UPDATE], ['DESTROY', EVENT_DESTROY]],
  output: [['xml', 1], ['extended', 2], ['timestamp', 4], ['id', 8], ['ktimestamp', 16], ['labels', 32], ['userspace', 64], ['save', 128]],
} as const satisfies Record<string, readonly (readonly [string, number])[]>;
type ParseKind = keyof typeof PARSE_TABLES;

/** do_parse_parameter(): the item is a case-insensitive prefix of a known word (strncasecmp with its length). */
function parseWord(item: string, kind: ParseKind, warnings: string[]): number | undefined {
  const isPrefix = (word: string): boolean => item.length <= word.length && word.slice(0, item.length).toLowerCase() === item.toLowerCase();
  for (const nat of ['SRC_NAT', 'DST_NAT']) {
    if (isPrefix(nat)) {
      warnings.push(`WARNING: ignoring ${nat}, use --${nat === 'SRC_NAT' ? 'src' : 'dst'}-nat instead\n`);
      return 0;
    }
  }
  for (const [word, value] of PARSE_TABLES[kind]) if (isPrefix(word)) return value;
  return undefined;
}

/** parse_parameter(): comma-separated words, all known. */
export function parseList(arg: string, kind: ParseKind, warnings: string[]): number {
  let value = 0;
  let rest = arg;
  for (;;) {
    const comma = rest.indexOf(',');
    const item = comma < 0 ? rest : rest.slice(0, comma);
    const v = item === '' ? undefined : parseWord(item, kind, warnings);
    if (v === undefined) throw paramError('BAD_PARAMETER', `Bad parameter \`${rest}'`);
    value |= v;
    if (comma < 0) return value;
    rest = rest.slice(comma + 1);
  }
}

/** parse_parameter_mask(): like parseList, plus `!WORD` (must be clear) and UNREPLIED (SEEN_REPLY clear). */
export function parseStatus(arg: string, warnings: string[]): { bits: number; mask: number } {
  let bits = 0;
  let mask = 0;
  let rest = arg;
  for (;;) {
    const comma = rest.indexOf(',');
    if (comma === 0) throw paramError('BAD_PARAMETER', `Bad parameter \`${rest}'`);
    const negated = rest.startsWith('!');
    const s = negated ? rest.slice(1) : rest;
    const end = comma < 0 ? s.length : comma - (negated ? 1 : 0);
    if (comma >= 0 && end === 0) throw paramError('BAD_PARAMETER', `Bad parameter \`${s}'`);
    if (!negated && s.startsWith('UNREPLIED')) {
      mask |= IPS_SEEN_REPLY;
    } else {
      const v = end === 0 ? undefined : parseWord(s.slice(0, end), 'status', warnings);
      if (v === undefined) throw paramError('BAD_PARAMETER', `Bad parameter \`${s}'`);
      if (negated) mask |= v;
      else bits |= v;
    }
    if (comma < 0) return { bits, mask };
    rest = rest.slice(comma + 1);
  }
}
