/**
 * glibc getopt_long as conntrack(8) drives it: opterr=0 and a leading ':' in
 * the short string, so problems come back as '?' (unknown, ambiguous, or an
 * argument given to a flag) or ':' (missing argument) together with the
 * argv element conntrack quotes (its argv[optind-1]). Long options may be
 * added while parsing (conntrack merges a protocol's options after -p) and
 * may be abbreviated to any unambiguous prefix. Non-options are skipped, as
 * GNU permutation moves them past the last option where conntrack never looks.
 */

export interface LongOption {
  name: string;
  /** 0 none, 1 required, 2 optional (only as --name=value). */
  has: 0 | 1 | 2;
  key: string;
}

export type GetoptResult =
  | { kind: 'opt'; key: string; optarg: string | undefined }
  | { kind: 'unknown'; element: string }
  | { kind: 'missing'; element: string };

export class Getopt {
  private idx = 0;
  /** Position inside a cluster of short options, or -1 between elements. */
  private pos = -1;
  private readonly longs: LongOption[];

  constructor(
    private readonly argv: readonly string[],
    private readonly shorts: ReadonlyMap<string, 0 | 1 | 2>,
    longs: readonly LongOption[],
    private readonly progname = 'conntrack',
  ) {
    this.longs = [...longs];
  }

  addLongOptions(more: readonly LongOption[]): void {
    this.longs.push(...more);
  }

  /** argv[optind-1] in C terms, where argv[0] is the program name. */
  private element(optind: number): string {
    return optind - 1 < 0 ? this.progname : (this.argv[optind - 1] ?? this.progname);
  }

  next(): GetoptResult | null {
    for (;;) {
      if (this.pos < 0) {
        if (this.idx >= this.argv.length) return null;
        const a = this.argv[this.idx]!;
        if (a === '--') return null;
        if (a.length < 2 || a[0] !== '-') {
          this.idx++;
          continue;
        }
        if (a.startsWith('--')) {
          this.idx++;
          return this.long(a);
        }
        this.pos = 1;
      }
      return this.short();
    }
  }

  private short(): GetoptResult {
    const a = this.argv[this.idx]!;
    const ch = a[this.pos]!;
    this.pos++;
    const atEnd = this.pos >= a.length;
    if (atEnd) {
      this.idx++;
      this.pos = -1;
    }
    const has = ch === ':' ? undefined : this.shorts.get(ch);
    if (has === undefined) return { kind: 'unknown', element: this.element(this.idx) };
    if (has === 0) return { kind: 'opt', key: ch, optarg: undefined };
    if (!atEnd) {
      const optarg = a.slice(this.pos);
      this.idx++;
      this.pos = -1;
      return { kind: 'opt', key: ch, optarg };
    }
    if (has === 2) return { kind: 'opt', key: ch, optarg: undefined };
    if (this.idx < this.argv.length) return { kind: 'opt', key: ch, optarg: this.argv[this.idx++] };
    return { kind: 'missing', element: this.element(this.idx) };
  }

  private long(a: string): GetoptResult {
    const body = a.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    let found = this.longs.find((o) => o.name === name);
    if (!found) {
      const cands = this.longs.filter((o) => o.name.startsWith(name));
      // glibc only calls a prefix ambiguous when the candidates differ.
      const distinct = cands.filter((o, i) => cands.findIndex((p) => p.key === o.key && p.has === o.has) === i);
      if (name === '' || distinct.length !== 1) return { kind: 'unknown', element: a };
      found = distinct[0]!;
    }
    if (found.has === 0) {
      return value === undefined ? { kind: 'opt', key: found.key, optarg: undefined } : { kind: 'unknown', element: a };
    }
    if (found.has === 2 || value !== undefined) return { kind: 'opt', key: found.key, optarg: value };
    if (this.idx < this.argv.length) return { kind: 'opt', key: found.key, optarg: this.argv[this.idx++] };
    return { kind: 'missing', element: a };
  }

  /**
   * conntrack's get_optional_arg(): for `-L [table]` and friends, the next
   * element when it is not an option. (It returns nothing when getopt found
   * an attached argument, as `-Lexpect`: that quirk is kept.)
   */
  optionalArg(optarg: string | undefined): string | undefined {
    if (optarg !== undefined) return undefined;
    const n = this.argv[this.idx];
    if (n !== undefined && n[0] !== '-' && n[0] !== '!') {
      this.idx++;
      return n;
    }
    return undefined;
  }
}
