/**
 * Command-line benchmark (`npm run bench:cli`, root only): what one iptables
 * call costs through rawgate's Node CLI, through its native client
 * (native/build/Release/rawgate-client) and through the kernel's own tools,
 * and what a tutorial-style firewall script of 44 calls costs with each.
 *
 * - Per call: `iptables -L -n` (on the firewall script's ruleset), N calls
 *   each, median and p90: `node dist/src/cli/main.js iptables -L -n`, the
 *   native client under the name `iptables`, the same through a minimal
 *   POSIX sh shim (`exec client "$@"`: what installing a shell shim instead
 *   of linking the client would add), `iptables-nft -L -n`,
 *   `iptables-legacy -L -n`, and `/bin/true` (the cost of starting any
 *   process here).
 * - Script: bench/firewall-tutorial.sh (policies, -N user chains, -A rules
 *   with state/tcp/udp/icmp/limit/LOG, -P) run by `sh` with IPTABLES= pointed
 *   at each; wall time per run. Every run starts with -F -X -Z, so each one
 *   does the same work. Target: rawgate with the native client ≤ 2 × the
 *   kernel's time (the faster of iptables-nft and iptables-legacy).
 *
 * rawgate runs as `rawgate run` in the router namespace of a lab from
 * src/lab (no guests, log level warn) and the kernel's tools in the router
 * namespace of a kernel twin lab: never in this machine's own namespace.
 * Every series runs inside its namespace under one `ip netns exec … bash`,
 * timed there with bash's $EPOCHREALTIME around each command, so the
 * wrapper's own start-up is not in the figures. Runs of the different
 * systems are interleaved. The namespaces are removed at the end, also on
 * failure and on Ctrl-C.
 *
 * Options: --calls 30 --node-calls 10 --runs 5 --node-runs 2 --no-write
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import * as path from 'node:path';
import { createLab, isRoot, repoRoot, startRawgate } from '../src/lab/index.js';
import { finishLabs, runBench } from './labs.js';
import type { Lab, RawgateRun } from '../src/lab/index.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Math.floor(Number(argv[i + 1])) : dflt;
  return Number.isFinite(v) && v >= 1 ? v : dflt;
};
const CALLS = opt('--calls', 30);
const NODE_CALLS = opt('--node-calls', 10);
const RUNS = opt('--runs', 5);
const NODE_RUNS = opt('--node-runs', 2);
const WRITE = !argv.includes('--no-write');
const TARGET_FACTOR = 2;
/** Hard cap on the whole run; the labs' exit hook removes the namespaces. */
const DEADLINE_MS = 15 * 60 * 1000;

