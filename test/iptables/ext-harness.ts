/**
 * Drives one extension module directly, as the command-line parser would:
 * init, each option (with "!" and its argument), final, then save / print
 * (numeric) and, optionally, the kernel check for a table and hooks.
 */
import { emptyRule, type HookName, type Rule, type TableName } from '../../src/rules/model.js';
import { describe, expect, it } from 'vitest';
import { IptablesError } from '../../src/iptables/errors.js';
import type { MatchExt, ParseCtx, TargetExt } from '../../src/iptables/ext/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Driven { data: any; save: string; print: string; printNames: string }

export function drive(ext: MatchExt<any> | TargetExt<any>, words: readonly string[], rule: Partial<Rule> = {}, table: TableName = 'filter'): Driven {
  const r: Rule = { ...emptyRule(), ...rule };
  let i = 0;
  const ctx: ParseCtx = {
    rule: r,
    table,
    nextArg: () => words[i++]!,
    peekArg: () => words[i],
    warn: () => {},
  };
  const data = ext.init(ctx);
  let invert = false;
  while (i < words.length) {
    const w = words[i++]!;
    if (w === '!') { invert = true; continue; }
    const name = w.replace(/^--/, '');
    const spec = ext.options.find((o) => o.name === name);
    if (!spec) throw new Error(`no option ${w} in ${ext.name}`);
    if (invert && !spec.invertible) throw new Error(`${ext.name}: option "--${name}" cannot be inverted.`);
    const arg = spec.hasArg ? words[i++] : undefined;
    ext.parse(data, name, arg, invert, ctx);
    invert = false;
  }
  ext.final?.(data, ctx);
  return { data, save: ext.save(data), print: ext.print(data, true), printNames: ext.print(data, false) };
}

/** Runs the extension's kernel check for a rule in `table` reachable from `hooks`. */
export function check(ext: MatchExt<any> | TargetExt<any>, d: Driven, table: TableName, hooks: HookName[], rule: Partial<Rule> = {}): void {
  ext.check?.(d.data, { ...emptyRule(), ...rule }, { table, hooks });
}

/** Splits "a b 'c d'" into words (double or single quotes). */
export function words(s: string): string[] {
  return [...s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** [input options, save text, -L -n text]. */
export type Case = [string, string, string];

export function table(name: string, ext: any, cases: Case[]): void {
  describe(name, () => {
    for (const [input, save, print] of cases) {
      it(input, () => {
        const d = drive(ext, words(input));
        expect(d.save).toBe(save);
        expect(d.print).toBe(print);
      });
    }
  });
}

/** [input options, first line of iptables' message]: refused with status 2. */
export function refused(name: string, ext: any, cases: [string, string][]): void {
  describe(`${name} refuses`, () => {
    for (const [input, message] of cases) {
      it(input, () => {
        let err: unknown;
        try { drive(ext, words(input)); } catch (e) { err = e; }
        expect(err).toBeInstanceOf(IptablesError);
        expect((err as IptablesError).status).toBe(2);
        expect((err as IptablesError).message.split('\n')[0]).toBe(message);
      });
    }
  });
}

