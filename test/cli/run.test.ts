import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check.js';
import { main } from '../../src/cli/main.js';
import { runDaemon } from '../../src/cli/run.js';
import type { Dataplane, DataplaneDeps, StartDataplane } from '../../src/config/seam.js';
import type { RawgateConfig } from '../../src/config/types.js';
import { controlRequest } from '../../src/control/client.js';
import { createRootLogger } from '../../src/telemetry/logger.js';
import { chainNames, fakeCommands } from '../control/fake-iptables.js';
import { collectingIO } from './cli-io.js';

let dir: string;
let sock: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rgrun-'));
  sock = path.join(dir, 'ctl', 'rawgate.sock');
});

function writeConfig(extra = '', metrics = 'metrics: {enabled: false}'): string {
  const f = path.join(dir, 'rawgate.yaml');
  writeFileSync(f, `interfaces:\n  - {name: lan0, kind: afpacket, addresses: [10.0.1.1/24]}\ncontrol: {socket: ${sock}}\n${metrics}\n${extra}`);
  return f;
}

function quietLogger() {
  const lines: string[] = [];
  const logger = createRootLogger({ level: 'debug', destination: new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }) });
  return { logger, lines };
}

/** A dataplane stand-in that records what the daemon did with it. */
function fakeDataplane(opts: { failStart?: boolean } = {}) {
  const calls = { started: 0, stopped: 0, applied: 0, config: null as RawgateConfig | null, deps: null as DataplaneDeps | null };
  const start: StartDataplane = async (config, deps) => {
    calls.started++;
    calls.config = config;
    calls.deps = deps;
    if (opts.failStart) throw new Error('port lan0: no such device');
    const dp: Dataplane = {
      apply: () => void calls.applied++,
      stop: async () => void calls.stopped++,
    };
    return dp;
  };
  return { start, calls };
}

function stopper() {
  let fire!: (s: string) => void;
  const p = new Promise<string>((r) => (fire = r));
  return { p, fire };
}

