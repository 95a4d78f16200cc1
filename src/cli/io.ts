/** The process surface a command uses, so commands run the same in tests (collected) and for real. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input (iptables-restore). */
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
}

export const processIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
};