const log = (s: string) => process.stderr.write(`[bench:cli] ${s}\n`);
const fmtDur = (ms: number): string => {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
};
const quantile = (a: number[], q: number): number => {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const median = (a: number[]): number => {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function findBin(name: string): string {
  for (const d of ['/usr/sbin', '/sbin', '/usr/bin']) {
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} not found (apt-get install -y iptables)`);
}

// ---------------------------------------------------------------- timing inside a namespace

/** Runs "$@" $1 times; one line per call: status, start, end ($EPOCHREALTIME, s). Stops at the first failure (its stderr on ours). */
const CALLS_SH = `export LC_ALL=C
n=$1; shift
err=$(mktemp)
for ((i = 0; i < n; i++)); do
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>"$err"
  rc=$?
  t1=$EPOCHREALTIME
  echo "$rc $t0 $t1"
  if [ $rc -ne 0 ]; then cat "$err" >&2; break; fi
done
rm -f "$err"`;

/** One run of the firewall script with IPTABLES=$1: status, start, end. */
const SCRIPT_SH = `export LC_ALL=C
err=$(mktemp)
t0=$EPOCHREALTIME
IPTABLES="$1" sh "$2" >/dev/null 2>"$err"
rc=$?
t1=$EPOCHREALTIME
echo "$rc $t0 $t1"
if [ $rc -ne 0 ]; then cat "$err" >&2; fi
rm -f "$err"`;

interface Series {
  ms: number[];
  error?: string;
}

function parseTimes(stdout: string): { rc: number; ms: number }[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [rc, t0, t1] = l.split(' ');
      return { rc: Number(rc), ms: (Number(t1) - Number(t0)) * 1000 };
    });
}

function bashIn(lab: Lab, ns: string, script: string, args: string[], env: Record<string, string>, timeoutMs: number) {
  const envArgv = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return lab.exec(ns, ['env', ...envArgv, 'bash', '-c', script, 'bash', ...args], { timeoutMs });
}

function callSeries(lab: Lab, ns: string, n: number, cmd: string[], env: Record<string, string>): Series {
  const r = bashIn(lab, ns, CALLS_SH, [String(n), ...cmd], env, Math.max(60_000, n * 10_000));
  const rows = parseTimes(r.stdout);
  const bad = rows.find((x) => x.rc !== 0);
  if (r.status !== 0 || bad || rows.length !== n) {
    return { ms: rows.filter((x) => x.rc === 0).map((x) => x.ms), error: `exit ${bad?.rc ?? r.status}: ${r.stderr.trim().slice(0, 300)}` };
  }
  return { ms: rows.map((x) => x.ms) };
}

function scriptRun(lab: Lab, ns: string, iptables: string, script: string, env: Record<string, string>): { ms: number; error?: string } {
  const r = bashIn(lab, ns, SCRIPT_SH, [iptables, script], env, 300_000);
  const [row] = parseTimes(r.stdout);
  if (r.status !== 0 || !row || row.rc !== 0) return { ms: NaN, error: `exit ${row?.rc ?? r.status}: ${r.stderr.trim().slice(0, 300)}` };
  return { ms: row.ms };
}

// ---------------------------------------------------------------- systems

type Sys = 'node' | 'native' | 'nft' | 'legacy';
const SYSTEMS: Sys[] = ['node', 'native', 'nft', 'legacy'];
const LABEL: Record<Sys, string> = {
  node: 'rawgate, Node CLI',
  native: 'rawgate, native client',
  nft: 'iptables-nft (kernel)',
  legacy: 'iptables-legacy (kernel)',
};

interface Ctx {
  rlab: Lab;
  klab: Lab;
  rg: RawgateRun;
  /** The iptables command (one word, or words the script splits) per system. */
  iptables: Record<Sys, string>;
  /** The same as argv. */
  argv: Record<Sys, string[]>;
  shim: string;
  env: Record<string, string>;
}

const nsOf = (x: Ctx, s: Sys | 'shim' | 'floor') => (s === 'nft' || s === 'legacy' || s === 'floor' ? x.klab.router : x.rlab.router);

// ---------------------------------------------------------------- main

interface State {
  started: Date;
  env: string;
  calls: Map<string, Series>;
  scripts: Map<Sys, { ms: number[]; errors: string[] }>;
  sameRuleset: string;
  scriptCalls: number;
  incomplete?: string;
}

function report(st: State): string {
  const c = (k: string) => st.calls.get(k);
  const callCell = (k: string) => {
    const s = c(k);
    if (!s) return 'not run';
    if (s.ms.length === 0) return 'error';
    return `${fmtDur(median(s.ms))} (p90 ${fmtDur(quantile(s.ms, 0.9))}, n=${s.ms.length})${s.error ? ' (error)' : ''}`;
  };
  const sc = (s: Sys) => st.scripts.get(s);
  const scriptMed = (s: Sys) => median(sc(s)?.ms ?? []);
  const scriptCell = (s: Sys) => {
    const r = sc(s);
    if (!r || r.ms.length === 0) return r?.errors.length ? 'error' : 'not run';
    return `${fmtDur(scriptMed(s))} (n=${r.ms.length}${r.errors.length ? `, ${r.errors.length} error` : ''})`;
  };
  const perCall = (s: Sys) => fmtDur(scriptMed(s) / st.scriptCalls);
  const kn = scriptMed('nft');
  const kl = scriptMed('legacy');
  const [kName, k] = Number.isNaN(kl) || kn <= kl ? ['iptables-nft', kn] : ['iptables-legacy', kl];
  const rn = scriptMed('native');
  const met = Number.isNaN(rn) || Number.isNaN(k) ? 'n/a' : rn <= TARGET_FACTOR * k ? 'met' : '**NOT met**';
  const ratio = (s: Sys) => (Number.isNaN(scriptMed(s)) || Number.isNaN(k) ? 'n/a' : `${(scriptMed(s) / k).toFixed(2)} ×`);
  const rows = [
    `| measurement | ${SYSTEMS.map((s) => LABEL[s]).join(' | ')} |`,
    `|---|${SYSTEMS.map(() => '---:').join('|')}|`,
    `| one \`iptables -L -n\`, median per call | ${SYSTEMS.map((s) => callCell(s)).join(' | ')} |`,
    `| firewall script, ${st.scriptCalls} calls: wall time, median of runs | ${SYSTEMS.map(scriptCell).join(' | ')} |`,
    `| … per call | ${SYSTEMS.map(perCall).join(' | ')} |`,
    `| … relative to the faster kernel tool (${kName}) | ${SYSTEMS.map(ratio).join(' | ')} |`,
  ];
  const extra = [
    '| floor / variant | median per call |',
    '|---|---:|',
    `| \`/bin/true\` (starting any process in this namespace) | ${callCell('floor')} |`,
    `| native client through a POSIX sh shim (\`#!/bin/sh\` + \`exec client "$@"\`), \`iptables -L -n\` | ${callCell('shim')} |`,
    `| native client directly (the row above, for comparison) | ${callCell('native')} |`,
  ];
  const errors: string[] = [];
  for (const [k2, s] of st.calls) if (s.error) errors.push(`- \`-L -n\` ${k2}: ${s.error}`);
  for (const [s, r] of st.scripts) for (const e of r.errors) errors.push(`- script ${s}: ${e}`);
  const runs = ['| system | runs (wall time of the whole script) |', '|---|---|'];
  for (const s of SYSTEMS) runs.push(`| ${LABEL[s]} | ${(sc(s)?.ms ?? []).map(fmtDur).join(', ')} |`);
  return [
    '# Command-line benchmark: one iptables call, rawgate (Node CLI, native client) vs the kernel',
    '',
    ...(st.incomplete ? [`**INCOMPLETE: ${st.incomplete}**`, ''] : []),
    `- date: ${st.started.toISOString()}`,
    '- command: `npm run bench:cli`' + (argv.length ? ` (args: \`${argv.join(' ')}\`)` : ''),
    `- machine: ${st.env}; shared with other work and noisy`,
    '',
    '## Summary',
    '',
    `Target: the firewall script through rawgate's native client in ≤ ${TARGET_FACTOR} × the kernel's wall time (the faster of its two tools, here ${kName}): **${met}** (${ratio('native')}).`,
    '',
    ...rows,
    '',
    ...extra,
    '',
    `Both rulesets after the script: ${st.sameRuleset}.`,
    '',
    ...(errors.length ? ['Errors:', '', ...errors, ''] : []),
    '## Method',
    '',
    `- rawgate: \`rawgate run\` in the router namespace of a lab from \`src/lab\` (\`withGuests: false\`, log level warn; its dataplane forwards on the lab's ports, and every change compiles and is applied before the command answers). Node CLI: \`node dist/src/cli/main.js iptables …\` with RAWGATE_SOCKET set; native client: native/build/Release/rawgate-client under the name \`iptables\` (a symlink, as npm's bin link is).`,
    '- Kernel: `/usr/sbin/iptables-nft` and `/usr/sbin/iptables-legacy` in the router namespace of a kernel twin lab (never the root namespace); the nft and legacy tables are separate, each tool gets its own copy of the ruleset.',
    `- \`-L -n\`: on the ruleset the firewall script leaves (loaded once with each system before the timed runs); ${CALLS} calls per system (${NODE_CALLS} for the Node CLI), one after another, each timed in a bash loop inside the namespace (\`$EPOCHREALTIME\` before and after the command, stdout to /dev/null): the figure is fork + exec + the command + its exit, with no \`ip netns exec\` in it.`,
    `- Script: bench/firewall-tutorial.sh, ${st.scriptCalls} iptables calls (-F -X -Z, three -P, five -N, -A rules with -m state, tcp (--syn, --tcp-flags, --dport), udp (--sport, --dport ranges), icmp (--icmp-type), limit, LOG (--log-prefix, --log-level), REJECT --reject-with tcp-reset, jumps to user chains), run as \`IPTABLES=<cmd> sh bench/firewall-tutorial.sh\`, timed in the namespace around the whole \`sh\`. ${RUNS} runs per system (${NODE_RUNS} for the Node CLI), interleaved (run 1 of every system, then run 2, …); every run starts with -F -X -Z, so every run does the same work from the same state.`,
    '- The sh shim row shows what shipping a shell shim instead of linking the client would cost: one more exec (of dash) per call, and a real shim would need more (readlink to find its package).',
    '',
    '## Runs',
    '',
    ...runs,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  if (!isRoot()) {
    console.error('bench:cli needs root (it creates network namespaces); nothing was run.');
    process.exitCode = 1;
    return;
  }
  const root = repoRoot();
  const client = path.join(root, 'native', 'build', 'Release', 'rawgate-client');
  const cliMain = path.join(root, 'dist', 'src', 'cli', 'main.js');
  const script = path.join(root, 'bench', 'firewall-tutorial.sh');
  if (!existsSync(client)) throw new Error(`${client} not found: run npm ci (or npm rebuild)`);
  for (const p of [client, cliMain, script, process.execPath]) if (/\s/.test(p)) throw new Error(`the bench splits command words on spaces: ${p} has one`);
  const scriptCalls = readFileSync(script, 'utf8').split('\n').filter((l) => l.startsWith('$IPT ')).length;
  const st: State = {
    started: new Date(),
    env: `${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), Linux ${release()}, Node ${process.version}`,
    calls: new Map(),
    scripts: new Map(SYSTEMS.map((s) => [s, { ms: [], errors: [] }])),
    sameRuleset: 'not compared',
    scriptCalls,
  };
  const finish = () => {
    const md = report(st);
    process.stdout.write(`${md}\n`);
    if (WRITE) {
      const file = path.join(root, 'bench', 'RESULTS-cli.md');
      writeFileSync(file, md);
      log(`wrote ${file}`);
    }
  };
  const deadline = setTimeout(() => {
    log(`hard deadline of ${DEADLINE_MS / 1000} s reached, tearing down`);
    st.incomplete = `the hard deadline of ${DEADLINE_MS / 1000} s ended the run`;
    try {
      finish();
    } finally {
      process.exit(3); // the labs' exit hook removes every namespace of this run
    }
  }, DEADLINE_MS);
  deadline.unref();

  const labs: Lab[] = [];
  let rg: RawgateRun | undefined;
  try {
    log('building the rawgate lab and the kernel twin');
    const rlab = createLab({ kind: 'rawgate', withGuests: false });
    labs.push(rlab);
    const klab = createLab({ kind: 'kernel', withGuests: false });
    labs.push(klab);
    log(`labs: ${rlab.prefix} (rawgate), ${klab.prefix} (kernel)`);
    rg = await startRawgate(rlab, { logLevel: 'warn' });

    // The client under its command names, and a minimal sh shim in front of it.
    const binDir = path.join(rlab.workDir, 'bin');
    const shimDir = path.join(rlab.workDir, 'shim');
    mkdirSync(binDir);
    mkdirSync(shimDir);
    for (const n of ['iptables', 'iptables-save', 'iptables-restore']) symlinkSync(client, path.join(binDir, n));
    writeFileSync(path.join(shimDir, 'iptables'), `#!/bin/sh\nexec ${path.join(binDir, 'iptables')} "$@"\n`, { mode: 0o755 });

    const x: Ctx = {
      rlab,
      klab,
      rg,
      iptables: {
        node: `${process.execPath} ${cliMain} iptables`,
        native: path.join(binDir, 'iptables'),
        nft: findBin('iptables-nft'),
        legacy: findBin('iptables-legacy'),
      },
      argv: {
        node: [process.execPath, cliMain, 'iptables'],
        native: [path.join(binDir, 'iptables')],
        nft: [findBin('iptables-nft')],
        legacy: [findBin('iptables-legacy')],
      },
      shim: path.join(shimDir, 'iptables'),
      env: { RAWGATE_SOCKET: rg.socketPath },
    };

    // 1. Load the script once with each system (untimed): it must work everywhere, and -L lists its ruleset.
    for (const s of ['native', 'nft', 'legacy'] as const) {
      const r = scriptRun(rlab, nsOf(x, s), x.iptables[s], script, x.env);
      if (r.error) throw new Error(`${LABEL[s]}: the firewall script failed: ${r.error}`);
      log(`warm-up script ${s}: ${fmtDur(r.ms)}`);
    }
    const ruleset = (s: Sys) => rlab.exec(nsOf(x, s), ['env', `RAWGATE_SOCKET=${rg!.socketPath}`, ...x.argv[s], '-S']).stdout;
    const rs = { native: ruleset('native'), nft: ruleset('nft'), legacy: ruleset('legacy') };
    st.sameRuleset =
      rs.native === rs.nft && rs.nft === rs.legacy
        ? `identical \`iptables -S\` output from rawgate, iptables-nft and iptables-legacy (${rs.native.split('\n').filter(Boolean).length} lines)`
        : `**\`iptables -S\` differs** (rawgate vs nft: ${rs.native === rs.nft ? 'same' : 'different'}; nft vs legacy: ${rs.nft === rs.legacy ? 'same' : 'different'})`;
    log(st.sameRuleset);

    // 2. One call, N times each.
    const series: [string, Sys | 'shim' | 'floor', string[], number][] = [
      ['floor', 'floor', ['/bin/true'], CALLS],
      ['native', 'native', [...x.argv.native, '-L', '-n'], CALLS],
      ['shim', 'shim', [x.shim, '-L', '-n'], CALLS],
      ['nft', 'nft', [...x.argv.nft, '-L', '-n'], CALLS],
      ['legacy', 'legacy', [...x.argv.legacy, '-L', '-n'], CALLS],
      ['node', 'node', [...x.argv.node, '-L', '-n'], NODE_CALLS],
    ];
    for (const [key, where, cmd, n] of series) {
      const s = callSeries(rlab, nsOf(x, where), n, cmd, x.env);
      st.calls.set(key, s);
      log(`-L -n ${key}: median ${fmtDur(median(s.ms))} over ${s.ms.length}${s.error ? `; ERROR ${s.error}` : ''}`);
    }

    // 3. The script, interleaved.
    for (let run = 1; run <= RUNS; run++) {
      for (const s of SYSTEMS) {
        if (s === 'node' && run > NODE_RUNS) continue;
        const r = scriptRun(rlab, nsOf(x, s), x.iptables[s], script, x.env);
        const rec = st.scripts.get(s)!;
        if (r.error) rec.errors.push(r.error);
        else rec.ms.push(r.ms);
        log(`script run ${run} ${s}: ${r.error ? `ERROR ${r.error}` : fmtDur(r.ms)}`);
      }
    }

    finish();
    const stop = await rg.stop();
    if (stop.code !== 0) log(`rawgate exited with ${stop.code ?? stop.signal}; log tail:\n${stop.logs.slice(-2000)}`);
  } finally {
    if (rg) await rg.stop(3000).catch(() => undefined);
    finishLabs(labs, log);
    clearTimeout(deadline);
  }
}

runBench(main);
