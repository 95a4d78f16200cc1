/**
 * Reading a configuration file: YAML text → plain data → validated config.
 * Syntax errors become ConfigError too (path '' and the line/column), so a
 * caller handles one error type for "this file cannot be used".
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import type { RawgateConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Parse and validate YAML text. `file` (for messages and relative paths) may be null. */
export function parseConfig(text: string, file: string | null = null): RawgateConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        return { path: '', reason: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${what}` };
      }),
      file,
    );
  }
  return validateConfig(doc.toJS({ maxAliasCount: 100 }), { file });
}

/** Read and validate a file; a missing or unreadable file is a ConfigError as well. */
export function loadConfig(file: string): RawgateConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError([{ path: '', reason: `cannot read the file: ${err.code ?? err.message}` }], file);
  }
  return parseConfig(text, file);
}
