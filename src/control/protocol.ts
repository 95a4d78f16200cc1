/**
 * The control protocol: newline-delimited JSON over a Unix stream socket.
 * One request per line, one response line per request, in order.
 *   request:  {"op":"iptables"|"iptables-save"|"iptables-restore"|"ping", "argv":[...], "input"?: "..."}
 *   response: {"stdout":"...", "stderr":"...", "status": <exit code>}
 * `argv` is the command's arguments without the program name. `input` is
 * iptables-restore's standard input. `ping` answers status 0 with
 * "rawgate <version> pid <pid>\n" on stdout (readiness / liveness probe).
 * `conntrack -E` streams: response lines with "more": true carry events as
 * they happen; any line the client sends then ends the stream, and the
 * final response (without "more") carries the tool's closing summary.
 */

export const CONTROL_OPS = ['iptables', 'iptables-save', 'iptables-restore', 'conntrack', 'ping'] as const;
export type ControlOp = (typeof CONTROL_OPS)[number];

export interface ControlRequest {
  op: ControlOp;
  argv: string[];
  input?: string;
}

export interface ControlResponse {
  stdout: string;
  stderr: string;
  status: number;
  /** A streamed chunk: more lines follow. */
  more?: boolean;
}

/** Longest request line accepted (a large iptables-restore input fits). */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

export function encode(msg: ControlRequest | ControlResponse): string {
  return JSON.stringify(msg) + '\n';
}

/** Decode and check one request line; a string is the reason it is refused. */
export function decodeRequest(line: string): ControlRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'request is not JSON';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'request is not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.op !== 'string' || !(CONTROL_OPS as readonly string[]).includes(o.op)) return `unknown op ${JSON.stringify(o.op)} (ops: ${CONTROL_OPS.join(', ')})`;
  const argv = o.argv ?? [];
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) return 'argv must be a list of strings';
  if (o.input !== undefined && typeof o.input !== 'string') return 'input must be a string';
  return { op: o.op as ControlOp, argv: argv as string[], ...(o.input !== undefined ? { input: o.input as string } : {}) };
}

export function decodeResponse(line: string): ControlResponse {
  const v = JSON.parse(line) as Partial<ControlResponse>;
  if (typeof v.status !== 'number') throw new Error('malformed control response');
  return { stdout: String(v.stdout ?? ''), stderr: String(v.stderr ?? ''), status: v.status, ...(v.more === true ? { more: true } : {}) };
}

/** True for a `conntrack` command line that streams (-E / --event). */
export function isEventStream(req: ControlRequest): boolean {
  return req.op === 'conntrack' && req.argv.some((a) => a === '-E' || (a.startsWith('--ev') && '--event'.startsWith(a.split('=')[0]!)));
}
