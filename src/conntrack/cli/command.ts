/**
 * Executes a parsed conntrack command against a CtSource, writing what
 * conntrack(8) 1.4.7 writes: entries on stdout, the summary line and errors on
 * stderr, and returning its exit status (0; 1 for an operation that found or
 * did nothing, as print_stats() decides; 2 for a parameter problem). -E is a
 * stream (streamConntrackEvents); everything else runs to completion here.
 * Invariant: nothing but CtCliError is caught, so table bugs surface.
 */
import { parseConntrackArgs, type ParsedCommand } from './args.js';
import { CtCliError, otherError, paramError } from './errors.js';
import { findByTuple, selects, selectsForUpdate } from './filter.js';
import { formatEntry, formatExpectStats, formatOrigin, formatStats, type FormatOptions } from './format.js';
import { CMD, OPT, OPT_COMPARISON, protocolName, UNKNOWN_PROTO_HELP, USAGE } from './options.js';
import { CT_BANNER, type CliIO, type CtSource, type CtEventType, type CtRecord } from './types.js';
import { EVENT_DESTROY, EVENT_NEW, EVENT_UPDATE } from './words.js';

const summary = (io: CliIO, text: string): void => io.stderr(`${CT_BANNER}: ${text}\n`);

/** Output kinds rawgate cannot produce byte for byte; refused rather than approximated. */
const UNSUPPORTED_OUTPUT = ['xml', 'save'] as const;

function formatOptions(p: ParsedCommand): FormatOptions {
  return { extended: p.output.has('extended'), id: p.output.has('id') };
}

function parse(argv: readonly string[], io: CliIO): ParsedCommand | number {
  try {
    const p = parseConntrackArgs(argv);
    for (const w of p.warnings) io.stderr(w);
    for (const kind of UNSUPPORTED_OUTPUT) {
      if (p.output.has(kind)) throw otherError('NOT_SUPPORTED', `output type \`${kind}' is not supported by rawgate`);
    }
    return p;
  } catch (e) {
    if (!(e instanceof CtCliError)) throw e;
    io.stderr(e.stderr());
    return e.exit;
  }
}

/** Run a one-shot command (everything but -E): returns the exit status. */
export function runConntrack(argv: readonly string[], table: CtSource, io: CliIO): number {
  const p = parse(argv, io);
  if (typeof p === 'number') return p;
  try {
    return execute(p, table, io);
  } catch (e) {
    if (!(e instanceof CtCliError)) throw e;
    io.stderr(e.stderr());
    return e.exit;
  }
}

function execute(p: ParsedCommand, table: CtSource, io: CliIO): number {
  const fmt = formatOptions(p);
  switch (p.cmd) {
    case -1:
      io.stdout(USAGE);
      return 0;
    case CMD.HELP:
      io.stdout(USAGE);
      if (p.proto !== undefined) {
        const name = p.ext?.name ?? protocolName(p.proto) ?? 'unknown';
        io.stdout(`Proto \`${name}' help:\n${p.ext?.help ?? UNKNOWN_PROTO_HELP}`);
      }
      return 0;
    case CMD.VERSION:
      io.stdout(`${CT_BANNER}\n`);
      return 0;
    case CMD.LIST: {
      let n = 0;
      if (p.table === 'conntrack') {
        if (p.options & OPT_COMPARISON && p.options & OPT.ZERO) throw paramError('ZERO_WITH_FILTER', "Can't use -z with filtering parameters");
        // The kernel refuses a status dump filter with an empty mask (-u UNSET, -u SRC_NAT).
        if (p.status && p.status.kernelMask === 0) throw otherError('INVALID_PARAMETERS', 'Operation failed: invalid parameters');
        for (const r of table.list()) {
          if (!selects(p, r, 'list')) continue;
          io.stdout(`${formatEntry(r, fmt)}\n`);
          n++;
        }
      } // the dying and unconfirmed lists are never observable in rawgate: empty
      summary(io, `${n} flow entries have been shown.`);
      return 0;
    }
    case CMD.GET: {
      if (p.family === 'ipv6') throw otherError('NOT_FOUND', "Operation failed: such conntrack doesn't exist");
      if (p.orig.src === undefined || p.orig.dst === undefined) throw otherError('INVALID_PARAMETERS', 'Operation failed: invalid parameters');
      const r = findByTuple(p, table.list());
      if (!r) throw otherError('NOT_FOUND', "Operation failed: such conntrack doesn't exist");
      // Found by its reply tuple, it still fails conntrack's own comparison with the original one.
      if (!selects(p, r, 'get')) {
        summary(io, '0 flow entries have been shown.');
        return 1;
      }
      io.stdout(`${formatEntry(r, { ...fmt, get: true })}\n`);
      summary(io, '1 flow entries have been shown.');
      return 0;
    }
    case CMD.DELETE: {
      let n = 0;
      for (const r of Array.from(table.list())) {
        if (!selects(p, r, 'delete')) continue;
        if (!table.delete(r.id)) throw otherError('NOT_FOUND', "Operation failed: such conntrack doesn't exist");
        io.stdout(`${formatEntry(r, fmt)}\n`);
        n++;
      }
      summary(io, `${n} flow entries have been deleted.`);
      return n === 0 ? 1 : 0;
    }
    case CMD.UPDATE:
      return update(p, table, io, fmt);
    case CMD.FLUSH:
      if (p.family !== 'ipv6') table.flush();
      summary(io, 'connection tracking table has been emptied.');
      return 0;
    case CMD.COUNT:
      io.stdout(`${table.count()}\n`);
      return 0;
    case CMD.STATS:
      io.stdout(formatStats(table.stats()));
      return 0;
    case CMD.EXP_LIST:
      summary(io, '0 expectations have been shown.');
      return 0;
    case CMD.EXP_FLUSH:
      summary(io, 'expectation table has been emptied.');
      return 0;
    case CMD.EXP_COUNT:
      io.stdout('0\n');
      return 0;
    case CMD.EXP_STATS:
      io.stdout(formatExpectStats(table.stats().length));
      return 0;
    case CMD.EXP_DELETE:
      summary(io, '0 expectations have been shown.');
      return 1;
    case CMD.EVENT:
    case CMD.EXP_EVENT:
      throw otherError('NOT_SUPPORTED', 'events are a stream: use streamConntrackEvents');
    default: // -I and the expectation commands: rawgate's table takes no entries from outside
      throw otherError('NOT_SUPPORTED', 'Operation failed: Operation not supported');
  }
}

