/** xtables_save_string: " word" when only [A-Za-z0-9_-], else " \"...\"" with " \\ ' escaped. */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return ` ${value}`;
  return ` "${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}
