/**
 * ConfigError: a configuration file rawgate refuses. Every issue names the
 * field path (`interfaces[1].addresses[0]`) and the reason; the message lists
 * them all so a user fixes the file in one pass. Stable code: CONFIG_INVALID.
 */

export interface ConfigIssue {
  /** Field path from the document root, e.g. `routes[0].via`; '' for the whole document. */
  path: string;
  reason: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';

  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly file: string | null = null,
  ) {
    super(formatIssues(issues, file));
    this.name = 'ConfigError';
  }
}

export function formatIssue(i: ConfigIssue): string {
  return i.path === '' ? i.reason : `${i.path}: ${i.reason}`;
}

function formatIssues(issues: readonly ConfigIssue[], file: string | null): string {
  const where = file === null ? 'config' : file;
  if (issues.length === 1) return `${where}: invalid configuration: ${formatIssue(issues[0])}`;
  return `${where}: invalid configuration (${issues.length} problems):\n` + issues.map((i) => `  ${formatIssue(i)}`).join('\n');
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
