/**
 * systemd integration: the unit file verifies clean with systemd-analyze, and
 * the daemon's readiness reaches $NOTIFY_SOCKET as an sd_notify datagram
 * (path and abstract names) through the native addon. The tools (socat,
 * systemd-analyze) are installed by .ci/run: with CI set, a missing one fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../src/io/index.js';
import { notifySystemd } from '../../src/cli/systemd.js';

const silent = pino({ level: 'silent' });
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'rgsd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function need(cmd: string): boolean {
  if (have(cmd)) return true;
  if (process.env.CI) throw new Error(`${cmd} is missing (.ci/run installs it)`);
  console.warn(`test/cli/systemd.test.ts: ${cmd} missing, part skipped`);
  return false;
}

/** Receives one datagram on `addr` (socat address) and resolves with it. */
function receiveOne(addr: string, ready: () => boolean): Promise<{ text: Promise<string> }> {
  const p = spawn('socat', ['-u', addr, 'STDOUT'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const text = new Promise<string>((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); resolve(out); p.kill(); });
    p.on('error', reject);
    setTimeout(() => { p.kill(); reject(new Error(`no datagram on ${addr}`)); }, 5000).unref();
  });
  return new Promise((resolve) => {
    const t0 = Date.now();
    const poll = (): void => { if (ready() || Date.now() - t0 > 2000) resolve({ text }); else setTimeout(poll, 20); };
    poll();
  });
}

describe('systemd', () => {
  it('notifySystemd says READY=1 / STOPPING=1 only when NOTIFY_SOCKET is set, and a failure is not fatal', () => {
    const sent: string[] = [];
    const send = (p: string, m: string): number => { sent.push(`${p}|${m}`); return m.length; };
    expect(notifySystemd('READY=1', {}, silent, send)).toBe(false);
    expect(notifySystemd('READY=1', { NOTIFY_SOCKET: '' }, silent, send)).toBe(false);
    expect(notifySystemd('READY=1', { NOTIFY_SOCKET: '/run/x' }, silent, send)).toBe(true);
    expect(notifySystemd('STOPPING=1', { NOTIFY_SOCKET: '@y' }, silent, send)).toBe(true);
    expect(sent).toEqual(['/run/x|READY=1\n', '@y|STOPPING=1\n']);
    expect(notifySystemd('READY=1', { NOTIFY_SOCKET: '/nonexistent/sock' }, silent)).toBe(false);
  });

  it('the native notify sends one datagram to a socket path and to an abstract name', async () => {
    if (!need('socat')) return;
    const path = join(dir, 'notify.sock');
    const r1 = await receiveOne(`UNIX-RECV:${path}`, () => existsSync(path));
    expect(loadNative().notify(path, 'READY=1\n')).toBe(8);
    expect(await r1.text).toBe('READY=1\n');
    const name = `rawgate-test-${process.pid}`;
    const r2 = await receiveOne(`ABSTRACT-RECV:${name}`, () => readFileSync('/proc/net/unix', 'utf8').includes(`@${name}`));
    expect(loadNative().notify(`@${name}`, 'STOPPING=1\n')).toBe(11);
    expect(await r2.text).toBe('STOPPING=1\n');
    expect(() => loadNative().notify(join(dir, 'absent.sock'), 'READY=1\n')).toThrow(/No such file|ENOENT|refused/);
  });

  it('config/systemd/rawgate.service verifies clean with systemd-analyze', () => {
    if (!need('systemd-analyze')) return;
    const unit = readFileSync(fileURLToPath(new URL('../../config/systemd/rawgate.service', import.meta.url)), 'utf8');
    // verify checks that ExecStart's program exists: point it at this checkout's build.
    const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
    const local = unit.replace('/usr/local/bin/rawgate', `${process.execPath} ${main}`);
    expect(local).not.toBe(unit);
    const file = join(dir, 'rawgate.service');
    writeFileSync(file, local);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });
});
