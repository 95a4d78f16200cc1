import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlRequest, pingDaemon, resolveSocketPath } from '../../src/control/client.js';
import { ControlHandler } from '../../src/control/handler.js';
import { probeSocket, startControlServer } from '../../src/control/server.js';
import type { ControlServer } from '../../src/control/server.js';
import type { Ruleset } from '../../src/rules/model.js';
import { Telemetry } from '../../src/telemetry/metrics.js';
import { chainNames, fakeCommands } from './fake-iptables.js';

let dir: string;
let sock: string;
let servers: ControlServer[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rgctl-'));
  sock = path.join(dir, 'run', 'rawgate', 'rawgate.sock');
});
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

function daemon(opts: { failOn?: string; telemetry?: Telemetry } = {}) {
  const applied: Ruleset[] = [];
  const handler = new ControlHandler({
    commands: fakeCommands,
    ruleset: { tables: new Map() },
    apply(rs) {
      if (opts.failOn && chainNames(rs).includes(opts.failOn)) throw new Error(`cannot compile chain ${opts.failOn}`);
      applied.push(rs);
    },
    telemetry: opts.telemetry,
    version: '0.0.0-test',
  });
  return { handler, applied };
}

async function start(handler: ControlHandler, p = sock): Promise<ControlServer> {
  const s = await startControlServer({ path: p, handle: (r) => handler.handle(r) });
  servers.push(s);
  return s;
}

