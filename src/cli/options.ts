/** Tiny option reader for rawgate's own subcommands (`--name VALUE`, `--name=VALUE`, `--flag`). */

export interface ParsedOptions {
  values: Map<string, string>;
  flags: Set<string>;
  positional: string[];
  error?: string;
}

/** `valued` options take a value; `flags` do not; anything else starting with '-' is an error. */
export function parseOptions(args: readonly string[], valued: readonly string[], flags: readonly string[] = []): ParsedOptions {
  const out: ParsedOptions = { values: new Map(), flags: new Set(), positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(0, eq) : a).replace(/^--?/, '');
    if (valued.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return { ...out, error: `option --${name} needs a value` };
      out.values.set(name, v);
    } else if (flags.includes(name) && eq < 0) {
      out.flags.add(name);
    } else {
      return { ...out, error: `unknown option ${a}` };
    }
  }
  return out;
}
