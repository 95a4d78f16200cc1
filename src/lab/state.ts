/**
 * State of labs kept alive by `rawgate lab up` (so `lab down` can stop the
 * daemon gently and remove the work dir): one JSON file per prefix under
 * <tmpdir>/rawgate-lab/.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface KeptLab {
  prefix: string;
  kind: string;
  workDir: string;
  /** rawgate's pid, when one was started. */
  pid: number | null;
  socketPath: string | null;
}

function dir(): string {
  return path.join(tmpdir(), 'rawgate-lab');
}

export function saveKeptLab(s: KeptLab): void {
  mkdirSync(dir(), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir(), `${s.prefix}.json`), JSON.stringify(s, null, 2));
}

export function readKeptLab(prefix: string): KeptLab | null {
  try {
    return JSON.parse(readFileSync(path.join(dir(), `${prefix}.json`), 'utf8')) as KeptLab;
  } catch {
    return null;
  }
}

export function forgetKeptLab(prefix: string): void {
  rmSync(path.join(dir(), `${prefix}.json`), { force: true });
}

export function keptLabPrefixes(): string[] {
  try {
    return readdirSync(dir()).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}
