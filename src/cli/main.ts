#!/usr/bin/env node
/**
 * rawgate's one executable. Installed as rawgate, iptables, iptables-save
 * and iptables-restore; argv[0] decides (see dispatch.ts).
 * Each command loads only what it needs (dynamic imports): an `iptables`
 * call through the control socket must not pay for the config loader, the
 * YAML parser and the whole iptables library at start-up.
 */
import { resolveInvocation, USAGE } from './dispatch.js';
import { processIO } from './io.js';
import type { CliIO } from './io.js';
import { parseOptions } from './options.js';

export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const inv = resolveInvocation(argv);
  if (inv.error) {
    io.stderr(`rawgate: ${inv.error}\n${USAGE}`);
    return 2;
  }
  switch (inv.command) {
    case 'help':
      io.stdout(USAGE);
      return 0;
    case 'version': {
      const { rawgateVersion } = await import('./version.js');
      io.stdout(`rawgate ${rawgateVersion()}\n`);
      return 0;
    }
    case 'iptables':
    case 'iptables-save':
    case 'iptables-restore': {
      const { forwardCommand } = await import('./forward.js');
      return forwardCommand(inv.command, inv.args, inv.socket, io);
    }
    case 'conntrack': {
      const { forwardConntrack } = await import('./forward.js');
      return forwardConntrack(inv.args, inv.socket, io);
    }
    case 'run':
    case 'check': {
      const o = parseOptions(inv.args, ['config', 'c']);
      const file = o.values.get('config') ?? o.values.get('c');
      if (o.error || file === undefined || o.positional.length > 0) {
        io.stderr(`rawgate ${inv.command}: ${o.error ?? (file === undefined ? 'missing --config FILE' : `unexpected argument ${o.positional[0]}`)}\n`);
        return 2;
      }
      if (inv.command === 'check') {
        const { checkConfig } = await import('./check.js');
        return checkConfig(file, io);
      }
      const { runDaemon } = await import('./run.js');
      return runDaemon(file, { io });
    }
    case 'lab': {
      const { labCommand } = await import('./lab.js');
      return labCommand(inv.args, io);
    }
  }
}

// Run when executed (not when imported by tests).
const isEntry = process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href;
if (isEntry) {
  main(process.argv).then(
    (code) => {
      // The daemon exits outright (a stray handle must not keep it alive);
      // the others let stdout drain (a long iptables-save into a pipe).
      if (resolveInvocation(process.argv).command === 'run') process.exit(code);
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`rawgate: ${e.stack ?? e.message}\n`);
      process.exitCode = 1;
    },
  );
}