describe('control socket', () => {
  it('creates the directory 0700 and the socket 0600, and removes it on close', async () => {
    const { handler } = daemon();
    const s = await start(handler);
    expect(statSync(path.dirname(sock)).mode & 0o777).toBe(0o700);
    expect(statSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    await s.close();
    expect(existsSync(sock)).toBe(false);
  });

  it('runs iptables commands against the held ruleset and applies changes', async () => {
    const { handler, applied } = daemon();
    await start(handler);
    const r1 = await controlRequest(sock, { op: 'iptables', argv: ['-N', 'LAN'] });
    expect(r1).toEqual({ stdout: '', stderr: '', status: 0 });
    expect(applied).toHaveLength(1);
    expect(chainNames(applied[0])).toContain('LAN');
    const save = await controlRequest(sock, { op: 'iptables-save', argv: [] });
    expect(save.stdout).toContain(':LAN\n');
    // Listing returns the same ruleset: nothing to apply.
    const list = await controlRequest(sock, { op: 'iptables', argv: ['-L'] });
    expect(list.stdout).toContain('Chain LAN');
    expect(applied).toHaveLength(1);
    // Failures come back as iptables reports them, and change nothing.
    const dup = await controlRequest(sock, { op: 'iptables', argv: ['-N', 'LAN'] });
    expect(dup).toEqual({ stdout: '', stderr: 'iptables: Chain already exists.\n', status: 1 });
    const bad = await controlRequest(sock, { op: 'iptables', argv: ['--bogus'] });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown option "--bogus"');
    expect(applied).toHaveLength(1);
  });

  it('iptables-restore takes its input', async () => {
    const { handler, applied } = daemon();
    await start(handler);
    const r = await controlRequest(sock, { op: 'iptables-restore', argv: [], input: 'chain A\nchain B\n' });
    expect(r.status).toBe(0);
    expect(chainNames(applied[0])).toEqual(expect.arrayContaining(['A', 'B']));
    const bad = await controlRequest(sock, { op: 'iptables-restore', argv: [], input: 'chain C\nnonsense\n' });
    expect(bad.status).toBe(1);
    expect(chainNames(handler.ruleset)).not.toContain('C');
  });

  it('a ruleset that fails to compile leaves the old one in force', async () => {
    const t = new Telemetry({ processMetrics: false });
    const { handler, applied } = daemon({ failOn: 'BAD', telemetry: t });
    await start(handler);
    await controlRequest(sock, { op: 'iptables', argv: ['-N', 'GOOD'] });
    const r = await controlRequest(sock, { op: 'iptables', argv: ['-N', 'BAD'] });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not be applied: cannot compile chain BAD; the previous ruleset stays in force/);
    expect(chainNames(handler.ruleset)).toContain('GOOD');
    expect(chainNames(handler.ruleset)).not.toContain('BAD');
    expect(applied).toHaveLength(1);
    const save = await controlRequest(sock, { op: 'iptables-save', argv: [] });
    expect(save.stdout).not.toContain('BAD');
    const text = await t.scrape();
    expect(text).toContain('rawgate_ruleset_applies_total{result="ok"} 1');
    expect(text).toContain('rawgate_ruleset_applies_total{result="error"} 1');
  });

  it('serialises concurrent changes (no lost update)', async () => {
    const { handler } = daemon();
    await start(handler);
    const names = Array.from({ length: 25 }, (_, i) => `C${i}`);
    const rs = await Promise.all(names.map((n) => controlRequest(sock, { op: 'iptables', argv: ['-N', n] })));
    expect(rs.every((r) => r.status === 0)).toBe(true);
    expect(chainNames(handler.ruleset)).toEqual(expect.arrayContaining(names));
  });

  it('answers several requests on one connection in order, and refuses malformed lines', async () => {
    const { handler } = daemon();
    await start(handler);
    const lines = await new Promise<string[]>((resolve, reject) => {
      const c = net.createConnection(sock);
      let buf = '';
      c.on('data', (d) => {
        buf += d;
        const got = buf.split('\n').filter((l) => l !== '');
        if (got.length === 4) {
          c.end();
          resolve(got);
        }
      });
      c.on('error', reject);
      c.write('{"op":"iptables","argv":["-N","X"]}\nnot json\n{"op":"frobnicate","argv":[]}\n');
      c.write('{"op":"iptables","argv":["-L"]}\n');
    });
    const res = lines.map((l) => JSON.parse(l));
    expect(res[0].status).toBe(0);
    expect(res[1]).toMatchObject({ status: 2, stderr: expect.stringContaining('request is not JSON') });
    expect(res[2]).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown op "frobnicate"') });
    expect(res[3].stdout).toContain('Chain X');
  });

  it('ping answers with the version and pid', async () => {
    const { handler } = daemon();
    await start(handler);
    const r = await controlRequest(sock, { op: 'ping', argv: [] });
    expect(r).toEqual({ stdout: `rawgate 0.0.0-test pid ${process.pid}\n`, stderr: '', status: 0 });
    expect(await pingDaemon(sock)).toBe(true);
  });

  it('refuses to start when another daemon answers on the path', async () => {
    const { handler } = daemon();
    await start(handler);
    expect(await probeSocket(sock)).toBe('live');
    await expect(startControlServer({ path: sock, handle: (r) => handler.handle(r) })).rejects.toMatchObject({ code: 'CONTROL_IN_USE' });
    // The first one still answers.
    expect(await pingDaemon(sock)).toBe(true);
  });

  it('removes a stale socket file and starts', async () => {
    const stale = path.join(dir, 'stale.sock');
    // A socket bound by a process that is gone: nobody listens on it.
    const py = spawnSync('python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(stale)})`]);
    expect(py.status).toBe(0);
    expect(statSync(stale).isSocket()).toBe(true);
    expect(await probeSocket(stale)).toBe('stale');
    const { handler } = daemon();
    await start(handler, stale);
    expect(await pingDaemon(stale)).toBe(true);
  });

  it('never removes a path that is not a socket', async () => {
    const f = path.join(dir, 'file.sock');
    writeFileSync(f, 'precious');
    const { handler } = daemon();
    await expect(startControlServer({ path: f, handle: (r) => handler.handle(r) })).rejects.toMatchObject({ code: 'CONTROL_PATH_INVALID' });
    expect(readFileSync(f, 'utf8')).toBe('precious');
  });

  it('the client reports a missing daemon as CONTROL_UNAVAILABLE', async () => {
    await expect(controlRequest(path.join(dir, 'none.sock'), { op: 'iptables', argv: ['-L'] })).rejects.toMatchObject({
      code: 'CONTROL_UNAVAILABLE',
      message: expect.stringContaining('rawgate daemon is not running'),
    });
  });

  it('resolves the socket path: flag, then RAWGATE_SOCKET, then the default', () => {
    expect(resolveSocketPath('/a.sock', { RAWGATE_SOCKET: '/b.sock' })).toBe('/a.sock');
    expect(resolveSocketPath(undefined, { RAWGATE_SOCKET: '/b.sock' })).toBe('/b.sock');
    expect(resolveSocketPath(undefined, {})).toBe('/run/rawgate/rawgate.sock');
  });
});
