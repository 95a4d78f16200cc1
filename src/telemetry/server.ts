/**
 * The /metrics HTTP endpoint (node:http): GET or HEAD /metrics answers the
 * registry's text exposition; anything else is 404/405. Off the packet path.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Telemetry } from './metrics.js';

export interface MetricsServer {
  /** The bound address (port resolved when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export class MetricsListenError extends Error {
  readonly code = 'METRICS_LISTEN';
  constructor(readonly listen: string, cause: Error) {
    super(`cannot listen for metrics on ${listen}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`);
    this.name = 'MetricsListenError';
  }
}

export function startMetricsServer(telemetry: Telemetry, host: string, port: number): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    telemetry.scrape().then(
      (text) => res.writeHead(200, { 'content-type': telemetry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`scrape failed: ${err.message}\n`),
    );
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new MetricsListenError(`${host}:${port}`, e)));
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve({
        host: a.address,
        port: a.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