describe('rawgate run', () => {
  it('starts, serves the control socket, and shuts down cleanly', async () => {
    const cfg = writeConfig('rules: rules.v4\n');
    writeFileSync(path.join(dir, 'rules.v4'), 'chain FROMFILE\n');
    const dp = fakeDataplane();
    const stop = stopper();
    const io = collectingIO();
    const { logger, lines } = quietLogger();
    let ready = false;
    const done = runDaemon(cfg, { io, startDataplane: dp.start, commands: fakeCommands, stopSignal: stop.p, logger, onReady: () => (ready = true) });
    while (!ready) await new Promise((r) => setTimeout(r, 10));
    expect(dp.calls.started).toBe(1);
    expect(chainNames(dp.calls.deps!.ruleset)).toContain('FROMFILE');
    expect(dp.calls.config!.interfaces[0].name).toBe('lan0');

    // The CLI talks to it through the socket.
    const cli = collectingIO('', { RAWGATE_SOCKET: sock });
    expect(await main(['node', '/usr/sbin/iptables', '-N', 'NEW'], cli)).toBe(0);
    expect(dp.calls.applied).toBe(1);
    const save = collectingIO('', { RAWGATE_SOCKET: sock });
    expect(await main(['node', 'rawgate', 'iptables-save'], save)).toBe(0);
    expect(save.out).toBe(':INPUT\n:FORWARD\n:OUTPUT\n:FROMFILE\n:NEW\n');
    const restore = collectingIO('chain R1\n', {});
    expect(await main(['node', '/x/iptables-restore', '--socket', sock, '--noflush'], restore)).toBe(0);
    expect(dp.calls.applied).toBe(2);

    stop.fire('SIGTERM');
    expect(await done).toBe(0);
    expect(dp.calls.stopped).toBe(1);
    expect(existsSync(sock)).toBe(false);
    expect(lines.some((l) => l.includes('"msg":"rawgate ready"'))).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('exits 2 on an invalid config, with nothing started', async () => {
    const f = path.join(dir, 'bad.yaml');
    writeFileSync(f, `interfaces:\n  - {name: lan0, kind: afpacket, addresses: [10.0.0.300/24]}\ncontrol: {socket: ${sock}}\n`);
    const dp = fakeDataplane();
    const io = collectingIO();
    expect(await runDaemon(f, { io, startDataplane: dp.start, commands: fakeCommands, stopSignal: new Promise(() => {}) })).toBe(2);
    expect(io.err).toContain('interfaces[0].addresses[0]: "10.0.0.300/24" is not an IPv4 address in CIDR form');
    expect(dp.calls.started).toBe(0);
    expect(existsSync(path.dirname(sock))).toBe(false);
  });

  it('exits 2 on a rules file that does not load', async () => {
    const cfg = writeConfig('rules: rules.v4\n');
    writeFileSync(path.join(dir, 'rules.v4'), 'garbage\n');
    const dp = fakeDataplane();
    const io = collectingIO();
    expect(await runDaemon(cfg, { io, startDataplane: dp.start, commands: fakeCommands })).toBe(2);
    expect(io.err).toMatch(/rules.v4: rules file refused: iptables-restore: line failed: garbage/);
    expect(dp.calls.started).toBe(0);
  });

  it('exits 1 when another daemon answers on the socket, before starting anything', async () => {
    const cfg = writeConfig();
    const first = fakeDataplane();
    const stop = stopper();
    let ready = false;
    const { logger } = quietLogger();
    const done = runDaemon(cfg, { io: collectingIO(), startDataplane: first.start, commands: fakeCommands, stopSignal: stop.p, logger, onReady: () => (ready = true) });
    while (!ready) await new Promise((r) => setTimeout(r, 10));
    const second = fakeDataplane();
    const io = collectingIO();
    expect(await runDaemon(cfg, { io, startDataplane: second.start, commands: fakeCommands, logger })).toBe(1);
    expect(io.err).toContain('another rawgate daemon is running');
    expect(second.calls.started).toBe(0);
    stop.fire('SIGINT');
    expect(await done).toBe(0);
  });

  it('a dataplane that fails to start leaves no socket and no metrics listener', async () => {
    const port = await freePort();
    const cfg = writeConfig('', `metrics: {listen: "127.0.0.1:${port}"}`);
    const dp = fakeDataplane({ failStart: true });
    const io = collectingIO();
    const { logger } = quietLogger();
    expect(await runDaemon(cfg, { io, startDataplane: dp.start, commands: fakeCommands, logger })).toBe(1);
    expect(io.err).toContain('port lan0: no such device');
    expect(existsSync(sock)).toBe(false);
    // The port is free again: the metrics server was closed.
    expect(await canListen(port)).toBe(true);
  });

  it('serves /metrics while running', async () => {
    const port = await freePort();
    const cfg = writeConfig('', `metrics: {listen: "127.0.0.1:${port}"}`);
    const dp = fakeDataplane();
    const stop = stopper();
    let ready = false;
    const { logger } = quietLogger();
    const done = runDaemon(cfg, { io: collectingIO(), startDataplane: dp.start, commands: fakeCommands, stopSignal: stop.p, logger, onReady: () => (ready = true) });
    while (!ready) await new Promise((r) => setTimeout(r, 10));
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain('rawgate_build_info{version=');
    expect(text).toContain('rawgate_ruleset_rules 0');
    await controlRequest(sock, { op: 'iptables', argv: ['-N', 'X'] });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('rawgate_control_requests_total{op="iptables",status="0"} 1');
    stop.fire('SIGTERM');
    expect(await done).toBe(0);
    expect(await canListen(port)).toBe(true);
  });

  it('a fatal dataplane error stops the daemon with exit 1', async () => {
    const cfg = writeConfig();
    const dp = fakeDataplane();
    let ready = false;
    const { logger } = quietLogger();
    const done = runDaemon(cfg, { io: collectingIO(), startDataplane: dp.start, commands: fakeCommands, stopSignal: new Promise(() => {}), logger, onReady: () => (ready = true) });
    while (!ready) await new Promise((r) => setTimeout(r, 10));
    dp.calls.deps!.fatal(new Error('lan0 vanished'));
    expect(await done).toBe(1);
    expect(dp.calls.stopped).toBe(1);
    expect(existsSync(sock)).toBe(false);
  });
});

describe('rawgate check and the iptables client', () => {
  it('check: 0 for a valid file, 2 with the field path otherwise', async () => {
    const ok = collectingIO();
    expect(await checkConfig(writeConfig(), ok, fakeCommands)).toBe(0);
    expect(ok.out).toMatch(/OK \(1 interfaces, 0 routes, no rules file\)/);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'interfaces:\n  - {name: x, kind: tap, mtu: 10}\n');
    const io = collectingIO();
    expect(await checkConfig(bad, io, fakeCommands)).toBe(2);
    expect(io.err).toContain('interfaces[0].mtu: 10 is out of range (68..65535)');
    const usage = collectingIO();
    expect(await main(['node', 'rawgate', 'check'], usage)).toBe(2);
    expect(usage.err).toContain('missing --config FILE');
  });

  it('without a daemon the iptables commands say so and exit 1', async () => {
    const io = collectingIO('', { RAWGATE_SOCKET: path.join(dir, 'nobody.sock') });
    expect(await main(['node', '/usr/sbin/iptables', '-L'], io)).toBe(1);
    expect(io.err).toContain('iptables: rawgate daemon is not running');
    expect(io.out).toBe('');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
