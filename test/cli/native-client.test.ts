/**
 * The native client (native/build/Release/rawgate-client, built by node-gyp at
 * `npm ci` from native/binding.gyp): iptables, iptables-save and
 * iptables-restore against an in-process control server, compared with what
 * the Node client (src/cli/forward.ts, src/control/client.ts) sends and
 * prints. A missing binary fails these tests: it is part of the install.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandForProgram, USAGE } from '../../src/cli/dispatch.js';
import { restoreInputFile } from '../../src/cli/forward.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_SOCKET } from '../../src/control/client.js';
import type { ControlRequest, ControlResponse } from '../../src/control/protocol.js';
import { startControlServer } from '../../src/control/server.js';
import type { ControlServer } from '../../src/control/server.js';
import { collectingIO } from './cli-io.js';

const CLIENT = path.resolve(import.meta.dirname, '../../native/build/Release/rawgate-client');
/** Names to run it under: commandForProgram decides which are commands (and the client must agree). */
const NAMES = ['iptables', 'iptables-save', 'iptables-restore', 'iptables-nft', 'iptables-legacy', 'iptables-save-nft', 'iptables-restore-legacy', 'iptables.js',
  'iptables-legacy-save', 'iptables-nft-restore', 'rawgate', 'rawgate-client', 'ip6tables', 'iptablesx', 'xiptables', 'iptables-save.sh'];

let dir: string;
let sock: string;
let servers: ControlServer[] = [];
let rawServers: net.Server[] = [];

/** The client under one of its names (a symlink, as npm's bin links are). */
const bin = (name: string) => path.join(dir, 'bin', name);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rgnc-'));
  sock = path.join(dir, 'ctl', 'rawgate.sock');
  mkdirSync(path.join(dir, 'bin'));
  for (const n of NAMES) symlinkSync(CLIENT, bin(n));
});

afterEach(async () => {
  for (const s of servers) await s.close();
  for (const s of rawServers) await new Promise((r) => s.close(r));
  servers = [];
  rawServers = [];
});

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: Buffer;
  out: string;
  err: string;
}

/** Run the client (asynchronously: the server answering it lives in this process). */
function run(name: string, args: string[], o: { env?: NodeJS.ProcessEnv; stdin?: Buffer | string; stdinFile?: string } = {}): Promise<Run> {
  const env = o.env ?? { RAWGATE_SOCKET: sock };
  const fd = o.stdinFile !== undefined ? openSync(o.stdinFile, 'r') : null;
  return new Promise((resolve, reject) => {
    const child = spawn(bin(name), args, { env: { PATH: process.env.PATH, ...env }, stdio: [fd ?? 'pipe', 'pipe', 'pipe'] });
    if (fd !== null) closeSync(fd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the client may not read it (no restore)
      child.stdin.end(o.stdin ?? '');
    }
    child.on('close', (status) => {
      const stdout = Buffer.concat(out);
      const stderr = Buffer.concat(err);
      resolve({ status, stdout, stderr, out: stdout.toString('utf8'), err: stderr.toString('utf8') });
    });
  });
}

/** A control server (src/control/server.ts) recording requests; `answer` makes the response. */
async function daemon(answer: (req: ControlRequest) => ControlResponse = () => ({ stdout: '', stderr: '', status: 0 }), p = sock) {
  const requests: ControlRequest[] = [];
  const s = await startControlServer({
    path: p,
    handle: async (req) => {
      requests.push(req);
      return answer(req);
    },
  });
  servers.push(s);
  return requests;
}

/** A server that records the raw request line and answers with `reply` bytes (then closes). */
async function rawDaemon(reply: string | Buffer | null, p = sock) {
  mkdirSync(path.dirname(p), { recursive: true });
  const lines: Buffer[] = [];
  const server = net.createServer((c) => {
    let got = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const nl = got.indexOf(10);
      if (nl < 0) return;
      lines.push(got.subarray(0, nl + 1));
      if (reply === null) c.destroy();
      else c.end(reply);
    });
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(p, r));
  rawServers.push(server);
  return lines;
}

/** What the Node client prints and returns for the same command (in process, through main()). */
async function nodeClient(name: string, args: string[], env: NodeJS.ProcessEnv = { RAWGATE_SOCKET: sock }, stdin = '') {
  const io = collectingIO(stdin, env);
  const status = await main(['node', path.join('/usr/sbin', name), ...args], io);
  return { status, out: io.out, err: io.err };
}

