/**
 * iptables / iptables-save / iptables-restore as clients of the running
 * daemon: the arguments go over the control socket unchanged, the daemon's
 * stdout, stderr and exit status come back unchanged. No daemon: a clear
 * message and exit 1. iptables-restore's input is standard input, or the
 * file named as its one positional argument (read here, on the client side).
 */
import { readFileSync } from 'node:fs';
import { ControlError } from '../control/errors.js';
import { controlRequest, controlStream, resolveSocketPath } from '../control/client.js';
import { isEventStream } from '../control/protocol.js';
import type { ControlOp } from '../control/protocol.js';
import type { CliIO } from './io.js';

/** iptables-restore options that take a value (the value is not the input file). */
const RESTORE_VALUED = new Set(['-W', '--wait-interval', '-M', '--modprobe', '-T', '--table']);

/** Split a restore command line into its options and an input file name, if one is given. */
export function restoreInputFile(argv: readonly string[]): { argv: string[]; file: string | null } {
  const out: string[] = [];
  let file: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (RESTORE_VALUED.has(a)) {
      out.push(a);
      if (i + 1 < argv.length) out.push(argv[++i]);
    } else if ((a === '-w' || a === '--wait') && i + 1 < argv.length && /^[0-9]+$/.test(argv[i + 1])) {
      out.push(a, argv[++i]);
    } else if (!a.startsWith('-') && file === null) {
      file = a;
    } else out.push(a);
  }
  return { argv: out, file };
}

export async function forwardCommand(op: Exclude<ControlOp, 'ping'>, argv: string[], socketFlag: string | undefined, io: CliIO): Promise<number> {
  const socketPath = resolveSocketPath(socketFlag, io.env);
  let input: string | undefined;
  let args = argv;
  if (op === 'iptables-restore' && !argv.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version')) {
    const r = restoreInputFile(argv);
    args = r.argv;
    try {
      input = r.file !== null ? readFileSync(r.file, 'utf8') : await io.readStdin();
    } catch (e) {
      io.stderr(`${op}: cannot read ${r.file ?? 'standard input'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
  }
  try {
    const res = await controlRequest(socketPath, { op, argv: args, ...(input !== undefined ? { input } : {}) });
    if (res.stdout) io.stdout(res.stdout);
    if (res.stderr) io.stderr(res.stderr);
    return res.status;
  } catch (e) {
    if (e instanceof ControlError) {
      io.stderr(`${op}: ${e.message}\n`);
      if (e.code === 'CONTROL_UNAVAILABLE') io.stderr(`${op}: start it with \`rawgate run --config FILE\`, or point --socket / RAWGATE_SOCKET at its control socket\n`);
      return 1;
    }
    throw e;
  }
}

/** `conntrack ARGS` against the daemon: one answer, or with -E a stream until SIGINT/SIGTERM. */
export async function forwardConntrack(argv: string[], socketFlag: string | undefined, io: CliIO): Promise<number> {
  const socketPath = resolveSocketPath(socketFlag, io.env);
  const req = { op: 'conntrack' as const, argv };
  try {
    if (!isEventStream(req)) {
      const res = await controlRequest(socketPath, req);
      if (res.stdout) io.stdout(res.stdout);
      if (res.stderr) io.stderr(res.stderr);
      return res.status;
    }
    let end: (() => void) | null = null;
    const onSignal = () => end?.();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const res = await controlStream(socketPath, req, (c) => {
        if (c.stdout) io.stdout(c.stdout);
        if (c.stderr) io.stderr(c.stderr);
      }, (e) => { end = e; });
      if (res.stdout) io.stdout(res.stdout);
      if (res.stderr) io.stderr(res.stderr);
      return res.status;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } catch (e) {
    if (e instanceof ControlError) {
      io.stderr(`conntrack: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
