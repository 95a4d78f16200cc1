/**
 * The one check of chain and target names (src/iptables/chain-name.ts) and of
 * string option values (src/iptables/string-value.ts), unit by unit; the
 * recorded real-iptables cases are in fixtures.test.ts and deviations.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkDirections, checkNewChainName, checkTargetName } from '../../src/iptables/chain-name.js';
import { IptablesError } from '../../src/iptables/errors.js';
import { checkBare, checkInterface, checkQuoted, parseInterface, putString, saveString } from '../../src/iptables/string-value.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { runIptables, runIptablesRestore, splitRestoreLine } from '../../src/iptables/index.js';

function refusal(f: () => unknown): { message: string; code: string; status: number } | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof IptablesError)) throw e;
    return { message: e.message, code: e.code, status: e.status };
  }
}

describe('chain names', () => {
  it('a new chain: length in bytes, first character, target names, C whitespace and the double quote', () => {
    expect(refusal(() => checkNewChainName('x'.repeat(28)))).toBeUndefined();
    expect(refusal(() => checkNewChainName('é'.repeat(14)))).toBeUndefined();
    expect(refusal(() => checkNewChainName('é'.repeat(15)))?.message).toBe(`chain name \`${'é'.repeat(15)}' too long (must be under 29 chars)`);
    expect(refusal(() => checkNewChainName('-a'))?.message).toBe("chain name not allowed to start with `-'");
    expect(refusal(() => checkNewChainName('!a'))?.message).toBe("chain name not allowed to start with `!'");
    for (const n of ['', 'ACCEPT', 'LOG', 'DNAT', 'standard', 'SECMARK']) {
      expect(refusal(() => checkNewChainName(n))?.message).toBe('chain name may not clash with target name');
    }
    for (const n of ['a b', 'a\tb', 'a\nb', 'a\vb', 'a\fb', 'a\rb', 'a"b']) {
      expect(refusal(() => checkNewChainName(n))).toEqual({ message: `Invalid chain name \`${n}'`, code: 'BAD_CHAIN', status: 2 });
    }
    // isspace in the C locale: iptables takes these, and so does its restore.
    for (const n of ['a\u2028b', 'a\u00a0b', ':a', '#a', "a'b", 'a\\b', 'ERROR', 'log']) {
      expect(refusal(() => checkNewChainName(n))).toBeUndefined();
    }
  });

  it("restore's chain lines clash only with the standard verdicts", () => {
    for (const n of ['LOG', 'DNAT', 'standard', 'CT']) expect(refusal(() => checkNewChainName(n, 'chain-line'))).toBeUndefined();
    for (const n of ['ACCEPT', 'DROP', 'RETURN', 'QUEUE']) {
      expect(refusal(() => checkNewChainName(n, 'chain-line'))?.message).toBe('chain name may not clash with target name');
    }
    expect(refusal(() => checkNewChainName('a"b', 'chain-line'))?.message).toBe('Invalid chain name `a"b\'');
  });

  it('a target (-j, -g): 1 to 28 bytes, no whitespace', () => {
    expect(refusal(() => checkTargetName(''))?.message).toBe('Invalid target name (too short)');
    expect(refusal(() => checkTargetName('é'.repeat(15)))?.message).toBe(`Invalid target name \`${'é'.repeat(15)}' (28 chars max)`);
    expect(refusal(() => checkTargetName('a b'))?.code).toBe('BAD_TARGET');
    expect(checkTargetName('a\u2028b')).toBe('a\u2028b');
  });

  it("a rule's interfaces against its chain's name", () => {
    expect(refusal(() => checkDirections('INPUT', false, true))?.message).toBe("Can't use -o with INPUT\n");
    expect(refusal(() => checkDirections('POSTROUTING', true, false))?.message).toBe("Can't use -i with POSTROUTING\n");
    expect(refusal(() => checkDirections('FORWARD', true, true))).toBeUndefined();
  });

  it('-E checks the new name as -N does, and leaves the ruleset alone when it refuses', () => {
    const rs = runIptables(['-N', 'a'], emptyRuleset()).ruleset;
    for (const [name, message] of [['', 'chain name may not clash with target name'], ['b c', "Invalid chain name `b c'"],
      ['LOG', 'chain name may not clash with target name'], ['x'.repeat(29), `chain name \`${'x'.repeat(29)}' too long (must be under 29 chars)`]]) {
      const r = runIptables(['-E', 'a', name!], rs);
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`iptables v1.8.9 (nf_tables): ${message}`);
      expect(r.ruleset).toBe(rs);
    }
    expect(runIptables(['-E', 'a', ':b'], rs).status).toBe(0);
  });
});

describe('string values', () => {
  it('putString cuts to the field (size - 1 bytes) on a character boundary, or checks min and max', () => {
    expect(putString('x'.repeat(40), 30)).toBe('x'.repeat(29));
    expect(putString('x'.repeat(29), 30)).toBe('x'.repeat(29));
    expect(putString('é'.repeat(15), 30)).toBe('é'.repeat(14));
    expect(putString('aé', 3)).toBe('a');
    expect(refusal(() => putString('', 30, { min: 1 }))?.message).toBe('Argument must have a minimum length of 1 characters\n');
    expect(refusal(() => putString('x'.repeat(17), 27, { max: 16 }))?.message).toBe('Argument must have a maximum length of 16 characters\n');
  });

  it('saveString quotes as xtables_save_string does', () => {
    expect(saveString('abc_-09')).toBe(' abc_-09');
    expect(saveString('')).toBe(' ""');
    expect(saveString('a b')).toBe(' "a b"');
    expect(saveString('a"b')).toBe(' "a\\"b"');
    expect(saveString("a'b")).toBe(" \"a\\'b\"");
    expect(saveString('a\\b')).toBe(' "a\\\\b"');
    expect(saveString('a.b')).toBe(' "a.b"');
  });

  it('refuses values a save could not carry, with stable codes', () => {
    for (const v of ['', 'a b', 'a\tb', 'a\nb', 'a"b']) {
      expect(refusal(() => checkBare('hashlimit', 'hashlimit-name', v))).toEqual(
        { message: `hashlimit: Bad value for "--hashlimit-name" option: "${v}"`, code: 'UNRESTORABLE_VALUE', status: 2 });
    }
    for (const v of ["a'b", 'a\\b', 'a\u2028b', '-a', '!a', ':a', 'a\rb']) expect(refusal(() => checkBare('x', 'y', v))).toBeUndefined();
    expect(refusal(() => checkQuoted('comment', 'a\nb'))).toEqual({ message: 'Newlines not allowed in --comment', code: 'UNRESTORABLE_VALUE', status: 2 });
    expect(refusal(() => checkQuoted('comment', 'a "b" \\c'))).toBeUndefined();
    expect(refusal(() => checkInterface(''))?.message).toBe('Empty interface is likely to be undesired');
    expect(refusal(() => checkInterface('a b+'))).toEqual({ message: "Invalid interface name `a b+'", code: 'BAD_IFACE', status: 2 });
  });

  it("parseInterface warns about '/' (wildcard or not), as iptables does", () => {
    const warnings: string[] = [];
    expect(parseInterface('a/b+', (w) => warnings.push(w))).toBe('a/b+');
    expect(warnings).toEqual(["Warning: weird character in interface `a/b+' ('/' and ' ' are not allowed by the kernel).\n"]);
    expect(refusal(() => parseInterface('x'.repeat(16)))?.message).toBe(`interface name \`${'x'.repeat(16)}' must be shorter than IFNAMSIZ (15)`);
  });
});

describe('iptables-restore reads what iptables-save writes', () => {
  it('keeps the newline of an unclosed quote in the word, as fgets hands the line over', () => {
    expect(splitRestoreLine('-j a"b\n')).toEqual(['-j', 'ab\n']);
    expect(splitRestoreLine('-A INPUT --comment "a b"\n')).toEqual(['-A', 'INPUT', '--comment', 'a b']);
  });

  it('prints the warnings of its lines on stderr', () => {
    const r = runIptablesRestore([], '*filter\n-A INPUT -i a/b\nCOMMIT\n', emptyRuleset());
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("Warning: weird character in interface `a/b' ('/' and ' ' are not allowed by the kernel).\n");
  });

  it('loads a chain named like a target extension, and refuses one with a double quote', () => {
    expect(runIptablesRestore([], '*filter\n:LOG - [0:0]\nCOMMIT\n', emptyRuleset()).status).toBe(0);
    const r = runIptablesRestore([], '*filter\n:a"b - [0:0]\nCOMMIT\n', emptyRuleset());
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual(['iptables-restore v1.8.9 (nf_tables): Invalid chain name `a"b\'', 'Error occurred at line: 2']);
  });
});
