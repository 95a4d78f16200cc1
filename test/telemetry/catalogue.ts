/** README.md's metrics catalogue (the table between the catalogue markers), for tests. */
import { readFileSync } from 'node:fs';

export interface Row { name: string; type: string; labels: string[] }

const START = '<!-- metrics-catalogue:start -->';
const END = '<!-- metrics-catalogue:end -->';

export function readmeRows(): Row[] {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} section`);
  const rows: Row[] = [];
  for (const line of text.slice(a + START.length, b).split('\n')) {
    const m = /^\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \| (\w+) \|([^|]*)\|/.exec(line);
    if (!m) continue;
    rows.push({ name: m[1], type: m[2], labels: [...m[3].matchAll(/`([^`]+)`/g)].map((x) => x[1]) });
  }
  return rows;
}
