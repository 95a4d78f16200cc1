/** rawgate's version, read from the package.json above this file (src/ or dist/src/). */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function rawgateVersion(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rawgate') return (cached = pkg.version ?? 'unknown');
    } catch {
      // not here; look one level up
    }
    dir = path.dirname(dir);
  }
  return (cached = 'unknown');
}
