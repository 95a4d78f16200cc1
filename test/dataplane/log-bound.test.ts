/**
 * The global LOG bound (DataplaneRuleHost): a token bucket over every LOG line,
 * all rules together; lines past it are counted as suppressed, not written,
 * and the bucket refills at logRate per second up to logBurst.
 */
import { describe, expect, it } from 'vitest';
import { DataplaneRuleHost } from '../../src/dataplane/rule-host.js';
import { PacketContext } from '../../src/packet/context.js';

describe('the global LOG bound', () => {
  it('writes a burst, then logRate lines per second, and counts the rest', () => {
    let now = 1000;
    const lines: string[] = [];
    const host = new DataplaneRuleHost(['eth0'], (r) => { lines.push(r.prefix); }, () => now, { perSecond: 10, burst: 3 });
    const ctx = new PacketContext();
    ctx.buf = new Uint8Array(64); ctx.l3Off = 0; ctx.ipHdrLen = 20; ctx.inIf = 0; ctx.outIf = -1;
    const log = (prefix: string): void => host.log(ctx, { kind: 'LOG', level: 4, prefix, flags: 0 }, 'filter', 'INPUT');
    for (let i = 0; i < 5; i++) log(`a${i}`);
    expect(lines).toEqual(['a0', 'a1', 'a2']);
    expect([host.logEmitted, host.logSuppressed]).toEqual([3, 2]);
    now += 100; // one token at 10 per second
    log('b0'); log('b1');
    expect(lines).toEqual(['a0', 'a1', 'a2', 'b0']);
    now += 10_000; // refills to the burst, not beyond
    for (let i = 0; i < 5; i++) log(`c${i}`);
    expect(lines.slice(4)).toEqual(['c0', 'c1', 'c2']);
    expect([host.logEmitted, host.logSuppressed]).toEqual([7, 5]);
  });
});
