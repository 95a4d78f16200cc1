/**
 * The built executable (dist/, made by `npm run build`, which `npm test`
 * runs first): argv[0] dispatch through a symlink and exit codes. Nothing here
 * starts a daemon: a real one opens ports, which only happens inside lab namespaces.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const main = path.resolve(import.meta.dirname, '../../dist/src/cli/main.js');

describe('the rawgate executable', () => {
  it('is built', () => {
    expect(existsSync(main), `${main} missing: run npm run build`).toBe(true);
  });

  it('acts as iptables-save when invoked under that name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rgbin-'));
    const link = path.join(dir, 'iptables-save');
    symlinkSync(main, link);
    const r = spawnSync(process.execPath, [link, '-c'], { env: { ...process.env, RAWGATE_SOCKET: path.join(dir, 'none.sock') }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`iptables-save: rawgate daemon is not running (cannot connect to ${path.join(dir, 'none.sock')}: no such socket)`);
  });

  it('run: exit 2 on an invalid config, before anything starts', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rgbin-'));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'interfaces:\n  - {name: t0, kind: tun, addresses: [10.0.0.300/24]}\n');
    const r = spawnSync(process.execPath, [main, 'run', '--config', bad], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('interfaces[0].addresses[0]: "10.0.0.300/24" is not an IPv4 address in CIDR form');

    // SIGTERM on the real daemon is tested inside a lab namespace (test/lab): a real
    // dataplane opens its ports, which must never happen in this machine's namespace.
  });
});
