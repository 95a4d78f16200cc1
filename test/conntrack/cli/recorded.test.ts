// Every command recorded from conntrack 1.4.7 (scripts/fixtures/conntrack-capture.sh),
// replayed through runConntrack / streamConntrackEvents against a fake table
// holding what the kernel's table held: stdout, stderr and exit status must match
// byte for byte.
import { describe, expect, it } from 'vitest';
import { runConntrack, streamConntrackEvents } from '../../../src/conntrack/cli/index.js';
import type { CliIO, CtRecord } from '../../../src/conntrack/cli/types.js';
import { entryKey, FakeTable, parseEntries, parseStats, readRecordings, tableFor, type ParsedLine, type RecordedCase } from './fixtures.js';

const cases = readRecordings();

/**
 * Recorded outcomes that are this kernel's, not the tool's: -U of a mark
 * failed with EOPNOTSUPP in the lab VM, where rawgate's table accepts it
 * (update.test.ts checks -U against the tool's update_cb instead).
 */
const KERNEL_REFUSALS = new Set(['update-mark', 'update-mark-tcp']);

function capture(): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', stdout(s: string) { io.out += s; }, stderr(s: string) { io.err += s; } };
  return io;
}

const byName = (name: string): RecordedCase => {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`no recording ${name}`);
  return c;
};

describe('recordings of conntrack 1.4.7', () => {
  it('are there (a missing or empty fixture file fails, never skips)', () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.name.startsWith('bad-')).length).toBeGreaterThan(30);
  });

  const oneShot = cases.filter((c) => !c.name.startsWith('events-') && !KERNEL_REFUSALS.has(c.name));
  it.each(oneShot.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const table = new FakeTable(tableFor(c), parseStats(c.argv[0] === '-S' ? c.blocks['stdout'] : undefined));
    const before = table.entries.map((e) => e.id);
    const io = capture();
    const status = runConntrack(c.argv, table, io);
    expect({ stdout: io.out, stderr: io.err, exit: status }).toEqual({ stdout: c.blocks['stdout'], stderr: c.blocks['stderr'], exit: c.exit });
    // The table saw what the kernel's did: -D deleted what it printed, -F emptied it.
    if (c.argv[0] === '-D') {
      const printed = new Set(parseEntries(c.exit === 0 ? c.blocks['stdout'] : '').map((l) => entryKey(l.rec)));
      const expected = tableFor(c).filter((r) => printed.has(entryKey(r))).map((r) => r.id);
      expect(table.deleted).toEqual(expected);
    } else if (c.argv[0] === '-F' && c.exit === 0) {
      expect(table.flushed).toBe(1);
    } else {
      expect(table.entries.map((e) => e.id)).toEqual(before);
    }
  });
});

describe('recorded event streams of conntrack 1.4.7', () => {
  // A helper is named on NEW/UPDATE but not on DESTROY: the replayed records carry
  // the helper the entry had, so the formatter's rule is what is tested.
  const helperByKey = new Map<string, string>();
  for (const c of cases) {
    for (const b of ['table', 'stdout']) {
      for (const l of parseEntries(c.name.startsWith('events-') || b === 'table' ? c.blocks[b] : undefined)) {
        if (l.rec.helper) helperByKey.set(entryKey(l.rec), l.rec.helper);
      }
    }
  }
  const withHelper = (l: ParsedLine): CtRecord => ({ ...l.rec, helper: helperByKey.get(entryKey(l.rec)) ?? '' });

  /**
   * The recorders ran side by side, so each stream is a subset of its group's
   * unfiltered one: replay that one and expect exactly this case's output.
   * Which process caused an event ([USERSPACE] progname=) was looked up by
   * each recorder separately and raced, so the origin comes from the case's
   * own line for the same event.
   */
  const groups: [string, string[]][] = [
    ['events-all', ['events-all', 'events-new', 'events-tcp', 'events-udp-ext']],
    ['events-destroy', ['events-destroy', 'events-destroy-only']],
  ];
  for (const [sourceName, names] of groups) {
    for (const name of names) {
      it(name, () => {
        const source = byName(sourceName);
        const c = byName(name);
        const own = c.blocks['stdout']!.split('\n').filter((l) => l !== '');
        const stem = (l: string): string => l.replace(/ \[USERSPACE\].*$/, '').replace(/^\s*\[\w+\] (ipv4 {5}2 )?/, '');
        const table = new FakeTable([]);
        const io = capture();
        const s = streamConntrackEvents(c.argv, table, io);
        if (typeof s === 'number') throw new Error(`exit ${s}: ${io.err}`);
        let j = 0;
        for (const line of source.blocks['stdout']!.split('\n').filter((l) => l !== '')) {
          const l = parseEntryLine2(line);
          let origin = l.origin;
          if (j < own.length && stem(own[j]!) === stem(line)) origin = parseEntryLine2(own[j++]!).origin;
          table.emit(l.event!, withHelper(l), origin);
        }
        s.stop();
        s.stop(); // idempotent: one summary
        expect(table.subscribers).toBe(0);
        expect({ stdout: io.out, stderr: io.err, exit: 0 }).toEqual({ stdout: c.blocks['stdout'], stderr: c.blocks['stderr'], exit: c.exit });
      });
    }
  }
});

function parseEntryLine2(line: string): ParsedLine {
  return parseEntries(`${line}\n`)[0]!;
}
