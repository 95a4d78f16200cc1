/**
 * Generated code never carries user text except through a string-literal
 * escape: hostile chain names, comments, interface names and LOG prefixes
 * (newlines, quotes, backslashes, `*\/`, U+2028/U+2029, code fragments) must
 * compile, must not run, and must evaluate exactly as the interpreter does.
 * The model is built directly, past the command line's own validation, so the
 * JIT is safe whatever a future command lets through.
 */
import { describe, expect, it } from 'vitest';
import { PacketContext } from '../../src/packet/context.js';
import { TableId } from '../../src/rules/evaluator.js';
import { interpret } from '../../src/rules/interpreter.js';
import { compileJitDetailed, explainChain } from '../../src/rules/jit/index.js';
import { jsComment, jsString } from '../../src/rules/jit/source-text.js';
import type { Rule, Ruleset } from '../../src/rules/model.js';
import { emptyRule, Hook, newTable } from '../../src/rules/model.js';
import { fakeHost } from './fake-host.js';

const g = globalThis as { __rawgatePwned?: number };

export const HOSTILE: readonly string[] = [
  'a\nglobalThis.__rawgatePwned = 1;\n//',
  'b\r}; globalThis.__rawgatePwned = 2; function z() {',
  'c\u2028globalThis.__rawgatePwned = 3;',
  'd\u2029globalThis.__rawgatePwned = 4;',
  'e */ globalThis.__rawgatePwned = 5; /*',
  'f"; globalThis.__rawgatePwned = 6; "',
  "g'; globalThis.__rawgatePwned = 7; '",
  'h\\',
  'i`${globalThis.__rawgatePwned = 8}`',
  '',
  ' ',
  'ü\u0000\u001b',
];

function hostileRuleset(): Ruleset {
  const t = newTable('filter');
  const fwd = t.chains.get('FORWARD')!;
  HOSTILE.forEach((name, k) => {
    t.chains.set(name, {
      name, policy: null, pkts: 0, bytes: 0,
      rules: [{ ...emptyRule(), proto: 17, matches: [{ name: 'comment', comment: name }], target: { kind: 'LOG', level: 4, prefix: name, flags: 0 } },
        { ...emptyRule(), src: (10 << 24) | k, srcMask: 0xffffffff, target: { kind: 'verdict', verdict: 'DROP' } }],
    });
    fwd.rules.push({ ...emptyRule(), inIface: name, invIn: k % 2 === 1, target: { kind: 'jump', chain: name } });
    fwd.rules.push({ ...emptyRule(), outIface: `${name}+`, target: { kind: 'jump', chain: name } });
  });
  // Enough rules for the decision-tree path as well as the linear one.
  for (let k = 0; k < 64; k++) fwd.rules.push({ ...emptyRule(), dst: ((192 << 24) | k) >>> 0, dstMask: 0xffffffff, matches: [{ name: 'comment', comment: HOSTILE[k % HOSTILE.length]! }], target: { kind: 'goto', chain: HOSTILE[k % HOSTILE.length]! } });
  return { tables: new Map([['filter', t]]) };
}

describe('JIT source never carries user text unescaped', () => {
  it('jsString and jsComment keep every hostile value inert', () => {
    for (const v of HOSTILE) {
      expect(new Function(`return ${jsString(v)};`)()).toBe(v);
      expect(new Function(`// ${jsComment(v)}\nreturn 1;`)()).toBe(1);
      expect(new Function(`/* ${jsComment(v)} */ return 1;`)()).toBe(1);
    }
  });

  it('compiles hostile chain names, comments, interfaces and prefixes, runs none of them, and agrees with the interpreter', () => {
    delete g.__rawgatePwned;
    const host = fakeHost({ ifNames: ['eth0', HOSTILE[0]!, 'eth2'] });
    const jit = compileJitDetailed(hostileRuleset(), host);
    const ref = interpret(hostileRuleset(), fakeHost({ ifNames: ['eth0', HOSTILE[0]!, 'eth2'] }));
    for (let k = 0; k < 200; k++) {
      const a = new PacketContext(), b = new PacketContext();
      for (const c of [a, b]) {
        c.inIf = k % 3; c.outIf = (k + 1) % 3; c.saddr = (10 << 24) | (k % 16); c.daddr = ((192 << 24) | (k % 70)) >>> 0;
        c.proto = k % 2 === 0 ? 17 : 6; c.l4Off = 34; c.ipTotLen = 60;
      }
      expect(jit.evaluate(TableId.filter, Hook.FORWARD, a)).toBe(ref.evaluate(TableId.filter, Hook.FORWARD, b));
    }
    expect(g.__rawgatePwned).toBeUndefined();
  });

  it('explain output for a hostile chain compiles as it is and runs nothing', () => {
    delete g.__rawgatePwned;
    const rs = hostileRuleset();
    for (const name of [...HOSTILE, 'FORWARD']) {
      const src = explainChain(rs, 'filter', name);
      expect(() => new Function('C', src)).not.toThrow();
    }
    expect(g.__rawgatePwned).toBeUndefined();
  });
});