const HOSTILE = [
  '',
  'a"b',
  'back\\slash',
  '\\"',
  'line1\nline2',
  'cr\rtab\tff\fbs\b',
  '\u0001\u0007\u001b[31m\u001f\u007f',
  'é ü ß 日本語 😀 \u{10FFFF}',
  '\u2028\u2029',
  ' leading and trailing ',
  '--socket',
  '-',
  '{"op":"iptables-restore"}',
  '/',
];

describe('the native client binary', () => {
  it('is built (by npm ci: node-gyp at the preinstall step)', () => {
    expect(existsSync(CLIENT), `${CLIENT} missing: run npm ci (or npm rebuild)`).toBe(true);
  });
});

describe('rawgate-client: requests', () => {
  it('sends argv unchanged, hostile values included, as the same bytes JSON.stringify makes', async () => {
    const lines = await rawDaemon('{"stdout":"","stderr":"","status":0}\n');
    const args = ['-A', 'INPUT', ...HOSTILE];
    const r = await run('iptables', args);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.toString('utf8')).toBe(JSON.stringify({ op: 'iptables', argv: args }) + '\n');
  });

  it('decodes to the same request through the real control server', async () => {
    const reqs = await daemon();
    for (const [name, op] of [['iptables', 'iptables'], ['iptables-save', 'iptables-save'], ['iptables-nft', 'iptables'], ['iptables-save-nft', 'iptables-save']] as const) {
      const r = await run(name, HOSTILE);
      expect(r.err).toBe('');
      expect(r.status).toBe(0);
      expect(reqs.at(-1)).toEqual({ op, argv: HOSTILE });
    }
    expect(reqs).toHaveLength(4);
  });

  it('sends no argument when given none', async () => {
    const lines = await rawDaemon('{"stdout":"","stderr":"","status":0}\n');
    await run('iptables-save', []);
    expect(lines[0]!.toString()).toBe('{"op":"iptables-save","argv":[]}\n');
  });
});

describe('rawgate-client: answers', () => {
  it('writes stdout and stderr unchanged and exits with the status', async () => {
    const text = `${HOSTILE.join('|')}\n${'x'.repeat(200_000)}\n`;
    await daemon((req) => ({ stdout: `out:${req.argv[0]}:${text}`, stderr: `err:${text}`, status: Number(req.argv[1]) }));
    for (const status of [0, 1, 2, 4, 111, 255]) {
      const r = await run('iptables', ['-L', String(status)]);
      expect(r.status).toBe(status);
      expect(r.out).toBe(`out:-L:${text}`);
      expect(r.err).toBe(`err:${text}`);
    }
  });

  it('decodes every JSON escape: \\uXXXX (surrogate pairs to 4-byte UTF-8), \\n \\t \\" \\\\ \\/ \\b \\f \\r', async () => {
    await rawDaemon(String.raw`{"stdout":"\ud83d\ude00 \u00e9\u65E5 \/ \b\f\r\t\n \"q\" \\ \u0000|","stderr":"é\u2028","status":3}` + '\n');
    const r = await run('iptables', ['-L']);
    expect(r.status).toBe(3);
    expect(r.stdout.equals(Buffer.from('😀 é日 / \b\f\r\t\n "q" \\ \0|', 'utf8'))).toBe(true);
    expect(r.err).toBe('é\u2028');
  });

  it('writes a lone surrogate as U+FFFD, as Node does', async () => {
    await rawDaemon(String.raw`{"stdout":"a\ud800b\udc00c\ud83d\u0041","stderr":"","status":0}` + '\n');
    const r = await run('iptables', []);
    expect(r.stdout.toString('hex')).toBe(Buffer.from('a\ufffdb\ufffdc\ufffdA', 'utf8').toString('hex'));
  });

  it('skips other members, takes the last of duplicates, allows whitespace and null', async () => {
    await rawDaemon(' { "x" : [1, {"y": [true, false, null, -1.5e3]}], "stdout": "first", "stderr": null, "stdout" : "second" , "status" : 1 , "status": 2 } \r\n');
    const r = await run('iptables', []);
    expect(r.status).toBe(2);
    expect(r.out).toBe('second');
    expect(r.err).toBe('');
  });

  it('reads an answer of several MB', async () => {
    const big = Array.from({ length: 100_000 }, (_, i) => `-A FORWARD -s 10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}/32 -m comment --comment "r\\${i}" -j ACCEPT`).join('\n') + '\n';
    await daemon(() => ({ stdout: big, stderr: '', status: 0 }));
    const r = await run('iptables-save', []);
    expect(r.stdout.length).toBeGreaterThan(5_000_000);
    expect(r.out).toBe(big);
  });
});

