/**
 * argv[0] dispatch, the way iptables' multi-binary works: installed as
 * `iptables`, `iptables-save` or `iptables-restore` (symlinks or npm bin
 * entries) the program acts as that command; as `rawgate` the first
 * argument names the subcommand. Pure: no I/O here.
 */
import * as path from 'node:path';

export type CommandName = 'run' | 'check' | 'iptables' | 'iptables-save' | 'iptables-restore' | 'conntrack' | 'lab' | 'help' | 'version';

export interface Invocation {
  command: CommandName;
  /** Arguments after the command name (socket options removed for the iptables family). */
  args: string[];
  /** --socket PATH given before the command's own arguments. */
  socket?: string;
  /** A usage problem to report (exit 2), e.g. an unknown subcommand. */
  error?: string;
}

const FORWARDED = ['iptables', 'iptables-save', 'iptables-restore', 'conntrack'] as const;
const SUBCOMMANDS: readonly CommandName[] = ['run', 'check', 'iptables', 'iptables-save', 'iptables-restore', 'conntrack', 'lab', 'help', 'version'];

/** The command a program name stands for: `/usr/sbin/iptables-save` → iptables-save; anything else → null (rawgate). */
export function commandForProgram(argv0: string): CommandName | null {
  const base = path.basename(argv0).replace(/\.(js|mjs|cjs|ts)$/, '');
  if (base === 'conntrack') return 'conntrack';
  // iptables-legacy / iptables-nft names map to the same commands.
  const m = /^(iptables(-save|-restore)?)(-nft|-legacy)?$/.exec(base);
  return m ? (m[1] as CommandName) : null;
}

/** Leading `--socket PATH` / `--socket=PATH` options (may precede a forwarded command's own arguments). */
function takeSocket(args: string[]): { socket?: string; rest: string[]; error?: string } {
  let socket: string | undefined;
  let i = 0;
  while (i < args.length) {
    const a = args[i];
    if (a === '--socket') {
      if (i + 1 >= args.length) return { rest: [], error: '--socket needs a path' };
      socket = args[i + 1];
      i += 2;
    } else if (a.startsWith('--socket=')) {
      socket = a.slice('--socket='.length);
      i += 1;
    } else break;
  }
  return { socket, rest: args.slice(i) };
}

/** `argv` is process.argv: [node, script, ...args]. */
export function resolveInvocation(argv: readonly string[]): Invocation {
  const program = argv[1] ?? argv[0] ?? 'rawgate';
  const args = argv.slice(2);
  const direct = commandForProgram(program);
  if (direct !== null) {
    const t = takeSocket(args);
    return { command: direct, args: t.rest, socket: t.socket, error: t.error };
  }
  const pre = takeSocket(args);
  if (pre.error) return { command: 'help', args: [], error: pre.error };
  const [first, ...rest] = pre.rest;
  if (first === undefined || first === '-h' || first === '--help') return { command: 'help', args: [] };
  if (first === '-V' || first === '--version') return { command: 'version', args: [] };
  if (!(SUBCOMMANDS as readonly string[]).includes(first)) return { command: 'help', args: [], error: `unknown command "${first}"` };
  const command = first as CommandName;
  if ((FORWARDED as readonly string[]).includes(command)) {
    const t = takeSocket(rest);
    return { command, args: t.rest, socket: t.socket ?? pre.socket, error: t.error };
  }
  return { command, args: rest, socket: pre.socket };
}

export const USAGE = `usage:
  rawgate run --config FILE            run the daemon (foreground, JSON logs on stdout)
  rawgate check --config FILE          validate a configuration (and its rules file), then exit
  rawgate iptables ARGS...             iptables against the running daemon
  rawgate iptables [-t TABLE] --explain CHAIN
                                       the JavaScript the JIT generates for a chain of the running ruleset
  rawgate iptables-save ARGS...        iptables-save against the running daemon
  rawgate iptables-restore ARGS...     iptables-restore against the running daemon (input on stdin)
  rawgate conntrack ARGS...            conntrack (conntrack-tools) against the running daemon's table
  rawgate lab up|down|demo [OPTIONS]   the network-namespace lab (root)
  rawgate --version
Installed as iptables / iptables-save / iptables-restore / conntrack, rawgate acts as that command.
The iptables commands find the daemon at --socket PATH, else $RAWGATE_SOCKET, else /run/rawgate/rawgate.sock.
`;
