/**
 * Control-plane benchmark (`npm run bench:control`, root only): how long
 * iptables commands take against rawgate (its CLI talking to the daemon over
 * the control socket, timed end to end from spawn to exit) and against the
 * kernel (`iptables-nft`, `iptables-legacy`) in a network namespace this run
 * created, and what a large restore does to traffic forwarded meanwhile.
 *
 * - Restore: a seeded ClassBench-style ACL (scripts/classbench, filter
 *   FORWARD, policy DROP, one ICMP ACCEPT rule for the lab's ping flow on
 *   top) of each size, as one file, loaded by `rawgate iptables-restore <
 *   file`, `iptables-nft-restore -w < file` and `iptables-legacy-restore -w
 *   < file`. Every run starts from an empty filter table (the kernel
 *   namespace's nft and legacy tables are both flushed, rawgate gets an
 *   empty filter table restored, all untimed).
 * - Single commands on a loaded set (the largest size): `-A`, `-R` (of that
 *   appended rule), `-D` by rule spec, `-A` again, `-D` by rule number; each
 *   cycle leaves the set as it was.
 * - During every restore a ping flow (`ping -i 0.01`) runs through the
 *   router of the lab whose ruleset is being replaced (rawgate's lab, or the
 *   kernel twin for the kernel's restores), from 1 s before the command to
 *   1.5 s after it: worst RTT, p99, lost packets, longest gap between
 *   replies. For rawgate also: the latency of the control socket's liveness
 *   op (`ping`, not queued behind commands) polled every 100 ms, and one
 *   `rawgate iptables -L INPUT -n` issued 1 s into the restore.
 *
 * Bounded: each rawgate command is killed after --timeout seconds (reported
 * as "timeout"; the bench then waits for the daemon to finish before going
 * on); a soft --budget skips further rawgate runs that would not fit
 * (reported as skipped), and a hard deadline tears everything down. The
 * first run of every measurement comes first, the repeats last. Everything
 * that sends packets runs inside the labs' namespaces (removed at the end,
 * also on failure and on Ctrl-C).
 *
 * Options: --sizes 10000,50000 --runs 3 --timeout 120 --budget 500 --seed 1 --no-write
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import * as path from 'node:path';
import { controlRequest } from '../src/control/client.js';
import { isRoot, nsArgv, repoRoot, startRawgate } from '../src/lab/index.js';
import { finishLabs, runBench, twinLabs } from './labs.js';
import type { Lab, RawgateRun } from '../src/lab/index.js';
import { generateAcl, toIptablesRestore } from '../scripts/classbench/generate.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const SIZES = opt('--sizes', '10000,50000').split(',').map((s) => Math.floor(Number(s))).filter((n) => n >= 2).sort((a, b) => a - b);
const RUNS = Math.max(1, Math.floor(Number(opt('--runs', '3'))));
/** Per rawgate command (the CLI's own control-socket timeout is 120 s too). */
const TIMEOUT_MS = Math.max(1, Number(opt('--timeout', '120'))) * 1000;
/** Soft budget: no rawgate run is started that would not end within it (by the previous runs' times). */
const BUDGET_S = Math.max(60, Number(opt('--budget', '500')));
/** Hard cap on the whole run; the labs' exit hook removes the namespaces. */
const DEADLINE_MS = (BUDGET_S + 60) * 1000;
const SEED = Number(opt('--seed', '1'));
const WRITE = !argv.includes('--no-write');
/** Time rawgate's commands through the Node CLI instead of the native client. */
const NODE_CLI = argv.includes('--node-cli');
/** Extra Node options for the daemon (e.g. --node-args "--max-semi-space-size=4"). */
const NODE_ARGS = opt('--node-args', '').split(' ').filter((a) => a !== '');
const OPS_SIZE = SIZES[SIZES.length - 1] ?? 0;
const PING_INTERVAL_S = 0.01;
const PING_LEAD_MS = 1000;
const PING_TAIL_MS = 1500;
const PROBE_AFTER_MS = 1000;
const TARGET_PING_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const log = (s: string) => process.stderr.write(`[bench:control] ${s}\n`);
const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
/** A duration in ms, as ms below 1 s and as s above. */
const fmtDur = (ms: number): string => {
  if (ms === Infinity) return 'timeout';
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
};
const median = (a: number[]): number => {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quantile = (a: number[], q: number): number => {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

function findBin(name: string): string {
  for (const d of ['/usr/sbin', '/sbin', '/usr/bin']) {
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} not found (apt-get install -y iptables)`);
}

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();

interface Timed {
  ms: number;
  status: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Run argv in a namespace, stdin from a file (or nothing); time from spawn to exit; kill after timeoutMs. */
function timed(ns: string, cmd: string[], o: { stdinFile?: string; timeoutMs: number }): Promise<Timed> {
  const [c, ...a] = nsArgv(ns, cmd);
  const fd = o.stdinFile !== undefined ? openSync(o.stdinFile, 'r') : null;
  return new Promise((resolve) => {
    const t0 = now();
    const child = spawn(c!, a, { stdio: [fd ?? 'ignore', 'pipe', 'pipe'] });
    if (fd !== null) closeSync(fd);
    children.add(child);
    let stdout = '';
    let stderr = '';
    let t1 = NaN;
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => { if (stdout.length < 1 << 20) stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 1 << 16) stderr += d.toString(); });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.once('exit', () => (t1 = now()));
    child.once('error', (e) => (stderr += e.message));
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (Number.isNaN(t1)) t1 = now();
      // The CLI gives up on its own after 120 s ("no answer ... within"): a timeout too.
      if (/no answer from the rawgate daemon .* within/.test(stderr)) timedOut = true;
      resolve({ ms: t1 - t0, status: code, timedOut, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------- systems

type SysName = 'rawgate' | 'nft' | 'legacy';
const SYSTEMS: SysName[] = ['rawgate', 'nft', 'legacy'];
const SYS_LABEL: Record<SysName, string> = { rawgate: 'rawgate (CLI → daemon)', nft: 'iptables-nft', legacy: 'iptables-legacy' };

interface Ctx {
  rlab: Lab;
  klab: Lab;
  rg: RawgateRun;
  main: string;
  /** rawgate's commands as users call them: the native client under the names iptables / iptables-restore (argv[0] dispatch); with --node-cli, the Node entry point. */
  client: (command: 'iptables' | 'iptables-restore', socket: string) => string[];
  bins: { nft: string; nftRestore: string; legacy: string; legacyRestore: string };
}

const EMPTY_FILTER = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';

function nsOf(x: Ctx, s: SysName): string {
  return s === 'rawgate' ? x.rlab.router : x.klab.router;
}

function restoreArgv(x: Ctx, s: SysName): string[] {
  if (s === 'rawgate') return x.client('iptables-restore', x.rg.socketPath);
  return [s === 'nft' ? x.bins.nftRestore : x.bins.legacyRestore, '-w'];
}

function iptablesArgv(x: Ctx, s: SysName, args: string[]): string[] {
  if (s === 'rawgate') return [...x.client('iptables', x.rg.socketPath), ...args];
  return [s === 'nft' ? x.bins.nft : x.bins.legacy, '-w', ...args];
}

/** Empty filter tables (nft and legacy) in the kernel namespace. */
function flushKernel(x: Ctx): void {
  for (const bin of [x.bins.nftRestore, x.bins.legacyRestore]) {
    const r = x.klab.exec(x.klab.router, [bin, '-w'], { input: EMPTY_FILTER, timeoutMs: 60_000 });
    if (r.status !== 0) throw new Error(`${bin}: flushing the kernel namespace's filter table failed (${r.status}): ${r.stderr.trim()}`);
  }
}

/** Load a file into the kernel namespace (untimed setup). */
function loadKernel(x: Ctx, s: 'nft' | 'legacy', file: string): void {
  const r = x.klab.exec(x.klab.router, ['sh', '-c', `exec "$0" -w < "$1"`, s === 'nft' ? x.bins.nftRestore : x.bins.legacyRestore, file], { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`${s}: loading ${file} failed (${r.status}): ${r.stderr.trim()}`);
}

/** Rules in rawgate's active ruleset, from its metrics. */
function rawgateRuleCount(x: Ctx): number {
  const r = x.rlab.exec(x.rlab.router, ['curl', '-sf', '--max-time', '5', 'http://127.0.0.1:9108/metrics'], { timeoutMs: 10_000 });
  const m = /^rawgate_ruleset_rules (\S+)$/m.exec(r.stdout);
  return m ? Number(m[1]) : NaN;
}

/**
 * Wait until the daemon answers a queued command (so an earlier command that
 * timed out on the client side has finished). Returns the wait in ms, or
 * Infinity when it did not answer before `limitMs`.
 */
async function waitIdle(x: Ctx, limitMs: number): Promise<number> {
  const t0 = now();
  while (now() - t0 < limitMs) {
    try {
      const r = await controlRequest(x.rg.socketPath, { op: 'iptables', argv: ['-S', 'INPUT'] }, { timeoutMs: Math.max(1000, Math.min(60_000, limitMs - (now() - t0))) });
      if (r.status === 0) return now() - t0;
    } catch {
      // timed out or busy: ask again while there is time
    }
    await sleep(200);
  }
  return Infinity;
}

// ---------------------------------------------------------------- ping flow

interface PingStats {
  sent: number;
  received: number;
  lost: number;
  /** Packets ping reported as errors ("Destination Host Unreachable": the host's ARP for the router failed); counted in lost too. */
  unreachable: number;
  /** Set when ping ended before the bench stopped it (its last lines). */
  endedEarly?: string;
  maxRtt: number;
  p99Rtt: number;
  /** Median RTT of the replies to packets sent before the command started. */
  baseRtt: number;
  /** Longest time between two consecutive replies (forwarding stalls show here even when packets are lost). */
  maxGap: number;
}

function startPing(lab: Lab): { stop(): Promise<PingStats> } {
  // No -w deadline: with one, ping exits at its first error (e.g. "Destination Host Unreachable"
  // once the router stops answering ARP). stop(), the finally block and the lab teardown end it.
  const [c, ...a] = nsArgv(lab.lan.ns, ['ping', '-n', '-D', '-i', String(PING_INTERVAL_S), lab.wan.hostAddr]);
  const child = spawn(c!, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let stopping = false;
  let endedEarly = false;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((resolve) => child.once('close', () => {
    children.delete(child);
    if (!stopping) endedEarly = true;
    resolve();
  }));
  return {
    async stop() {
      stopping = true;
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(t);
      const st = parsePing(out);
      if (endedEarly) st.endedEarly = out.trim().split('\n').slice(-3).join(' / ');
      return st;
    },
  };
}

let cmdStartUnix = 0;

function parsePing(out: string): PingStats {
  const bySeq = new Map<number, { rtt: number; at: number }>();
  for (const m of out.matchAll(/^\[(\d+\.\d+)\] .*icmp_seq=(\d+) .*time=([\d.]+) ms/gm)) {
    const seq = Number(m[2]);
    if (!bySeq.has(seq)) bySeq.set(seq, { at: Number(m[1]) * 1000, rtt: Number(m[3]) });
  }
  const errSeqs = new Set([...out.matchAll(/^\[\d+\.\d+\] From .*icmp_seq=(\d+) (.*)$/gm)].map((m) => Number(m[1])));
  const sum = /(\d+) packets transmitted, (\d+) received/.exec(out);
  const maxSeq = Math.max(0, ...bySeq.keys());
  const sent = sum ? Number(sum[1]) : maxSeq;
  // Every sequence number sent and not answered is lost, except the last one (it may have been in flight when ping stopped).
  let lost = 0;
  for (let s = 1; s < sent; s++) if (!bySeq.has(s)) lost++;
  const rtts = [...bySeq.values()].map((v) => v.rtt);
  const ats = [...bySeq.values()].map((v) => v.at).sort((p, q) => p - q);
  let maxGap = 0;
  for (let i = 1; i < ats.length; i++) maxGap = Math.max(maxGap, ats[i]! - ats[i - 1]!);
  const before = [...bySeq.values()].filter((v) => v.at - v.rtt < cmdStartUnix).map((v) => v.rtt);
  return {
    sent,
    received: bySeq.size,
    lost,
    unreachable: errSeqs.size,
    maxRtt: rtts.length ? Math.max(...rtts) : NaN,
    p99Rtt: quantile(rtts, 0.99),
    baseRtt: median(before),
    maxGap,
  };
}

// ---------------------------------------------------------------- measurements

interface RestoreRun {
  size: number;
  sys: SysName;
  run: number;
  ms: number; // Infinity = timeout
  error?: string;
  ping: PingStats;
  /** rawgate: how long the daemon still worked after the CLI timed out. */
  idleWaitMs?: number;
  /** rawgate: worst latency of the control socket's liveness op during the restore. */
  ctlPingMaxMs?: number;
  ctlPings?: number;
  /** rawgate: `rawgate iptables -L INPUT -n` issued PROBE_AFTER_MS into the restore. */
  listMs?: number;
  /** rawgate: rules in its active ruleset afterwards (metrics). */
  rulesAfter?: number;
}

const OP_NAMES = ['-A', '-R', '-D spec', '-D num'] as const;
type OpName = (typeof OP_NAMES)[number];
const OP_LABEL: Record<OpName, string> = {
  '-A': 'one `-A` (append)',
  '-R': 'one `-R` (replace by number)',
  '-D spec': 'one `-D` by rule spec',
  '-D num': 'one `-D` by rule number',
};

interface OpRun {
  sys: SysName;
  op: OpName;
  run: number;
  ms: number;
  error?: string;
}

interface State {
  started: Date;
  t0: number;
  files: Map<number, string>;
  restores: RestoreRun[];
  ops: OpRun[];
  /** Runs not made (budget, daemon stuck), with the reason. */
  skipped: string[];
  floors: { wrapper: number[]; nodeCli: number[] };
  env: string;
  fileBytes: Map<number, number>;
  incomplete?: string;
  /** What runs now and since when (ms), for the report when the hard deadline strikes. */
  current?: { what: string; since: number };
}

const elapsedS = (st: State) => (now() - st.t0) / 1000;
const leftS = (st: State) => BUDGET_S - elapsedS(st);

/** Worst observed cost (ms) of a rawgate restore of this size so far, including any wait after a timeout. */
function restoreEstimate(st: State, size: number): number {
  const runs = st.restores.filter((r) => r.sys === 'rawgate' && r.size === size);
  if (runs.length === 0) return NaN;
  return Math.max(...runs.map((r) => (r.ms === Infinity ? TIMEOUT_MS : r.ms) + (r.idleWaitMs ?? 0)));
}

let rawgateStuck = false;

async function restoreRun(x: Ctx, st: State, sys: SysName, size: number, run: number): Promise<void> {
  const file = st.files.get(size)!;
  const lab = sys === 'rawgate' ? x.rlab : x.klab;
  st.current = { what: `${sys} restore of ${fmtInt(size)} rules (run ${run})`, since: now() };
  // Same starting state every run: empty filter tables.
  if (sys === 'rawgate') {
    const r = await controlRequest(x.rg.socketPath, { op: 'iptables-restore', argv: [], input: EMPTY_FILTER }, { timeoutMs: TIMEOUT_MS });
    if (r.status !== 0) throw new Error(`rawgate: emptying the filter table failed: ${r.stderr}`);
  } else flushKernel(x);

  const ping = startPing(lab);
  await sleep(PING_LEAD_MS);
  cmdStartUnix = Date.now();
  const cmd = timed(nsOf(x, sys), restoreArgv(x, sys), { stdinFile: file, timeoutMs: sys === 'rawgate' ? TIMEOUT_MS : 120_000 });
  let finished = false;
  void cmd.then(() => (finished = true));
  const rec: RestoreRun = { size, sys, run, ms: NaN, ping: undefined as unknown as PingStats };
  let ctlLoop: Promise<void> = Promise.resolve();
  let probe: Promise<void> = Promise.resolve();
  let stopCtl = false;
  if (sys === 'rawgate') {
    const lat: number[] = [];
    ctlLoop = (async () => {
      while (!stopCtl) {
        const t0 = now();
        try {
          await controlRequest(x.rg.socketPath, { op: 'ping', argv: [] }, { timeoutMs: TIMEOUT_MS + 60_000 });
          lat.push(now() - t0);
        } catch {
          lat.push(Infinity);
        }
        await sleep(100);
      }
      rec.ctlPingMaxMs = lat.length ? Math.max(...lat) : NaN;
      rec.ctlPings = lat.length;
    })();
    probe = (async () => {
      await sleep(PROBE_AFTER_MS);
      if (finished) return;
      const p = await timed(x.rlab.router, iptablesArgv(x, 'rawgate', ['-L', 'INPUT', '-n']), { timeoutMs: TIMEOUT_MS });
      rec.listMs = p.timedOut ? Infinity : p.status === 0 ? p.ms : NaN;
    })();
  }
  const r = await cmd;
  if (r.timedOut) {
    rec.ms = Infinity;
    if (sys === 'rawgate') {
      log(`rawgate restore of ${fmtInt(size)} rules: no answer within ${TIMEOUT_MS / 1000} s; waiting for the daemon to finish`);
      rec.idleWaitMs = await waitIdle(x, Math.max(5000, leftS(st) * 1000));
      if (rec.idleWaitMs === Infinity) {
        rawgateStuck = true;
        log('rawgate did not become idle within the budget: no more rawgate runs');
      } else log(`rawgate finished ${fmtDur(rec.idleWaitMs)} after the CLI gave up`);
    }
  } else if (r.status !== 0) {
    rec.error = `exit ${r.status}: ${r.stderr.trim().slice(0, 300)}`;
    log(`${sys} restore of ${size} failed: ${rec.error}`);
  } else rec.ms = r.ms;
  stopCtl = true;
  await Promise.all([ctlLoop, probe]);
  await sleep(PING_TAIL_MS);
  rec.ping = await ping.stop();
  if (sys === 'rawgate' && !rawgateStuck) rec.rulesAfter = rawgateRuleCount(x);
  st.restores.push(rec);
  log(`restore ${fmtInt(size)} run ${run} ${sys}: ${rec.error ? 'ERROR' : fmtDur(rec.ms)}; ping through the router: max ${fmtDur(rec.ping.maxRtt)}, p99 ${fmtDur(rec.ping.p99Rtt)}, lost ${lostText(rec.ping)}, longest reply gap ${fmtDur(rec.ping.maxGap)}` +
    (sys === 'rawgate' ? `; control ping worst ${fmtDur(rec.ctlPingMaxMs ?? NaN)} over ${rec.ctlPings}, -L INPUT ${rec.listMs === undefined ? 'not issued (restore done)' : fmtDur(rec.listMs)}, rules now ${fmtInt(rec.rulesAfter ?? NaN)}` : ''));
}

/** The single-command cycle: -A X, -R n+1 Y, -D Y, -A X, -D n+1 (the set ends as it began). */
function opCycle(size: number): [OpName, string[]][] {
  const x = ['FORWARD', '-s', '192.0.2.1/32', '-d', '198.51.100.1/32', '-p', 'tcp', '-m', 'tcp', '--dport', '4242', '-j', 'ACCEPT'];
  const y = ['-s', '192.0.2.2/32', '-d', '198.51.100.2/32', '-p', 'tcp', '-m', 'tcp', '--dport', '4243', '-j', 'ACCEPT'];
  const n = String(size + 1);
  return [
    ['-A', ['-A', ...x]],
    ['-R', ['-R', 'FORWARD', n, ...y]],
    ['-D spec', ['-D', 'FORWARD', ...y]],
    ['-A', ['-A', ...x]],
    ['-D num', ['-D', 'FORWARD', n]],
  ];
}

async function opsRuns(x: Ctx, st: State, sys: SysName, runs: number[]): Promise<void> {
  for (const run of runs) {
    for (const [op, args] of opCycle(OPS_SIZE)) {
      if (sys === 'rawgate') {
        if (rawgateStuck) return;
        const prev = st.ops.filter((o) => o.sys === 'rawgate').map((o) => (o.ms === Infinity ? TIMEOUT_MS : o.ms));
        const est = prev.length ? Math.max(...prev) : 0;
        if (leftS(st) * 1000 < est + 10_000) {
          st.skipped.push(`rawgate ${op} run ${run} and the rest of its cycles: budget (${fmtDur(leftS(st) * 1000)} left, a command took up to ${fmtDur(est)})`);
          return;
        }
      }
      st.current = { what: `${sys} ${op} on ${fmtInt(OPS_SIZE)} rules (run ${run})`, since: now() };
      const r = await timed(nsOf(x, sys), iptablesArgv(x, sys, args), { timeoutMs: sys === 'rawgate' ? TIMEOUT_MS : 120_000 });
      const rec: OpRun = { sys, op, run, ms: r.timedOut ? Infinity : r.ms };
      if (!r.timedOut && r.status !== 0) {
        rec.ms = NaN;
        rec.error = `exit ${r.status}: ${r.stderr.trim().slice(0, 300)}`;
      }
      st.ops.push(rec);
      log(`${op} run ${run} ${sys}: ${rec.error ? `ERROR ${rec.error}` : fmtDur(rec.ms)}`);
      if (rec.error) return; // the cycle's rule numbers no longer hold
      if (r.timedOut && sys === 'rawgate') {
        const w = await waitIdle(x, Math.max(5000, leftS(st) * 1000));
        if (w === Infinity) rawgateStuck = true;
        st.skipped.push(`rawgate: further single commands after a timeout of ${op}`);
        return;
      }
    }
  }
}

/** Make sure rawgate's filter table holds the ops set (the last restore may have been of another size, or timed out). */
async function rawgateLoadOpsSet(x: Ctx, st: State): Promise<boolean> {
  const want = OPS_SIZE;
  if (rawgateRuleCount(x) === want) return true;
  const est = restoreEstimate(st, want);
  if (!(leftS(st) * 1000 > (Number.isFinite(est) ? est : TIMEOUT_MS) + 20_000)) {
    st.skipped.push(`rawgate single commands: no time left to load the ${fmtInt(want)}-rule set`);
    return false;
  }
  const r = await timed(x.rlab.router, restoreArgv(x, 'rawgate'), { stdinFile: st.files.get(want)!, timeoutMs: TIMEOUT_MS });
  if (r.timedOut && (await waitIdle(x, Math.max(5000, leftS(st) * 1000))) === Infinity) rawgateStuck = true;
  const n = rawgateRuleCount(x);
  if (n !== want) {
    st.skipped.push(`rawgate single commands: the ${fmtInt(want)}-rule set did not load (${fmtInt(n)} rules active)`);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- report

function cell(samples: number[], planned: number): string {
  if (samples.length === 0) return 'not run';
  const m = median(samples);
  const to = samples.filter((v) => v === Infinity).length;
  const err = samples.filter((v) => Number.isNaN(v)).length;
  const ok = samples.filter((v) => Number.isFinite(v));
  let s = err === samples.length ? 'error' : to === samples.length ? `timeout (> ${TIMEOUT_MS / 1000} s)` : fmtDur(Number.isNaN(m) ? median(ok) : m);
  const notes: string[] = [];
  if (to > 0 && to < samples.length) notes.push(`${to} timeout`);
  if (err > 0 && err < samples.length) notes.push(`${err} error`);
  if (samples.length < planned) notes.push(`${samples.length} of ${planned} runs`);
  if (notes.length) s += ` (${notes.join(', ')})`;
  return s;
}

/** Median with timeouts as +∞ and errors dropped. */
const med = (a: number[]) => median(a.filter((v) => !Number.isNaN(v)));

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'met' : '**NOT met**';
}

const lostText = (p: PingStats) => `${p.lost}/${fmtInt(p.sent)}${p.unreachable ? ` (${p.unreachable} unreachable)` : ''}${p.endedEarly !== undefined ? ' (ping ended early!)' : ''}`;

function report(st: State): string {
  const restoreSamples = (sys: SysName, size: number) => st.restores.filter((r) => r.sys === sys && r.size === size).map((r) => (r.error ? NaN : r.ms));
  const opSamples = (sys: SysName, op: OpName) => st.ops.filter((o) => o.sys === sys && o.op === op).map((o) => o.ms);
  const opPlanned = (op: OpName) => (op === '-A' ? 2 * RUNS : RUNS);
  const rows: string[] = [
    `| measurement | ${SYSTEMS.map((s) => SYS_LABEL[s]).join(' | ')} | target | target met by rawgate? |`,
    '|---|---:|---:|---:|---|---|',
  ];
  for (const size of SIZES) {
    const r = med(restoreSamples('rawgate', size));
    const k = med(restoreSamples('nft', size));
    rows.push(`| restore ${fmtInt(size)} rules, median | ${SYSTEMS.map((s) => cell(restoreSamples(s, size), RUNS)).join(' | ')} | ≤ iptables-nft | ${verdict(Number.isNaN(r) || Number.isNaN(k) ? null : r <= k)} |`);
  }
  for (const op of OP_NAMES) {
    const r = med(opSamples('rawgate', op));
    // The target is the kernel's time: the faster of its two tools (iptables-nft fetches the whole chain for -R/-D).
    const kn = med(opSamples('nft', op));
    const kl = med(opSamples('legacy', op));
    const [kName, k] = Number.isNaN(kl) || kn <= kl ? ['iptables-nft', kn] : ['iptables-legacy', kl];
    rows.push(`| ${OP_LABEL[op]} on ${fmtInt(OPS_SIZE)} rules, median | ${SYSTEMS.map((s) => cell(opSamples(s, op), opPlanned(op))).join(' | ')} | ≤ the faster kernel tool (${kName}) | ${verdict(Number.isNaN(r) || Number.isNaN(k) ? null : r <= k)} |`);
  }
  const big = OPS_SIZE;
  const pingRuns = (sys: SysName) => st.restores.filter((r) => r.sys === sys && r.size === big);
  const worst = (sys: SysName, f: (p: PingStats) => number) => {
    const v = pingRuns(sys).map((r) => f(r.ping)).filter((n) => !Number.isNaN(n));
    return v.length ? Math.max(...v) : NaN;
  };
  const rgMax = pingRuns('rawgate').some((r) => r.ping.endedEarly !== undefined || r.ping.lost > 0) ? Infinity : worst('rawgate', (p) => p.maxRtt);
  rows.push(`| ping through the router during a ${fmtInt(big)}-rule restore: worst RTT over ${pingRuns('rawgate').length} · ${pingRuns('nft').length} · ${pingRuns('legacy').length} runs | ${SYSTEMS.map((s) => fmtDur(worst(s, (p) => p.maxRtt))).join(' | ')} | ≤ ${TARGET_PING_MS} ms, none lost | ${verdict(Number.isNaN(rgMax) ? null : rgMax <= TARGET_PING_MS)} |`);
  rows.push(`| … p99 RTT (worst run) | ${SYSTEMS.map((s) => fmtDur(worst(s, (p) => p.p99Rtt))).join(' | ')} | | |`);
  rows.push(`| … longest gap between replies (worst run; ping sends every ${PING_INTERVAL_S * 1000} ms) | ${SYSTEMS.map((s) => fmtDur(worst(s, (p) => p.maxGap))).join(' | ')} | | |`);
  const lostCell = (sys: SysName) => {
    const rs = pingRuns(sys);
    return rs.length ? rs.map((r) => lostText(r.ping)).join(', ') : 'n/a';
  };
  rows.push(`| … packets lost / sent, per run | ${SYSTEMS.map(lostCell).join(' | ')} | 0 | |`);
  rows.push(`| … RTT before the command (median, worst run) | ${SYSTEMS.map((s) => fmtDur(worst(s, (p) => p.baseRtt))).join(' | ')} | | |`);
  const rgRuns = pingRuns('rawgate');
  const ctl = rgRuns.map((r) => r.ctlPingMaxMs ?? NaN).filter((n) => !Number.isNaN(n));
  const list = rgRuns.map((r) => r.listMs).filter((n): n is number => n !== undefined);
  rows.push(`| control socket liveness op (\`ping\`, not queued) during a ${fmtInt(big)}-rule restore: worst latency | ${ctl.length ? fmtDur(Math.max(...ctl)) : 'n/a'} | | | | |`);
  rows.push(`| \`rawgate iptables -L INPUT -n\` issued ${PROBE_AFTER_MS / 1000} s into a ${fmtInt(big)}-rule restore: worst time to answer | ${list.length ? fmtDur(Math.max(...list)) : 'n/a (restore over before)'} | | | | |`);
  rows.push(`| floor: \`ip netns exec <ns> true\` (the wrapper every command here runs under), median | ${fmtDur(median(st.floors.wrapper))} | ${fmtDur(median(st.floors.wrapper))} | ${fmtDur(median(st.floors.wrapper))} | | |`);
  rows.push(`| floor: \`rawgate --version\` (Node start-up of the CLI, no daemon call), median | ${fmtDur(median(st.floors.nodeCli))} | | | | |`);

  const rawRestore = ['| size | run | system | time | ping worst RTT | p99 | lost/sent | longest gap | control ping worst | `-L INPUT` | rules active after | note |', '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|'];
  for (const r of st.restores) {
    rawRestore.push(`| ${fmtInt(r.size)} | ${r.run} | ${r.sys} | ${r.error ? 'error' : fmtDur(r.ms)} | ${fmtDur(r.ping.maxRtt)} | ${fmtDur(r.ping.p99Rtt)} | ${lostText(r.ping)} | ${fmtDur(r.ping.maxGap)} | ${r.ctlPingMaxMs === undefined ? '' : fmtDur(r.ctlPingMaxMs)} | ${r.sys !== 'rawgate' ? '' : r.listMs === undefined ? 'not issued' : fmtDur(r.listMs)} | ${r.rulesAfter === undefined ? '' : fmtInt(r.rulesAfter)} | ${r.error ?? (r.idleWaitMs !== undefined ? `daemon busy ${fmtDur(r.idleWaitMs)} more after the CLI gave up` : '')} |`);
  }
  const rawOps = ['| run | system | ' + OP_NAMES.join(' | ') + ' |', '|---:|---|' + OP_NAMES.map(() => '---:|').join('')];
  for (let run = 1; run <= RUNS; run++) {
    for (const sys of SYSTEMS) {
      const mine = st.ops.filter((o) => o.run === run && o.sys === sys);
      if (mine.length === 0) continue;
      rawOps.push(`| ${run} | ${sys} | ${OP_NAMES.map((op) => mine.filter((o) => o.op === op).map((o) => (o.error ? 'error' : fmtDur(o.ms))).join(', ')).join(' | ')} |`);
    }
  }
  const notes: string[] = [];
  const rgAll = st.restores.filter((r) => r.sys === 'rawgate');
  const unreach = rgAll.filter((r) => r.ping.unreachable > 0);
  if (unreach.length > 0) {
    notes.push(`- In ${unreach.length} rawgate restore run(s) the LAN host's ping reported "Destination Host Unreachable": while rawgate's event loop was busy it answered no ARP either, so the host's neighbour entry for the router went stale, failed its probes and became INCOMPLETE. Until rawgate answered again the host queued ping's packets in that entry (ping's socket buffer full: it could not send, so the flow paused and "sent" is below 100/s × the window) and dropped them with an error each time resolution failed. Those packets count as lost.`);
  }
  const slow = rgAll.filter((r) => r.ping.maxRtt > 1000);
  if (slow.length > 0) {
    notes.push(`- Replies with RTTs of seconds are packets rawgate's packet socket held while it was busy and forwarded when it was free again (worst ${fmtDur(Math.max(...slow.map((r) => r.ping.maxRtt)))}).`);
  }
  const early = st.restores.filter((r) => r.ping.endedEarly !== undefined);
  for (const r of early) notes.push(`- ping ended on its own during restore ${r.size} run ${r.run} ${r.sys}: ${r.ping.endedEarly}; its figures cover only part of the window.`);
  const ctlBlocked = rgAll.filter((r) => (r.ctlPingMaxMs ?? 0) > 1000);
  if (ctlBlocked.length > 0) {
    notes.push(`- The control socket's liveness op, which does not queue behind commands, took up to ${fmtDur(Math.max(...ctlBlocked.map((r) => r.ctlPingMaxMs!)))} to answer during restores: the daemon's event loop (which also forwards packets) was blocked for about that long.`);
  }
  const cliFloor = median(st.floors.nodeCli);
  const kernelOps = st.ops.filter((o) => o.sys !== 'rawgate' && Number.isFinite(o.ms)).map((o) => o.ms);
  if (kernelOps.length > 0 && cliFloor > Math.min(...kernelOps)) {
    notes.push(`- The rawgate CLI's start-up alone (\`rawgate --version\`, no daemon call: ${fmtDur(cliFloor)}) is longer than the kernel's fastest single command here (${fmtDur(Math.min(...kernelOps))}): the single-command target needs a faster client as well as a faster daemon.`);
  }
  const errors = [...st.restores.filter((r) => r.error).map((r) => `- restore ${r.size} run ${r.run} ${r.sys}: ${r.error}`), ...st.ops.filter((o) => o.error).map((o) => `- ${o.op} run ${o.run} ${o.sys}: ${o.error}`)];
  const sizes = SIZES.map((s) => `${fmtInt(s)} rules (${fmtInt((st.fileBytes.get(s) ?? 0) / 1024)} KiB)`).join(', ');
  return [
    '# Control-plane benchmark: iptables commands, rawgate vs the kernel',
    '',
    ...(st.incomplete ? [`**INCOMPLETE: ${st.incomplete}**`, ''] : []),
    `- date: ${st.started.toISOString()}`,
    '- command: `npm run bench:control`' + (argv.length ? ` (args: \`${argv.join(' ')}\`)` : ''),
    `- machine: ${st.env}; shared with other work and noisy`,
    `- bench wall time: ${elapsedS(st).toFixed(0)} s (budget ${BUDGET_S} s, per rawgate command timeout ${TIMEOUT_MS / 1000} s)`,
    '',
    '## Summary',
    '',
    `Medians of ${RUNS} run(s); every time is one whole command, from spawn to exit, under \`ip netns exec\`. "timeout" = no answer within ${TIMEOUT_MS / 1000} s (the CLI was killed). The last column checks rawgate against the target.`,
    '',
    ...rows,
    '',
    ...(st.skipped.length ? ['Not measured:', '', ...st.skipped.map((s) => `- ${s}`), ''] : []),
    ...(errors.length ? ['Errors:', '', ...errors, ''] : []),
    ...(notes.length ? ['## Notes', '', ...notes, ''] : []),
    '## Method',
    '',
    `- Files: \`generateAcl({ rules: n - 1, seed: ${SEED} })\` + \`toIptablesRestore\` (scripts/classbench: ClassBench-style ACL in filter FORWARD, policy DROP, last rule a catch-all DROP), with \`-A FORWARD -s 10.0.0.0/8 -d 10.0.0.0/8 -p icmp -j ACCEPT\` inserted as the first rule so the lab's ping flow passes; n rules in all: ${sizes}. The same file for all three.`,
    `- rawgate: \`rawgate run\` in the router namespace of a lab from \`src/lab\` (\`withGuests: false\`, log level warn); the command is \`ip netns exec <router> iptables-restore --socket <sock> < file\` (and \`… iptables --socket <sock> <args>\`) with the native client (\`native/build/Release/rawgate-client\`, what npm installs under those names; \`--node-cli\`: \`node dist/src/cli/main.js\` instead): the client reads the file, sends it over the control socket, waits for the answer (the daemon parses, compiles and swaps in the new ruleset before it answers) and exits.`,
    '- Kernel: `ip netns exec <ns> iptables-nft-restore -w < file` / `iptables-legacy-restore -w < file` (and `iptables-nft -w …` / `iptables-legacy -w …`) in the router namespace of a kernel-forwarding twin lab (never the root namespace). Before every restore run both the nft and the legacy filter table there are emptied (an empty `*filter` restored with each tool), and rawgate gets an empty filter table too, untimed: every restore starts from the same empty state.',
    `- Single commands: on the ${fmtInt(OPS_SIZE)}-rule set, per run the cycle \`-A FORWARD -s 192.0.2.1/32 -d 198.51.100.1/32 -p tcp -m tcp --dport 4242 -j ACCEPT\`, \`-R FORWARD ${OPS_SIZE + 1} <spec Y>\`, \`-D FORWARD <spec Y>\` (matching it means comparing with the rules before it), \`-A\` again, \`-D FORWARD ${OPS_SIZE + 1}\`; both \`-A\` count as samples. The kernel's set is loaded with each tool in turn (the other flushed).`,
    `- Ping: \`ping -n -D -i ${PING_INTERVAL_S}\` from the LAN host to the WAN host, through the router whose ruleset is being replaced (rawgate's lab for rawgate, the kernel twin for nft and legacy), from ${PING_LEAD_MS / 1000} s before the restore command to ${PING_TAIL_MS / 1000} s after it ended (after a rawgate timeout: after the daemon answered again). RTTs per reply from ping's output (a late reply still counts, with its RTT); lost = sequence numbers sent and never answered (but the last one, which may have been in flight when ping was stopped), including ping's own errors ("Destination Host Unreachable"); gap = longest time between consecutive replies. Every restore run has it, so the restore times include a 100 packets/s flow through the router.`,
    `- rawgate only, during each restore: the control socket's \`ping\` op (answered without waiting behind queued commands, but only when the daemon's event loop is free) every 100 ms from the bench process, and one \`rawgate iptables -L INPUT -n\` CLI ${PROBE_AFTER_MS / 1000} s after the restore command started (if it was still running).`,
    `- Order: first run of every restore size (nft, legacy, rawgate), then all single-command runs, then the remaining restore runs; a rawgate run is skipped when the time it took before would overrun the budget.`,
    '',
    '## Runs',
    '',
    ...rawRestore,
    '',
    ...rawOps,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!isRoot()) {
    console.error('bench:control needs root (it creates network namespaces); nothing was run.');
    process.exitCode = 1;
    return;
  }
  if (SIZES.length === 0) throw new Error('--sizes: give rule counts ≥ 2, e.g. --sizes 10000,50000');
  const st: State = {
    started: new Date(),
    t0: now(),
    files: new Map(),
    fileBytes: new Map(),
    restores: [],
    ops: [],
    skipped: [],
    floors: { wrapper: [], nodeCli: [] },
    env: `${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), Linux ${release()}, Node ${process.version}`,
  };
  const finish = (md: string) => {
    process.stdout.write(`${md}\n`);
    if (WRITE) {
      const file = path.join(repoRoot(), 'bench', 'RESULTS-control.md');
      writeFileSync(file, md);
      log(`wrote ${file}`);
    }
  };
  const deadline = setTimeout(() => {
    log(`hard deadline of ${DEADLINE_MS / 1000} s reached, tearing down`);
    st.incomplete = `the hard deadline of ${DEADLINE_MS / 1000} s ended the run` +
      (st.current ? ` while the ${st.current.what} had been running for ${fmtDur(now() - st.current.since)}` : '');
    try {
      finish(report(st));
    } finally {
      process.exit(3); // the labs' exit hook removes every namespace of this run
    }
  }, DEADLINE_MS);
  deadline.unref();

  const bins = {
    nft: findBin('iptables-nft'),
    nftRestore: findBin('iptables-nft-restore'),
    legacy: findBin('iptables-legacy'),
    legacyRestore: findBin('iptables-legacy-restore'),
  };
  const main = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  let rg: RawgateRun | undefined;
  const labs: Lab[] = [];
  try {
    log('building the rawgate lab and the kernel twin');
    const { rlab, klab } = twinLabs(labs, log);
    rg = await startRawgate(rlab, { logLevel: 'warn', ...(NODE_ARGS.length > 0 ? { nodeArgs: NODE_ARGS } : {}) });
    // The native client (what npm installs as iptables / iptables-restore), named by symlinks; --node-cli: the Node CLI.
    const binDir = path.join(rlab.workDir, 'bin');
    mkdirSync(binDir, { recursive: true });
    const nativeClient = path.join(repoRoot(), 'native', 'build', 'Release', 'rawgate-client');
    for (const name of ['iptables', 'iptables-restore']) symlinkSync(nativeClient, path.join(binDir, name));
    const client: Ctx['client'] = NODE_CLI
      ? (command, socket) => [process.execPath, main, '--socket', socket, command]
      : (command, socket) => [path.join(binDir, command), '--socket', socket];
    const x: Ctx = { rlab, klab, rg, main, client, bins };
    for (const lab of [rlab, klab]) {
      const p = lab.exec(lab.lan.ns, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', lab.wan.hostAddr]);
      if (p.status !== 0) throw new Error(`${lab.kind}: LAN host cannot ping the WAN host:\n${p.stdout}${p.stderr}${lab === rlab ? rg.logs() : ''}`);
    }

    log(`generating ${SIZES.join(', ')}-rule files (seed ${SEED})`);
    for (const size of SIZES) {
      const text = toIptablesRestore(generateAcl({ rules: size - 1, seed: SEED }))
        .replace(/^(:OUTPUT .*\n)/m, '$1-A FORWARD -s 10.0.0.0/8 -d 10.0.0.0/8 -p icmp -j ACCEPT\n');
      const n = text.split('\n').filter((l) => l.startsWith('-A ')).length;
      if (n !== size) throw new Error(`generated ${n} rules, wanted ${size}`);
      const file = path.join(rlab.workDir, `acl-${size}.rules`);
      writeFileSync(file, text);
      st.files.set(size, file);
      st.fileBytes.set(size, Buffer.byteLength(text));
    }

    for (let i = 0; i < 3; i++) {
      st.floors.wrapper.push((await timed(klab.router, ['true'], { timeoutMs: 10_000 })).ms);
      st.floors.nodeCli.push((await timed(rlab.router, [process.execPath, main, '--version'], { timeoutMs: 30_000 })).ms);
    }
    log(`floors: ip netns exec ${fmtDur(median(st.floors.wrapper))}, rawgate --version ${fmtDur(median(st.floors.nodeCli))}`);

    const rawgateRestore = async (size: number, run: number, first: boolean) => {
      if (rawgateStuck) {
        st.skipped.push(`rawgate restore ${fmtInt(size)} run ${run}: the daemon did not finish an earlier command`);
        return;
      }
      const est = restoreEstimate(st, size);
      const need = first ? 30_000 : (Number.isFinite(est) ? est : TIMEOUT_MS) + 15_000;
      if (leftS(st) * 1000 < need) {
        st.skipped.push(`rawgate restore ${fmtInt(size)} run ${run}: budget (${fmtDur(leftS(st) * 1000)} left, the run needs about ${fmtDur(need)})`);
        return;
      }
      await restoreRun(x, st, 'rawgate', size, run);
    };

    // 1. First run of every restore size.
    for (const size of SIZES) {
      await restoreRun(x, st, 'nft', size, 1);
      await restoreRun(x, st, 'legacy', size, 1);
      await rawgateRestore(size, 1, true);
    }

    // 2. Single commands on the largest set, every run.
    const runs = Array.from({ length: RUNS }, (_, i) => i + 1);
    for (const sys of ['nft', 'legacy'] as const) {
      flushKernel(x);
      loadKernel(x, sys, st.files.get(OPS_SIZE)!);
      await opsRuns(x, st, sys, runs);
    }
    flushKernel(x);
    if (!rawgateStuck && (await rawgateLoadOpsSet(x, st))) await opsRuns(x, st, 'rawgate', runs);

    // 3. The remaining restore runs.
    for (let run = 2; run <= RUNS; run++) {
      for (const size of SIZES) {
        if (leftS(st) > 20) {
          await restoreRun(x, st, 'nft', size, run);
          await restoreRun(x, st, 'legacy', size, run);
        } else st.skipped.push(`kernel restores ${fmtInt(size)} run ${run}: budget`);
        await rawgateRestore(size, run, false);
      }
    }
    flushKernel(x);

    finish(report(st));
    const stop = await rg.stop();
    if (stop.code !== 0) log(`rawgate exited with ${stop.code ?? stop.signal}; log tail:\n${stop.logs.slice(-2000)}`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    if (rg) await rg.stop(3000).catch(() => undefined);
    finishLabs(labs, log);
    clearTimeout(deadline);
  }
}

runBench(main);
