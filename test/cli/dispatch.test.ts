import { describe, expect, it } from 'vitest';
import { commandForProgram, resolveInvocation } from '../../src/cli/dispatch.js';
import { restoreInputFile } from '../../src/cli/forward.js';
import { parseOptions } from '../../src/cli/options.js';

const node = '/usr/bin/node';

describe('argv[0] dispatch', () => {
  it.each([
    ['/usr/local/bin/iptables', 'iptables'],
    ['/usr/local/bin/iptables-save', 'iptables-save'],
    ['iptables-restore', 'iptables-restore'],
    ['/usr/sbin/iptables-nft', 'iptables'],
    ['/usr/sbin/iptables-legacy-save', null],
    ['/usr/sbin/iptables-restore-nft', 'iptables-restore'],
    ['/opt/rawgate/dist/src/cli/main.js', null],
    ['/usr/local/bin/rawgate', null],
    ['iptablesx', null],
  ])('%s → %s', (prog, cmd) => {
    expect(commandForProgram(prog)).toBe(cmd);
  });

  it('runs as iptables with every argument forwarded', () => {
    expect(resolveInvocation([node, '/usr/bin/iptables', '-t', 'nat', '-L', '-n'])).toEqual({ command: 'iptables', args: ['-t', 'nat', '-L', '-n'], socket: undefined, error: undefined });
  });

  it('takes a leading --socket off forwarded commands', () => {
    expect(resolveInvocation([node, '/usr/bin/iptables-save', '--socket', '/tmp/x.sock', '-c'])).toMatchObject({ command: 'iptables-save', args: ['-c'], socket: '/tmp/x.sock' });
    expect(resolveInvocation([node, 'rawgate', 'iptables', '--socket=/s', '-S'])).toMatchObject({ command: 'iptables', args: ['-S'], socket: '/s' });
    expect(resolveInvocation([node, 'rawgate', '--socket', '/s', 'iptables-restore', '-n'])).toMatchObject({ command: 'iptables-restore', args: ['-n'], socket: '/s' });
    // Not leading: it is iptables' argument, passed through.
    expect(resolveInvocation([node, 'iptables', '-L', '--socket', 'x']).args).toEqual(['-L', '--socket', 'x']);
  });

  it('rawgate subcommands', () => {
    expect(resolveInvocation([node, 'main.js', 'run', '--config', 'c.yaml'])).toEqual({ command: 'run', args: ['--config', 'c.yaml'], socket: undefined });
    expect(resolveInvocation([node, 'main.js', 'check', '--config', 'c.yaml']).command).toBe('check');
    expect(resolveInvocation([node, 'main.js', 'lab', 'up']).args).toEqual(['up']);
    expect(resolveInvocation([node, 'main.js']).command).toBe('help');
    expect(resolveInvocation([node, 'main.js', '--version']).command).toBe('version');
    expect(resolveInvocation([node, 'main.js', 'frob'])).toMatchObject({ command: 'help', error: 'unknown command "frob"' });
    expect(resolveInvocation([node, 'main.js', 'iptables', '--socket'])).toMatchObject({ error: '--socket needs a path' });
  });
});

describe('option parsing', () => {
  it('reads --name value, --name=value and flags', () => {
    const o = parseOptions(['--config', 'a.yaml', '--kernel', '--prefix=rgabcdef', 'pos'], ['config', 'prefix'], ['kernel']);
    expect(o.values.get('config')).toBe('a.yaml');
    expect(o.values.get('prefix')).toBe('rgabcdef');
    expect(o.flags.has('kernel')).toBe(true);
    expect(o.positional).toEqual(['pos']);
    expect(parseOptions(['--nope'], ['config']).error).toBe('unknown option --nope');
    expect(parseOptions(['--config'], ['config']).error).toBe('option --config needs a value');
  });
});

describe('iptables-restore input file', () => {
  it('finds the positional file and keeps option values', () => {
    expect(restoreInputFile(['-n', '-T', 'filter', 'rules.v4'])).toEqual({ argv: ['-n', '-T', 'filter'], file: 'rules.v4' });
    expect(restoreInputFile(['-w', '5', '--noflush'])).toEqual({ argv: ['-w', '5', '--noflush'], file: null });
    expect(restoreInputFile(['-c'])).toEqual({ argv: ['-c'], file: null });
  });
});
