/** A CliIO that collects output, for tests. */
import type { CliIO } from '../../src/cli/io.js';

export function collectingIO(stdin = '', env: NodeJS.ProcessEnv = {}): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) { io.out += t; },
    stderr(t: string) { io.err += t; },
    readStdin: async () => stdin,
    env,
  };
  return io;
}
