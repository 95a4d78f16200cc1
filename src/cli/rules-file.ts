/**
 * The rules file named by the config (`rules:`), loaded at start through
 * the same iptables-restore the control socket uses, so a file that loads
 * at start also loads with `iptables-restore < file`.
 */
import { readFileSync } from 'node:fs';
import type { IptablesCommands } from '../control/handler.js';
import type { Ruleset } from '../rules/model.js';

export class RulesFileError extends Error {
  readonly code = 'RULES_INVALID';
  constructor(readonly file: string, detail: string) {
    super(`${file}: rules file refused: ${detail}`);
    this.name = 'RulesFileError';
  }
}

export function emptyRuleset(): Ruleset {
  return { tables: new Map() };
}

/** Load the file with `commands.restore` (the daemon passes an all-or-nothing restore). */
export function loadRulesFile(file: string | null, commands: Pick<IptablesCommands, 'restore'>): Ruleset {
  if (file === null) return emptyRuleset();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RulesFileError(file, `cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = commands.restore([], text, emptyRuleset());
  if (r.status !== 0) throw new RulesFileError(file, (r.stderr.trim() || `iptables-restore exited ${r.status}`));
  return r.ruleset ?? emptyRuleset();
}
