/**
 * The round-trip property (scripts/fuzz/roundtrip.ts) over random sessions of
 * iptables commands: real options of every registered extension mixed with
 * hostile values. Every accepted command leaves a ruleset whose iptables-save
 * output iptables-restore reads back to the identical save; a refused command
 * leaves the ruleset object unchanged; the same command as an iptables-restore
 * line is accepted or refused alike. The run count is kept small for CI
 * (ROUNDTRIP_RUNS overrides it); `node dist/scripts/fuzz/roundtrip.js N` runs long.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { asRestoreInput, roundTripFailure, roundTripProperty } from '../../scripts/fuzz/roundtrip.js';

it('every accepted command leaves a ruleset whose iptables-save output restores to the same ruleset', () => {
  fc.assert(roundTripProperty, { numRuns: Number(process.env.ROUNDTRIP_RUNS ?? 400) });
});

it('checks what it claims to (a few sessions by hand)', () => {
  expect(roundTripFailure([['-N', 'c1'], ['-A', 'INPUT', '-m', 'comment', '--comment', 'a "b" \\c', '-j', 'c1']])).toBeUndefined();
  expect(roundTripFailure([['-N', 'a'], ['-E', 'a', 'b c'], ['-A', 'INPUT', '-i', 'a b']])).toBeUndefined();
  expect(asRestoreInput(['-t', 'nat', '-A', 'OUTPUT', '-m', 'comment', '--comment', 'x "y"'])).toBe(
    '*nat\n-A OUTPUT -m comment --comment "x \\"y\\""\nCOMMIT\n');
  expect(asRestoreInput(['-A', 'INPUT', '-m', 'comment', '--comment', 'a\nb'])).toBeUndefined();
});
