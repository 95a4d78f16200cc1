/**
 * Counter semantics of the control path (iptables-nft): a command that
 * changes one chain keeps the counters of every rule it does not touch (in
 * that chain and elsewhere) and the policy counters; the evaluator the
 * dataplane swaps in keeps counting on the same objects -L / -S -v / save -c
 * read. The handler runs the real iptables binding; apply() compiles with the
 * JIT as the dataplane does and "swaps" it in.
 */
import { describe, expect, it } from 'vitest';
import { ControlHandler } from '../../src/control/handler.js';
import { iptablesCommands, iptablesRestoreAtomic } from '../../src/control/iptables-binding.js';
import type { CompiledRuleset } from '../../src/rules/evaluator.js';
import { TableId } from '../../src/rules/evaluator.js';
import { compileJit } from '../../src/rules/jit/index.js';
import { Hook, type Ruleset } from '../../src/rules/model.js';
import { emptyRuleset } from '../../src/rules/ops.js';
import { fakeHost } from '../rules/fake-host.js';
import { buildPacket, ip } from '../rules/packet-builder.js';

const RULES = `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:web - [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -j web
-A FORWARD -s 10.0.0.0/8 -j ACCEPT
-A web -p tcp -m tcp --dport 80 -j ACCEPT
-A web -p tcp -m tcp --dport 443 -j ACCEPT
COMMIT
`;

function setup() {
  const loaded = iptablesRestoreAtomic([], RULES, emptyRuleset());
  expect(loaded.status).toBe(0);
  const host = fakeHost();
  let live: CompiledRuleset = compileJit(loaded.ruleset!, host);
  const handler = new ControlHandler({
    commands: iptablesCommands,
    ruleset: loaded.ruleset!,
    apply: (rs: Ruleset) => { live = compileJit(rs, host); },
  });
  const input = (dport: number) => {
    const ctx = buildPacket({ dport, payload: 10 });
    live.evaluate(TableId.mangle, Hook.PREROUTING, ctx);
    return live.evaluate(TableId.filter, Hook.INPUT, ctx);
  };
  const forward = (saddr: string) => live.evaluate(TableId.filter, Hook.FORWARD, buildPacket({ saddr: ip(saddr) }));
  const run = async (...argv: string[]) => {
    const r = await handler.handle({ op: 'iptables', argv });
    expect(r.stderr, argv.join(' ')).toBe('');
    expect(r.status, argv.join(' ')).toBe(0);
    return r.stdout;
  };
  const save = async () => (await handler.handle({ op: 'iptables-save', argv: ['-c'] })).stdout.split('\n').filter((l) => !l.startsWith('#'));
  return { handler, input, forward, run, save };
}

describe('control path counters', () => {
  it('a change to one chain keeps the counters of untouched rules and policies', async () => {
    const { input, forward, run, save } = setup();
    for (const p of [22, 22, 80, 443, 443, 443, 8080]) input(p);
    forward('10.1.2.3'); forward('192.168.0.1');
    const before = await save();
    expect(before).toContain(':INPUT DROP [1:50]');
    expect(before).toContain('[2:100] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT');
    expect(before).toContain('[3:150] -A web -p tcp -m tcp --dport 443 -j ACCEPT');
    expect(before).toContain('[7:350] -A PREROUTING -j MARK --set-xmark 0x1/0xffffffff');

    // Changes to other chains, and to the same chain: every untouched line stays as it was.
    await run('-A', 'FORWARD', '-j', 'LOG');
    await run('-I', 'web', '1', '-p', 'udp', '-j', 'ACCEPT');
    await run('-N', 'extra');
    await run('-D', 'FORWARD', '2');
    await run('-t', 'mangle', '-A', 'OUTPUT', '-j', 'ACCEPT');
    const after = await save();
    expect(after).toContain('[0:0] -A web -p udp -j ACCEPT');
    expect(after.filter((l) => l !== '[0:0] -A web -p udp -j ACCEPT' && l !== ':extra - [0:0]' && l !== '[0:0] -A OUTPUT -j ACCEPT'))
      .toEqual(before.filter((l) => l !== '[0:0] -A FORWARD -j LOG'));

    // The evaluator swapped in counts on from there (same objects as the listing).
    input(443); input(8080);
    const later = await save();
    expect(later).toContain('[4:200] -A web -p tcp -m tcp --dport 443 -j ACCEPT');
    expect(later).toContain(':INPUT DROP [2:100]');
    expect(later).toContain('[9:450] -A PREROUTING -j MARK --set-xmark 0x1/0xffffffff');
    expect(later).toContain('[0:0] -A web -p udp -j ACCEPT');

    // -R resets only the replaced rule; -P keeps the policy counters; -E keeps the chain's and the jump's.
    await run('-R', 'web', '2', '-p', 'tcp', '-m', 'tcp', '--dport', '81', '-j', 'ACCEPT');
    await run('-P', 'INPUT', 'ACCEPT');
    await run('-E', 'web', 'www');
    const renamed = await save();
    expect(renamed).toContain('[0:0] -A www -p tcp -m tcp --dport 81 -j ACCEPT');
    expect(renamed).toContain('[4:200] -A www -p tcp -m tcp --dport 443 -j ACCEPT');
    expect(renamed).toContain('[7:350] -A INPUT -p tcp -j www');
    expect(renamed).toContain(':INPUT ACCEPT [2:100]');

    // -Z on one chain zeroes that chain only.
    await run('-Z', 'www');
    const zeroed = await save();
    expect(zeroed).toContain('[0:0] -A www -p tcp -m tcp --dport 443 -j ACCEPT');
    expect(zeroed).toContain('[7:350] -A INPUT -p tcp -j www');
    expect(zeroed).toContain('[2:100] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT');
  });

  it('a failed command changes no counter and applies nothing', async () => {
    const { input, run, save, handler } = setup();
    input(22);
    const before = await save();
    const r = await handler.handle({ op: 'iptables', argv: ['-D', 'web', '9'] });
    expect(r.status).toBe(1);
    expect(await save()).toEqual(before);
    await run('-L', '-n');
    expect(await save()).toEqual(before);
  });
});
