/**
 * The FTP helper end to end: vsftpd on the WAN host, curl on the LAN host,
 * rawgate between them with MASQUERADE, `-t raw -j CT --helper ftp` and a
 * FORWARD policy of DROP that lets through only the control connection,
 * ESTABLISHED packets and RELATED ones of the ftp helper — so a data
 * connection gets through only when the helper announced it. A file is
 * fetched in passive mode (EPSV, and PASV/227) and active mode (EPRT, and
 * PORT: vsftpd refuses a PORT whose address is not the control connection's
 * peer, so this also checks the rewrite to the public address), hashes
 * compared; `conntrack -L` shows helper=ftp.
 * Safety: only inside the namespaces the lab creates; teardown always;
 * every command bounded. Root only: skipped with a message otherwise, run
 * with CI set (then vsftpd must be installed: .ci/run installs it).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRawgate } from '../../../src/lab/index.js';
import type { Lab, RawgateRun } from '../../../src/lab/index.js';
import { isRoot, nsArgv } from '../../../src/lab/exec.js';
import { createLab } from '../../../src/lab/topology.js';

const VSFTPD = '/usr/sbin/vsftpd';
const canRun = (isRoot() && existsSync(VSFTPD)) || !!process.env.CI;
if (!canRun) console.warn(`test/conntrack/helpers/ftp.e2e: skipped — needs root${existsSync(VSFTPD) ? '' : ' and vsftpd (apt-get install vsftpd)'} (set CI=1 to force)`);

let lab: Lab;
let rg: RawgateRun;
let server: ChildProcess | null = null;

function ex(ns: string, argv: string[], timeoutMs = 30_000) {
  return lab.exec(ns, argv, { timeoutMs });
}

describe.skipIf(!canRun)('FTP through rawgate with MASQUERADE and the ftp helper', () => {
  let want = '';

  beforeAll(async () => {
    lab = createLab({ withGuests: false });
    const lanIf = lab.lan.routerIf, wanIf = lab.wan.routerIf;
    const rules = [
      '*raw', '-A PREROUTING -p tcp --dport 21 -j CT --helper ftp', 'COMMIT',
      '*nat', `-A POSTROUTING -o ${wanIf} -j MASQUERADE`, 'COMMIT',
      '*filter', ':FORWARD DROP [0:0]',
      '-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT',
      '-A FORWARD -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT',
      `-A FORWARD -i ${lanIf} -p tcp --dport 21 -m conntrack --ctstate NEW -j ACCEPT`,
      'COMMIT', '',
    ].join('\n');
    rg = await startRawgate(lab, { rules });
    const root = join(lab.workDir, 'ftp');
    mkdirSync(root, { recursive: true, mode: 0o755 });
    ex(lab.wan.ns, ['dd', 'if=/dev/urandom', `of=${root}/blob`, 'bs=64k', 'count=16']);
    want = ex(lab.wan.ns, ['sha256sum', `${root}/blob`]).stdout.split(' ')[0]!;
    const conf = join(lab.workDir, 'vsftpd.conf');
    writeFileSync(conf, [
      'listen=YES', 'listen_ipv6=NO', `listen_address=${lab.wan.hostAddr}`, 'background=NO',
      'anonymous_enable=YES', 'no_anon_password=YES', `anon_root=${root}`, 'local_enable=NO', 'write_enable=NO',
      'seccomp_sandbox=NO', 'connect_from_port_20=NO', 'pasv_enable=YES', 'port_enable=YES',
      'pasv_min_port=40000', 'pasv_max_port=40100', 'secure_chroot_dir=/var/run/vsftpd/empty',
      'xferlog_enable=NO', 'dual_log_enable=NO', 'syslog_enable=NO', `vsftpd_log_file=${lab.workDir}/vsftpd.log`, '',
    ].join('\n'));
    const [cmd, ...args] = nsArgv(lab.wan.ns, ['timeout', '120', VSFTPD, conf]);
    server = spawn(cmd!, args, { stdio: 'ignore' });
    const end = Date.now() + 10_000;
    while (!ex(lab.wan.ns, ['ss', '-ltn', 'sport = :21']).stdout.includes(':21')) {
      if (Date.now() > end) throw new Error('vsftpd did not listen');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    server?.kill('SIGKILL');
    if (rg) await rg.stop();
    if (lab) lab.teardown();
  });

  const fetch = (flags: string[]) => {
    const url = `ftp://${lab.wan.hostAddr}/blob`;
    const r = ex(lab.lan.ns, ['sh', '-c', `curl -sS --max-time 20 ${flags.join(' ')} ${url} | sha256sum`]);
    return { hash: r.stdout.split(' ')[0], err: r.stderr };
  };

  it('passive mode (EPSV, then PASV/227): the client\'s data connection is RELATED and masqueraded', () => {
    for (const flags of [[], ['--disable-epsv']]) {
      const r = fetch(flags);
      expect(r.hash, `${flags.join(' ')}\n${r.err}\n${rg.logs().slice(-2000)}`).toBe(want);
    }
  });

  it('active mode (EPRT, then PORT): the address text is rewritten to the public address, the server\'s connection DNATed back', () => {
    for (const flags of [['-P', '-'], ['-P', '-', '--disable-eprt']]) {
      const r = fetch(flags);
      expect(r.hash, `${flags.join(' ')}\n${r.err}\n${rg.logs().slice(-2000)}`).toBe(want);
    }
  });

  it('conntrack -L shows helper=ftp on the control connection', async () => {
    const r = await rg.conntrack(['-L', '-p', 'tcp', '--dport', '21']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dport=21 .*helper=ftp/);
  });
});