describe('rawgate-client: iptables-restore input', () => {
  const ruleset = (n: number) => {
    const rules = Array.from({ length: n }, (_, i) => `-A FORWARD -s 192.0.${(i >> 8) & 255}.${i & 255}/32 -d 198.51.100.0/24 -p tcp -m tcp --dport ${1 + (i % 65535)} -m comment --comment "rule \\"${i}\\" é" -j ACCEPT`);
    return `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n${rules.join('\n')}\nCOMMIT\n`;
  };

  it('sends a restore file of several MB from standard input (pipe and file) and from a file argument', async () => {
    const text = ruleset(50_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(5_000_000);
    const file = path.join(dir, 'rules.v4');
    writeFileSync(file, text);
    const reqs = await daemon((req) => ({ stdout: `${req.input?.length}\n`, stderr: '', status: 0 }));

    const piped = await run('iptables-restore', ['--noflush'], { stdin: text });
    expect(piped.err).toBe('');
    expect(piped.status).toBe(0);
    expect(reqs.at(-1)).toEqual({ op: 'iptables-restore', argv: ['--noflush'], input: text });

    const redirected = await run('iptables-restore', [], { stdinFile: file });
    expect(redirected.status).toBe(0);
    expect(reqs.at(-1)).toEqual({ op: 'iptables-restore', argv: [], input: text });

    const named = await run('iptables-restore', ['-w', '5', file, '-n']);
    expect(named.status).toBe(0);
    expect(named.out).toBe(`${text.length}\n`);
    expect(reqs.at(-1)).toEqual({ op: 'iptables-restore', argv: ['-w', '5', '-n'], input: text });
  });

  it('takes the input file out of the command line exactly as restoreInputFile does', async () => {
    const file = path.join(dir, 'in.rules');
    writeFileSync(file, '*filter\nCOMMIT\n');
    const reqs = await daemon();
    const cases: string[][] = [
      [file],
      ['-T', 'filter', file],
      ['-T', file], // a valued option eats what follows: no file, stdin is the input
      ['--table', 'nat', '-W', '100', '-M', '/sbin/modprobe', '--wait-interval', '7', '--modprobe', 'x', file],
      ['-w', '10', file],
      ['-w', file], // not a number: the file is the file
      ['--wait', '3', '-c', file, 'second'], // only the first positional is the file
      ['-n', '-c'],
      [file, '-T'],
    ];
    for (const args of cases) {
      const want = restoreInputFile(args);
      const r = await run('iptables-restore', args, { stdin: 'from stdin\n' });
      expect(r.err, args.join(' ')).toBe('');
      expect(reqs.at(-1), args.join(' ')).toEqual({ op: 'iptables-restore', argv: want.argv, input: want.file === null ? 'from stdin\n' : '*filter\nCOMMIT\n' });
    }
  });

  it('sends no input with -h, --help, -V or --version', async () => {
    const lines = await rawDaemon('{"stdout":"v\\n","stderr":"","status":0}\n');
    for (const flag of ['-h', '--help', '-V', '--version']) {
      const r = await run('iptables-restore', ['-n', flag, 'file-that-is-not-read'], { stdin: 'ignored' });
      expect(r.status).toBe(0);
      expect(r.out).toBe('v\n');
      expect(lines.at(-1)!.toString()).toBe(JSON.stringify({ op: 'iptables-restore', argv: ['-n', flag, 'file-that-is-not-read'] }) + '\n');
    }
  });

  it('turns bytes that are not UTF-8 into U+FFFD as Node reading the file would', async () => {
    const bytes = Buffer.from([0x2a, 0x66, 0xff, 0x0a, 0xc3, 0x28, 0xe2, 0x82, 0x0a, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xc0, 0xaf, 0x0a, 0xe2, 0x82]);
    const file = path.join(dir, 'bad-utf8');
    writeFileSync(file, bytes);
    const reqs = await daemon();
    await run('iptables-restore', [file]);
    expect(reqs.at(-1)!.input).toBe(bytes.toString('utf8'));
    await run('iptables-restore', [], { stdin: bytes });
    expect(reqs.at(-1)!.input).toBe(bytes.toString('utf8'));
  });

  it('reports a file it cannot read as the Node client does', async () => {
    await daemon();
    const missing = path.join(dir, 'missing.rules');
    const r = await run('iptables-restore', [missing]);
    const n = await nodeClient('iptables-restore', [missing]);
    expect(r.status).toBe(1);
    expect(n.status).toBe(1);
    expect(r.err).toBe(`iptables-restore: cannot read ${missing}: ENOENT\n`);
    expect(r.err).toBe(n.err);
    const isDir = await run('iptables-restore', [dir]);
    expect(isDir.err).toBe((await nodeClient('iptables-restore', [dir])).err);
  });
});

describe('rawgate-client: socket and errors', () => {
  it('no daemon: the Node client\'s two lines and exit 1', async () => {
    for (const name of ['iptables', 'iptables-save', 'iptables-restore']) {
      const r = await run(name, ['-L']);
      const n = await nodeClient(name, ['-L']);
      expect(r.status).toBe(1);
      expect(n.status).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe(n.err);
      expect(r.err).toBe(
        `${name}: rawgate daemon is not running (cannot connect to ${sock}: no such socket)\n` +
          `${name}: start it with \`rawgate run --config FILE\`, or point --socket / RAWGATE_SOCKET at its control socket\n`,
      );
    }
  });

  it('a path that is not a socket, or not there: the Node client\'s words', async () => {
    const file = path.join(dir, 'plain-file');
    writeFileSync(file, '');
    for (const p of [file, path.join(file, 'below'), path.join(dir, 'no', 'dir', 'x.sock')]) {
      const r = await run('iptables', ['-S'], { env: { RAWGATE_SOCKET: p } });
      const n = await nodeClient('iptables', ['-S'], { RAWGATE_SOCKET: p });
      expect(r.status).toBe(1);
      expect(r.err).toBe(n.err);
    }
  });

  it('--socket beats RAWGATE_SOCKET beats the default; leading --socket options are taken out, the last wins', async () => {
    const a = path.join(dir, 'a.sock');
    const b = path.join(dir, 'b.sock');
    const ra = await daemon(() => ({ stdout: 'A\n', stderr: '', status: 0 }), a);
    const rb = await daemon(() => ({ stdout: 'B\n', stderr: '', status: 0 }), b);
    expect((await run('iptables', ['--socket', a, '-L'], { env: { RAWGATE_SOCKET: b } })).out).toBe('A\n');
    expect(ra.at(-1)!.argv).toEqual(['-L']);
    expect((await run('iptables', [`--socket=${a}`, '-L'], { env: { RAWGATE_SOCKET: b } })).out).toBe('A\n');
    expect((await run('iptables', ['-L'], { env: { RAWGATE_SOCKET: b } })).out).toBe('B\n');
    expect((await run('iptables', ['--socket', b, `--socket=${a}`, '-L'], { env: {} })).out).toBe('A\n');
    // Only leading ones: later --socket arguments are the command's own.
    expect((await run('iptables-save', ['-t', 'filter', '--socket', a], { env: { RAWGATE_SOCKET: b } })).out).toBe('B\n');
    expect(rb.at(-1)).toEqual({ op: 'iptables-save', argv: ['-t', 'filter', '--socket', a] });
    // --socket before iptables-restore's file argument.
    const file = path.join(dir, 'r.v4');
    writeFileSync(file, '*filter\nCOMMIT\n');
    expect((await run('iptables-restore', ['--socket', a, file], { env: {} })).out).toBe('A\n');
    expect(ra.at(-1)).toEqual({ op: 'iptables-restore', argv: [], input: '*filter\nCOMMIT\n' });
  });

  it('an empty RAWGATE_SOCKET means the default socket', async () => {
    const r = await run('iptables', ['-L'], { env: { RAWGATE_SOCKET: '' } });
    const n = await nodeClient('iptables', ['-L'], { RAWGATE_SOCKET: '' });
    if (!existsSync(DEFAULT_SOCKET)) {
      expect(r.err).toContain(`cannot connect to ${DEFAULT_SOCKET}: no such socket`);
      expect(r.err).toBe(n.err);
    }
    expect(r.status).toBe(n.status);
  });

  it('--socket without a path: the Node CLI\'s usage error, exit 2', async () => {
    const r = await run('iptables', ['--socket']);
    const n = await nodeClient('iptables', ['--socket']);
    expect(r.status).toBe(2);
    expect(n.status).toBe(2);
    expect(r.err).toBe(`rawgate: --socket needs a path\n${USAGE}`);
    expect(r.err).toBe(n.err);
  });

  it('malformed answers: a clear message, exit 1', async () => {
    const cases: [string, RegExp][] = [
      ['not json\n', /^iptables: malformed answer from .*: the answer is not a JSON object\n$/],
      ['{"stdout":"x","stderr":""}\n', /^iptables: malformed answer from .*: malformed control response\n$/],
      ['{"stdout":"x","status":"0"}\n', /^iptables: malformed answer from .*: malformed control response\n$/],
      ['{"stdout":"x","status":1.5}\n', /^iptables: malformed answer from .*: status 1.5 is not an exit code\n$/],
      ['{"stdout":"\\q","status":0}\n', /^iptables: malformed answer from .*: bad escape \\q at byte 11\n$/],
      ['{"stdout":"\\u12","status":0}\n', /^iptables: malformed answer from .*: bad \\u escape at byte 11\n$/],
      ['{"stdout":"a\tb","status":0}\n', /^iptables: malformed answer from .*: control character 0x09 in a string at byte 12\n$/],
      ['{"stdout":5,"status":0}\n', /^iptables: malformed answer from .*: stdout is not a string\n$/],
      ['{"status":0} x\n', /^iptables: malformed answer from .*: unexpected data after the JSON object at byte 13\n$/],
      ['{"status":0,}\n', /^iptables: malformed answer from .*: expected a member name at byte 12\n$/],
      ['{"status":01}\n', /^iptables: malformed answer from .*: expected ',' or '}' at byte 11\n$/],
      ['{"stdout":"unterminated\n', /^iptables: malformed answer from .*: unterminated string\n$/],
      ['\n', /^iptables: malformed answer from .*: empty answer\n$/],
    ];
    for (const [i, [reply, want]] of cases.entries()) {
      const p = path.join(dir, `m${i}.sock`);
      const lines = await rawDaemon(reply, p);
      const r = await run('iptables', ['-L'], { env: { RAWGATE_SOCKET: p } });
      expect(lines).toHaveLength(1);
      expect(r.status, reply).toBe(1);
      expect(r.out).toBe('');
      expect(r.err, reply).toMatch(want);
    }
  });

  it('a daemon that closes without answering: the Node client\'s words', async () => {
    await rawDaemon(null);
    const r = await run('iptables', ['-L']);
    const n = await nodeClient('iptables', ['-L']);
    expect(r.status).toBe(1);
    expect(r.err).toBe(`iptables: the daemon closed ${sock} without answering\n`);
    expect(r.err).toBe(n.err);
    // An answer cut before its newline is no answer either.
    const cut = path.join(dir, 'cut.sock');
    await rawDaemon('{"stdout":"x","stderr":"","status":0}', cut);
    expect((await run('iptables', ['-L'], { env: { RAWGATE_SOCKET: cut } })).err).toBe(`iptables: the daemon closed ${cut} without answering\n`);
  });

  it('answers to the names the Node CLI does (commandForProgram); any other name exits 2 without connecting', async () => {
    const lines = await rawDaemon('{"stdout":"","stderr":"","status":0}\n');
    let sent = 0;
    for (const name of NAMES) {
      const want = commandForProgram(`/usr/sbin/${name}`);
      const r = await run(name, ['-n']);
      if (want === null) {
        expect(r.status, name).toBe(2);
        expect(r.err).toMatch(/^rawgate-client: invoked as ".*": this program is iptables, iptables-save or iptables-restore/);
      } else {
        expect(r.err, name).toBe('');
        expect(lines[sent++]!.toString(), name).toBe(JSON.stringify({ op: want, argv: ['-n'], ...(want === 'iptables-restore' ? { input: '' } : {}) }) + '\n');
      }
    }
    expect(lines).toHaveLength(sent);
    expect(sent).toBe(8);
  });
});