/** -U (update_cb): set the mark of every selected entry whose mark changes, and print it as re-read. */
function update(p: ParsedCommand, table: CtSource, io: CliIO, fmt: FormatOptions): number {
  if (!table.update) throw otherError('NOT_SUPPORTED', 'Operation failed: Operation not supported');
  let n = 0;
  for (const r of Array.from(table.list())) {
    if (!selectsForUpdate(p, r)) continue;
    const mark = p.options & OPT.MARK ? (((r.mark & ~p.mark.mask) ^ p.mark.value) >>> 0) : r.mark;
    if (mark === r.mark) continue; // conntrack sends no update for an unchanged entry
    if (!table.update(r.id, { mark })) continue; // vanished meanwhile: conntrack skips it too
    io.stdout(`${formatEntry({ ...r, mark }, { ...fmt, get: true })}\n`);
    n++;
  }
  summary(io, `${n} flow entries have been updated.`);
  return n === 0 ? 1 : 0;
}

const EVENT_BITS: Readonly<Record<CtEventType, number>> = { NEW: EVENT_NEW, UPDATE: EVENT_UPDATE, DESTROY: EVENT_DESTROY };

/** -o timestamp's prefix for events: "[%-.8ld.%-.6ld]\t" (seconds, microseconds). */
function timestamp(nowMs: number): string {
  const us = Math.round(nowMs * 1000);
  const sec = Math.floor(us / 1e6);
  const usec = us - sec * 1e6;
  return `[${String(sec).padStart(8, '0')}.${String(usec).padStart(6, '0')}]\t`;
}

/**
 * -E: start streaming; returns a stop() that prints the exit summary as
 * SIGINT does, or the exit status when argv is invalid (or is not -E, which
 * then ran as a one-shot command).
 */
export function streamConntrackEvents(
  argv: readonly string[], table: CtSource, io: CliIO, now: () => number = Date.now,
): { stop(): void } | number {
  const p = parse(argv, io);
  if (typeof p === 'number') return p;
  if (p.cmd !== CMD.EVENT && p.cmd !== CMD.EXP_EVENT) return runConntrack(argv, table, io);
  let n = 0;
  let stopped = false;
  if (p.cmd === CMD.EXP_EVENT) {
    return { stop() { if (!stopped) { stopped = true; summary(io, `${n} expectation events have been shown.`); } } };
  }
  const mask = p.options & OPT.EVENT_MASK ? p.eventMask : EVENT_NEW | EVENT_UPDATE | EVENT_DESTROY;
  const fmt = formatOptions(p);
  const unsubscribe = table.subscribe((type, rec: CtRecord, origin) => {
    if (stopped || !(mask & EVENT_BITS[type]) || !selects(p, rec, 'event')) return;
    const line = formatEntry(rec, { ...fmt, event: type }) + (origin ? formatOrigin(origin) : '');
    io.stdout(`${p.output.has('timestamp') ? timestamp(now()) : ''}${line}\n`);
    n++;
  });
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      summary(io, `${n} flow events have been shown.`);
    },
  };
}
