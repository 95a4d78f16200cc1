import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { InterfaceCounters } from '../../src/telemetry/counters.js';
import { componentLogger, createRootLogger } from '../../src/telemetry/logger.js';
import { Telemetry } from '../../src/telemetry/metrics.js';
import { startMetricsServer } from '../../src/telemetry/server.js';
import type { MetricsServer } from '../../src/telemetry/server.js';
import { parseExposition, sample } from './exposition.js';

let server: MetricsServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('metrics server', () => {
  it('serves GET /metrics in the text format and 404 elsewhere', async () => {
    const t = new Telemetry({ processMetrics: false });
    const c = new InterfaceCounters(['lan0']);
    t.registerInterfaceCounters(c);
    c.rx(0, 1500);
    server = await startMetricsServer(t, '127.0.0.1', 0);
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const e = parseExposition(await res.text());
    expect(sample(e, 'rawgate_interface_rx_bytes_total', { interface: 'lan0' })).toBe(1500);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('reports a port in use as METRICS_LISTEN', async () => {
    const t = new Telemetry({ processMetrics: false });
    server = await startMetricsServer(t, '127.0.0.1', 0);
    await expect(startMetricsServer(t, '127.0.0.1', server.port)).rejects.toMatchObject({ code: 'METRICS_LISTEN' });
  });
});

describe('loggers', () => {
  it('write JSON lines with the component of the child', () => {
    const lines: string[] = [];
    const dest = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const root = createRootLogger({ level: 'debug', destination: dest });
    componentLogger(root, 'control').info({ socket: '/x' }, 'listening');
    root.debug('hello');
    const recs = lines.map((l) => JSON.parse(l));
    expect(recs[0]).toMatchObject({ name: 'rawgate', component: 'control', socket: '/x', msg: 'listening', level: 30 });
    expect(recs[1]).toMatchObject({ msg: 'hello', level: 20 });
    expect(typeof recs[0].time).toBe('string');
  });
});
