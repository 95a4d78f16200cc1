/**
 * The daemon's control socket. Invariants:
 * - The socket file is created with mode 0600 (umask held at 0177 while it
 *   is bound, then chmod); a directory we create for it gets 0700 (an
 *   existing directory is left as it is).
 * - We refuse to start when another daemon is connected-to on the path, and
 *   remove a stale socket file (one nobody listens on). A path that exists
 *   and is not a socket is never removed.
 * - close() removes the socket file, only if it is still the one we bound.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { ControlError } from './errors.js';
import { RequestDecoder } from './decode-worker.js';
import { encode, MAX_LINE_BYTES } from './protocol.js';
import type { ControlRequest, ControlResponse } from './protocol.js';

export type ProbeResult = 'absent' | 'stale' | 'live' | 'not-a-socket';

/** What is at `socketPath`: nothing, a socket nobody listens on, a live listener, or some other file. */
export function probeSocket(socketPath: string, timeoutMs = 1000): Promise<ProbeResult> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch {
    return Promise.resolve('absent');
  }
  if (!st.isSocket()) return Promise.resolve('not-a-socket');
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('live'); // connect pending that long: a listener with a full backlog
    }, timeoutMs);
    s.on('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('live');
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ENOENT' ? 'absent' : 'stale');
    });
  });
}

/** Make sure the path is free: refuse a live daemon or a non-socket file, remove a stale socket. */
export async function claimSocketPath(socketPath: string, logger?: Logger): Promise<void> {
  const state = await probeSocket(socketPath);
  if (state === 'live') throw new ControlError('CONTROL_IN_USE', `another rawgate daemon is running (it answers on ${socketPath})`, socketPath);
  if (state === 'not-a-socket') throw new ControlError('CONTROL_PATH_INVALID', `${socketPath} exists and is not a socket; refusing to remove it`, socketPath);
  if (state === 'stale') {
    logger?.warn({ socket: socketPath }, 'removing a stale control socket');
    fs.unlinkSync(socketPath);
  }
  const dir = path.dirname(socketPath);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new ControlError('CONTROL_PATH_INVALID', `cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, socketPath);
  }
}

export interface ControlServer {
  readonly path: string;
  /** Stop listening, drop clients, remove the socket file. Idempotent. */
  close(): Promise<void>;
  /** Synchronous removal of the socket file, for a process 'exit' handler. */
  removeSocketSync(): void;
}

export interface ControlServerOptions {
  path: string;
  handle(req: ControlRequest): Promise<ControlResponse>;
  /** Requests answered as a stream (conntrack -E): true when `stream` should take req. */
  streams?(req: ControlRequest): boolean;
  /** Start a stream; chunks go to write; the returned function ends it and gives the final answer. */
  stream?(req: ControlRequest, write: (chunk: ControlResponse) => void): Promise<() => ControlResponse>;
  logger?: Logger;
}

/** Claim the path and listen. Rejects with ControlError when the path is taken. */
export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const { path: socketPath, logger } = opts;
  await claimSocketPath(socketPath, logger);
  const clients = new Set<net.Socket>();
  const decoder = new RequestDecoder();
  const server = net.createServer((sock) => {
    clients.add(sock);
    sock.on('close', () => clients.delete(sock));
    serveConnection(sock, opts, decoder, logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE'
      ? new ControlError('CONTROL_IN_USE', `${socketPath} was taken while starting`, socketPath)
      : new ControlError('CONTROL_PATH_INVALID', `cannot listen on ${socketPath}: ${e.code ?? e.message}`, socketPath)));
    const old = process.umask(0o177);
    try {
      server.listen(socketPath, () => resolve());
    } finally {
      process.umask(old);
    }
  });
  fs.chmodSync(socketPath, 0o600);
  const ino = fs.lstatSync(socketPath).ino;
  logger?.info({ socket: socketPath }, 'control socket listening');

  let closed = false;
  const removeSocketSync = () => {
    try {
      if (fs.lstatSync(socketPath).ino === ino) fs.unlinkSync(socketPath);
    } catch {
      // already gone
    }
  };
  return {
    path: socketPath,
    removeSocketSync,
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      for (const c of clients) c.destroy();
      void decoder.close();
      return new Promise<void>((resolve) => server.close(() => {
        removeSocketSync();
        resolve();
      }));
    },
  };
}

/** Lines in, one response line per request, in order (big lines are decoded off the event loop). */
function serveConnection(sock: net.Socket, opts: ControlServerOptions, decoder: RequestDecoder, logger?: Logger): void {
  const handle = opts.handle;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let chain: Promise<void> = Promise.resolve();
  /** A stream in progress: ends it and gives the final answer. */
  let streaming: (() => ControlResponse) | null = null;
  let streamEnded: (() => void) | null = null;
  const respond = (res: ControlResponse) => {
    if (!sock.destroyed) sock.write(encode(res));
  };
  const endStream = () => {
    const stop = streaming;
    if (stop === null) return;
    streaming = null;
    respond(stop());
    streamEnded?.();
  };
  sock.on('close', endStream);
  sock.on('data', (d: Buffer) => {
    // Any line from the client ends a stream in progress (conntrack -E's Ctrl-C).
    if (streaming !== null) return endStream();
    let start = 0;
    for (let nl = d.indexOf(10); nl >= 0; nl = d.indexOf(10, start)) {
      pending.push(d.subarray(start, nl));
      const chunks = pending;
      const bytes = pendingBytes + (nl - start);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      if (bytes === 0 || (bytes < 64 && Buffer.concat(chunks).toString('utf8').trim() === '')) continue;
      const decoded = decoder.decode(chunks, bytes);
      chain = chain.then(async () => {
        const req = await decoded;
        if (typeof req === 'string') return respond({ stdout: '', stderr: `rawgate: bad control request: ${req}\n`, status: 2 });
        if (opts.stream !== undefined && opts.streams?.(req) === true) {
          const stop = await opts.stream(req, respond);
          if (sock.destroyed) return void stop();
          streaming = stop;
          return new Promise<void>((resolve) => { streamEnded = resolve; });
        }
        respond(await handle(req));
      });
    }
    if (start < d.length) {
      pending.push(d.subarray(start));
      pendingBytes += d.length - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        logger?.warn('control request too long; connection closed');
        sock.destroy();
      }
    }
  });
  sock.on('error', () => sock.destroy());
}
