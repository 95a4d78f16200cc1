/** How the iptables programs print an IptablesError on stderr (see errors.ts for the forms). */
import { IptablesError } from '../errors.js';

export type Program = 'iptables' | 'iptables-restore' | 'iptables-save';

export function programPrefix(prog: Program): string {
  return `${prog} v1.8.9 (nf_tables): `;
}

export function tryLine(prog: Program): string {
  return `Try \`${prog} -h' or '${prog} --help' for more information.\n`;
}

/** stderr text of an error; `line` is the restore line ("Error occurred at line: N"). */
export function renderError(e: IptablesError, prog: Program, line?: number): string {
  const errLine = line !== undefined ? `Error occurred at line: ${line}\n` : '';
  switch (e.form) {
    case 'param': return `${programPrefix(prog)}${e.message}\n${errLine}${tryLine(prog)}`;
    case 'bare': return `${e.message}\n${errLine}${tryLine(prog)}`;
    case 'op': return `iptables: ${e.message}\n`;
    case 'version': return `${programPrefix(prog)}${e.message}\nPerhaps iptables or your kernel needs to be upgraded.\n`;
    case 'other':
    case 'kernel': return `${programPrefix(prog)}${e.message}\n`;
  }
}

/** Converts anything thrown into an IptablesError (a bug shows as an error, not a crash). */
export function asIptablesError(e: unknown): IptablesError {
  if (e instanceof IptablesError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new IptablesError(msg, 1, 'INTERNAL', 'other');
}
