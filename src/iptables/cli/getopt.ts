/**
 * A GNU getopt_long scanner as iptables drives it: optstring starts with "-:"
 * (non-options come back in order as code 1, a missing argument as ':'),
 * opterr = 0 (unknown or ambiguous options come back as '?'), long options
 * may be abbreviated to any unambiguous prefix, "--name=value" works, and the
 * option table can grow between calls (extensions add their options).
 * Invariants: `optind` always indexes the next unread word of argv, exactly as
 * glibc's optind would, so iptables' own argv[optind] peeking works the same.
 */

export interface LongOpt {
  name: string;
  /** 0 none, 1 required, 2 optional. */
  hasArg: 0 | 1 | 2;
  /** What getopt returns: a short option letter, or an extension option key. */
  val: string;
}

export interface GetoptResult {
  /** The option's val, '\u0001' for a non-option word, ':' missing argument, '?' unknown. */
  c: string;
  optarg: string | undefined;
  /** The long option's name as defined (for extensions), when c came from a long option. */
  longName?: string;
}

export const NON_OPTION = '\u0001';

export class Getopt {
  optind = 1;
  /** Position inside a cluster of short options ("-nvL"), 0 when not in one. */
  private nextchar = 0;
  private done = false;

  /** Option groups added after the base table (newest first): searched after it, in this order. */
  private readonly added: (readonly LongOpt[])[] = [];

  constructor(
    readonly argv: readonly string[],
    private readonly shortOpts: Readonly<Record<string, 0 | 1 | 2>>,
    private readonly longOpts: readonly LongOpt[],
  ) {}

  /**
   * Adds an extension's options right after the base table, before those added
   * earlier (xtables_merge_options), without copying either: a restore parses
   * 50,000 command lines.
   */
  addOptions(group: readonly LongOpt[]): void {
    this.added.unshift(group);
  }

  /** The option named exactly `name`, in table order. */
  private exact(name: string): LongOpt | undefined {
    for (const o of this.longOpts) if (o.name === name) return o;
    for (const g of this.added) for (const o of g) if (o.name === name) return o;
    return undefined;
  }

  /** Options `name` abbreviates, in table order. */
  private prefixed(name: string): LongOpt[] {
    const out: LongOpt[] = [];
    for (const o of this.longOpts) if (o.name.startsWith(name)) out.push(o);
    for (const g of this.added) for (const o of g) if (o.name.startsWith(name)) out.push(o);
    return out;
  }

  /** The next option, or undefined at the end (getopt's -1). */
  next(): GetoptResult | undefined {
    const argv = this.argv;
    if (this.nextchar === 0) {
      if (this.done || this.optind >= argv.length) return undefined;
      const word = argv[this.optind]!;
      if (word === '--') {
        this.optind++;
        this.done = true;
        return undefined;
      }
      if (word.length < 2 || word[0] !== '-') {
        this.optind++;
        return { c: NON_OPTION, optarg: word };
      }
      if (word.startsWith('--')) return this.long(word);
      this.nextchar = 1;
    }
    return this.short();
  }

  private long(word: string): GetoptResult {
    this.optind++;
    const body = word.slice(2);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let found = this.exact(name);
    if (!found) {
      const cands = this.prefixed(name);
      if (cands.length === 0) return { c: '?', optarg: undefined };
      const first = cands[0]!;
      if (cands.some((o) => o.hasArg !== first.hasArg || o.val !== first.val)) return { c: '?', optarg: undefined };
      found = first;
    }
    if (eq >= 0) {
      if (found.hasArg === 0) return { c: '?', optarg: undefined };
      return { c: found.val, optarg: body.slice(eq + 1), longName: found.name };
    }
    if (found.hasArg === 1) {
      if (this.optind >= this.argv.length) return { c: ':', optarg: undefined, longName: found.name };
      return { c: found.val, optarg: this.argv[this.optind++], longName: found.name };
    }
    return { c: found.val, optarg: undefined, longName: found.name };
  }

  private short(): GetoptResult {
    const word = this.argv[this.optind]!;
    const ch = word[this.nextchar++]!;
    const atEnd = this.nextchar >= word.length;
    const spec = this.shortOpts[ch];
    if (spec === undefined) {
      if (atEnd) { this.nextchar = 0; this.optind++; }
      return { c: '?', optarg: undefined };
    }
    if (spec === 0) {
      if (atEnd) { this.nextchar = 0; this.optind++; }
      return { c: ch, optarg: undefined };
    }
    const rest = word.slice(this.nextchar);
    this.nextchar = 0;
    this.optind++;
    if (rest !== '') return { c: ch, optarg: rest };
    if (spec === 2) return { c: ch, optarg: undefined };
    if (this.optind >= this.argv.length) return { c: ':', optarg: undefined };
    return { c: ch, optarg: this.argv[this.optind++] };
  }
}
