// -U (update_cb): the lab kernel refused mark updates (EOPNOTSUPP), so these
// follow conntrack's source: set mark = (mark & ~mask) ^ value on every
// selected entry whose mark changes, print each as re-read (a get), count them.
// And the -E stream's life cycle.
import { describe, expect, it } from 'vitest';
import { runConntrack, streamConntrackEvents } from '../../../src/conntrack/cli/index.js';
import type { CliIO, CtRecord } from '../../../src/conntrack/cli/types.js';
import { FakeTable, parseEntryLine } from './fixtures.js';

const io = (): CliIO & { out: string; err: string } => {
  const o = { out: '', err: '', stdout(s: string) { o.out += s; }, stderr(s: string) { o.err += s; } };
  return o;
};
const line = (s: string): CtRecord => ({ ...parseEntryLine(s).rec, id: Math.floor(Math.random() * 1e9) });
const udp53 = (): CtRecord => line('udp      17 20 src=10.77.0.1 dst=10.77.0.2 sport=40007 dport=53 src=10.77.0.2 dst=10.77.0.1 sport=53 dport=40007 mark=7 use=1');
const tcp80 = (): CtRecord => line('tcp      6 431990 ESTABLISHED src=10.77.0.1 dst=10.77.0.2 sport=40001 dport=80 src=10.77.0.2 dst=10.77.0.1 sport=80 dport=40001 [ASSURED] mark=0 use=1');

describe('conntrack -U', () => {
  it('sets the mark of the selected entries and prints them as a get does', () => {
    const t = new FakeTable([udp53(), tcp80()]);
    const o = io();
    expect(runConntrack(['-U', '-p', 'udp', '--dport', '53', '-m', '9'], t, o)).toBe(0);
    expect(o.out).toBe('udp      17 20 src=10.77.0.1 dst=10.77.0.2 sport=40007 dport=53 src=10.77.0.2 dst=10.77.0.1 sport=53 dport=40007 mark=9 use=2\n');
    expect(o.err).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been updated.\n');
    expect(t.updated).toEqual([{ id: t.entries[0]!.id, mark: 9 }]);
  });

  it('applies value/mask as (mark & ~mask) ^ value, and skips entries it would not change', () => {
    const t = new FakeTable([udp53(), tcp80()]);
    expect(runConntrack(['-U', '-m', '0x1/0x1'], t, io())).toBe(0);
    expect(t.entries.map((e) => e.mark)).toEqual([7, 1]); // 7 already has bit 0
    const o = io();
    expect(runConntrack(['-U', '-p', 'tcp', '--dport', '9999', '-m', '1'], t, o)).toBe(1);
    expect(o.err).toBe('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been updated.\n');
  });

  it('says what a kernel without update says when the table cannot update', () => {
    const t = new FakeTable([udp53()]);
    (t as { update?: unknown }).update = undefined;
    const o = io();
    expect(runConntrack(['-U', '-m', '1'], t, o)).toBe(1);
    expect(o.err).toBe('conntrack v1.4.7 (conntrack-tools): Operation failed: Operation not supported\n');
  });
});

describe('streamConntrackEvents', () => {
  it('returns the exit status of an invalid command line, printing the error', () => {
    const o = io();
    expect(streamConntrackEvents(['-E', '-e', 'NOPE'], new FakeTable([]), o)).toBe(2);
    expect(o.err).toBe("conntrack v1.4.7 (conntrack-tools): Bad parameter `NOPE'\nTry `conntrack -h' or 'conntrack --help' for more information.\n");
  });

  it('runs anything but -E as a one-shot command', () => {
    const o = io();
    expect(streamConntrackEvents(['-C'], new FakeTable([tcp80()]), o)).toBe(0);
    expect(o.out).toBe('1\n');
  });

  it('prefixes -o timestamp lines with the time, stops printing after stop()', () => {
    const t = new FakeTable([]);
    const o = io();
    const s = streamConntrackEvents(['-E', '-o', 'timestamp', '-p', 'udp'], t, o, () => 1733460000012.345);
    if (typeof s === 'number') throw new Error('refused');
    t.emit('NEW', tcp80());
    t.emit('DESTROY', { ...udp53(), timeout: 0 }, { portid: 4242 });
    s.stop();
    t.emit('NEW', udp53());
    expect(o.out).toBe('[1733460000.012345]\t[DESTROY] udp      17 src=10.77.0.1 dst=10.77.0.2 sport=40007 dport=53 src=10.77.0.2 dst=10.77.0.1 sport=53 dport=40007 mark=7 [USERSPACE] portid=4242\n');
    expect(o.err).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow events have been shown.\n');
  });
});
