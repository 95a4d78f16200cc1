import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';

const repo = path.resolve(import.meta.dirname, '../..');

describe('loadConfig', () => {
  it('loads the example configuration', () => {
    const c = loadConfig(path.join(repo, 'config/rawgate.example.yaml'));
    expect(c.interfaces.map((i) => `${i.name}:${i.kind}`)).toEqual(['lan0:afpacket', 'wan0:afpacket', 'vm0:tap', 'tun0:tun']);
    expect(c.rules).toBe(path.join(repo, 'config/rules.v4'));
    expect(c.routes.map((r) => r.to.text)).toEqual(['default', '198.51.100.0/24', '10.99.0.0/16']);
    expect(c.source).toBe(path.join(repo, 'config/rawgate.example.yaml'));
    expect(c.interfaces[3].mtu).toBe(1400);
  });

  it('resolves rules relative to the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rgcfg-'));
    const f = path.join(dir, 'r.yaml');
    writeFileSync(f, 'interfaces:\n  - {name: a0, kind: tun, addresses: [10.1.1.1/24]}\nrules: sub/x.v4\n');
    expect(loadConfig(f).rules).toBe(path.join(dir, 'sub/x.v4'));
  });

  it('refuses YAML syntax errors with the line', () => {
    expect(() => parseConfig('interfaces:\n  - name: a\n   kind: [tap\n', 'bad.yaml')).toThrow(/bad.yaml: invalid configuration.*\n  YAML syntax error at line 3, column 1: Sequence item without - indicator/);
  });

  it('refuses duplicate keys', () => {
    expect(() => parseConfig('interfaces: []\ninterfaces: []\n')).toThrow(ConfigError);
  });

  it('refuses a missing file with CONFIG_INVALID', () => {
    try {
      loadConfig('/nonexistent/rawgate.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).code).toBe('CONFIG_INVALID');
      expect((e as Error).message).toMatch(/cannot read the file: ENOENT/);
    }
  });

  it('an empty document says interfaces are required', () => {
    expect(() => parseConfig('')).toThrow(/interfaces: is required/);
  });
});
