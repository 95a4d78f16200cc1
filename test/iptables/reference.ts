/**
 * Readers for the shared reference material: iptables' own .t test files
 * (grammar: netfilter-behaviour.md §1.2) and the observed A1/A2 files (real
 * iptables 1.8.9 output per rule: SAVE / Lnv / L lines, or RC / ERR).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A copy of ../shared/reference kept in the repository (test/reference), so a clean clone tests on its own. */
export const REF = fileURLToPath(new URL('../reference', import.meta.url));

export interface TLine {
  file: string;
  lineNo: number;
  table: string;
  chains: string[];
  rule: string;
  /** Expected save text ('' = none given). */
  expected: string;
  /** The result on the nft backend after applying ;NFT/;LEGACY variants. */
  result: 'OK' | 'FAIL' | 'NOMATCH';
  /** %iptables / @iptables commands seen before this line in the file (state they set up). */
  setup: string[];
}

export function readTFile(path: string): TLine[] {
  const file = path.split('/').pop()!;
  const out: TLine[] = [];
  let table = 'filter';
  let chains: string[] = [];
  const setup: string[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    if (line.startsWith(':')) { chains = line.slice(1).split(','); return; }
    if (line.startsWith('*')) { table = line.slice(1).trim(); return; }
    if (line.startsWith('@') || line.startsWith('%')) {
      const cmd = line.slice(1);
      if (cmd.startsWith('iptables ')) setup.push(cmd.slice('iptables '.length));
      return;
    }
    const f = line.split(';');
    const rule = f[0]!;
    let expected = f[1] ?? '';
    if (expected === '=') expected = rule;
    let result = (f[2] ?? '').trimEnd() as TLine['result'];
    const variant = (f[3] ?? '').trimEnd();
    if (variant === 'LEGACY') {
      const alt = (f[4] ?? '').trimEnd();
      result = alt ? (alt as TLine['result']) : result === 'OK' ? 'FAIL' : 'OK';
    }
    out.push({ file, lineNo: i + 1, table, chains: [...chains], rule, expected, result, setup: [...setup] });
  });
  return out;
}

export interface Observed {
  section: string;
  input: string;
  save?: string;
  lnv?: string;
  l?: string;
  rc?: number;
  err?: string;
}

/** A1/A2: "IN   : ..." then SAVE/Lnv/L, or RC ("RC   : 2 (FAIL) msg") / ERR ("ERR  : msg"). */
export function readObserved(path: string): Observed[] {
  const out: Observed[] = [];
  let section = '';
  let cur: Observed | undefined;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (raw.startsWith('### ')) { section = raw.slice(4).trim(); continue; }
    const m = /^(IN|SAVE|Lnv|L|RC|ERR) *: ?(.*)$/.exec(raw);
    if (!m) continue;
    const [, tag, val] = m as unknown as [string, string, string];
    switch (tag) {
      case 'IN':
        cur = { section, input: val.replace(/ {3}\[(OK|FAIL|NOMATCH)\]$/, '') };
        out.push(cur);
        break;
      case 'SAVE': cur!.save = val; break;
      case 'Lnv': cur!.lnv = val; break;
      case 'L': cur!.l = val; break;
      case 'RC': {
        const r = /^(\d+) \((?:FAIL|OK|NOMATCH)\) ?(.*)$/.exec(val)!;
        cur!.rc = Number(r[1]); cur!.err = r[2];
        break;
      }
      case 'ERR': cur!.err = val; cur!.rc = cur!.rc ?? -1; break;
    }
  }
  return out;
}
