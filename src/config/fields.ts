/**
 * Field readers for the validator: each reads one value at a path, records
 * an issue (path + reason) when it is wrong, and returns a fallback so
 * validation goes on and reports every problem in one pass.
 */
import type { ConfigIssue } from './errors.js';

export type Obj = Record<string, unknown>;

export class Issues {
  readonly list: ConfigIssue[] = [];
  add(path: string, reason: string): void {
    this.list.push({ path, reason });
  }
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** How a value is shown in a message: strings quoted, others as YAML would read them. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** A mapping with only `known` keys; null (and an issue) otherwise. Absent (undefined) is allowed when optional. */
export function readObject(iss: Issues, v: unknown, path: string, known: readonly string[]): Obj | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    iss.add(path, `expected a mapping, got ${show(v)}`);
    return null;
  }
  const o = v as Obj;
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) iss.add(join(path, k), `unknown field (known fields: ${known.join(', ')})`);
  }
  return o;
}

export function readOptionalObject(iss: Issues, v: unknown, path: string, known: readonly string[]): Obj {
  if (v === undefined || v === null) return {};
  return readObject(iss, v, path, known) ?? {};
}

export function readList(iss: Issues, v: unknown, path: string): unknown[] | null {
  if (!Array.isArray(v)) {
    iss.add(path, `expected a list, got ${show(v)}`);
    return null;
  }
  return v;
}

export function readString(iss: Issues, o: Obj, key: string, path: string, fallback: string | null): string | null {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined) {
    if (fallback === null) iss.add(p, 'is required');
    return fallback;
  }
  if (typeof v !== 'string' || v === '') {
    iss.add(p, `expected a non-empty string, got ${show(v)}`);
    return fallback;
  }
  return v;
}

export function readBool(iss: Issues, o: Obj, key: string, path: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') {
    iss.add(join(path, key), `expected true or false, got ${show(v)}`);
    return fallback;
  }
  return v;
}

/** An integer in [min, max]. */
export function readInt(iss: Issues, o: Obj, key: string, path: string, fallback: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    iss.add(join(path, key), `expected an integer, got ${show(v)}`);
    return fallback;
  }
  if (v < min || v > max) {
    iss.add(join(path, key), `${v} is out of range (${min}..${max})`);
    return fallback;
  }
  return v;
}

export function readEnum<T extends string>(iss: Issues, o: Obj, key: string, path: string, values: readonly T[], fallback: T | null): T | null {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined) {
    if (fallback === null) iss.add(p, `is required (one of: ${values.join(', ')})`);
    return fallback;
  }
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    iss.add(p, `${show(v)} is not one of: ${values.join(', ')}`);
    return fallback;
  }
  return v as T;
}
