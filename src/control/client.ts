/**
 * The control client (used by the CLI, the lab and tests): one connection
 * per request, so a client never holds the daemon.
 */
import * as net from 'node:net';
import { ControlError } from './errors.js';
import { decodeResponse, encode } from './protocol.js';
import type { ControlRequest, ControlResponse } from './protocol.js';

export const DEFAULT_SOCKET = '/run/rawgate/rawgate.sock';

/** --socket beats RAWGATE_SOCKET beats the default. */
export function resolveSocketPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.RAWGATE_SOCKET || DEFAULT_SOCKET);
}

export interface RequestOptions {
  /** Give up after this long (default 120 s: a large restore compiles before it answers). */
  timeoutMs?: number;
}

export function controlRequest(socketPath: string, req: ControlRequest, opts: RequestOptions = {}): Promise<ControlResponse> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    let connected = false;
    let settled = false;
    const finish = (err: Error | null, res?: ControlResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const timer = setTimeout(
      () => finish(new ControlError('CONTROL_TIMEOUT', `no answer from the rawgate daemon on ${socketPath} within ${timeoutMs} ms`, socketPath)),
      timeoutMs,
    );
    sock.on('connect', () => {
      connected = true;
      sock.write(encode(req));
    });
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      const nl = all.indexOf(10);
      if (nl < 0) return;
      try {
        finish(null, decodeResponse(all.subarray(0, nl).toString('utf8')));
      } catch (e) {
        finish(new ControlError('CONTROL_PROTOCOL', `malformed answer from ${socketPath}: ${(e as Error).message}`, socketPath));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) {
        const why = e.code === 'ENOENT' ? 'no such socket' : e.code === 'ECONNREFUSED' ? 'nothing listens on it' : e.code ?? e.message;
        finish(new ControlError('CONTROL_UNAVAILABLE', `rawgate daemon is not running (cannot connect to ${socketPath}: ${why})`, socketPath));
      } else finish(new ControlError('CONTROL_PROTOCOL', `connection to ${socketPath} failed: ${e.code ?? e.message}`, socketPath));
    });
    sock.on('close', () => finish(new ControlError('CONTROL_PROTOCOL', `the daemon closed ${socketPath} without answering`, socketPath)));
  });
}

/** True when a daemon answers a ping on socketPath within timeoutMs. */
export async function pingDaemon(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const r = await controlRequest(socketPath, { op: 'ping', argv: [] }, { timeoutMs });
    return r.status === 0;
  } catch {
    return false;
  }
}

/**
 * A streamed request (conntrack -E): every response line is handed to
 * onChunk as it comes; `stop` (a signal, say) sends a line, which ends the
 * stream on the daemon's side; resolves with the final response.
 */
export function controlStream(socketPath: string, req: ControlRequest, onChunk: (r: ControlResponse) => void, stop: (end: () => void) => void): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, res?: ControlResponse) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    sock.on('connect', () => {
      sock.write(encode(req));
      stop(() => { if (!sock.destroyed) sock.write('\n'); });
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const line = buf.subarray(0, nl).toString('utf8');
        buf = buf.subarray(nl + 1);
        let r: ControlResponse;
        try {
          r = decodeResponse(line);
        } catch (e) {
          return finish(new ControlError('CONTROL_PROTOCOL', `malformed answer from ${socketPath}: ${(e as Error).message}`, socketPath));
        }
        if (r.more === true) onChunk(r);
        else return finish(null, r);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'no such socket' : e.code === 'ECONNREFUSED' ? 'nothing listens on it' : e.code ?? e.message;
      finish(new ControlError('CONTROL_UNAVAILABLE', `rawgate daemon is not running (cannot connect to ${socketPath}: ${why})`, socketPath));
    });
    sock.on('close', () => finish(new ControlError('CONTROL_PROTOCOL', `the daemon closed ${socketPath} during the stream`, socketPath)));
  });
}
