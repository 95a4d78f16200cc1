/**
 * The only ways user text (chain names, comments, interface names, any value a
 * command accepted) may enter generated JavaScript. Invariant: every other part
 * of the generated source is built from values the JIT made itself (indices,
 * numbers, fixed keywords), so no chain name or option value can change what
 * the generated code does, however hostile.
 */

/** A JavaScript string literal for `value`: JSON's escapes, plus U+2028/U+2029, which older parsers treat as line ends. */
export function jsString(value: string): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * Text safe inside a `//` comment: printable ASCII stays as it is, everything
 * else (line terminators, control characters, non-ASCII) becomes a \uXXXX escape,
 * and `*\/` is broken up so the text is also safe inside a block comment.
 */
export function jsComment(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\*\//g, '*\\/');
}
