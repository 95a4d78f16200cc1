/**
 * Loggers: one pino root per process writing JSON lines, and a child per
 * component (`component` field) so a log line says who wrote it.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

export type Component = 'daemon' | 'config' | 'control' | 'metrics' | 'dataplane' | 'io' | 'net' | 'rules' | 'log' | 'lab' | (string & {});

export interface LoggerOptions {
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream that collects them. */
  destination?: DestinationStream;
}

export function createRootLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    { name: 'rawgate', level: opts.level ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export function componentLogger(root: Logger, component: Component): Logger {
  return root.child({ component });
}
