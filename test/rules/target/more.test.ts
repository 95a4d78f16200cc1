import { describe, expect, it } from 'vitest';
import { bindTarget, createBindEnv } from '../../../src/rules/bind.js';
import { emptyRule } from '../../../src/rules/model.js';
import { RecentTables } from '../../../src/rules/state/recent.js';
import type { Target } from '../../../src/rules/targets.js';
import { Verdict } from '../../../src/rules/verdict.js';
import type { PacketContext } from '../../../src/packet/context.js';
import { fakeHost } from '../fake-host.js';
import { buildPacket, l4ChecksumOk } from '../packet-builder.js';

function bind(t: Target, proto = 0) {
  const host = fakeHost();
  const rule = emptyRule();
  rule.proto = proto;
  return bindTarget(t, rule, createBindEnv(host, new RecentTables()), 'mangle', 'POSTROUTING');
}

const csumAt = (ctx: PacketContext) => ctx.l4Off + (ctx.proto === 6 ? 16 : 6);

describe('CHECKSUM --checksum-fill', () => {
  const t: Target = { kind: 'CHECKSUM', fill: true };
  it('recomputes a broken TCP and UDP checksum', () => {
    for (const proto of [6, 17]) {
      const ctx = buildPacket({ proto, payload: 13 });
      ctx.buf[csumAt(ctx)] ^= 0x5a;
      expect(l4ChecksumOk(ctx)).toBe(false);
      expect(bind(t)(ctx)).toBe(Verdict.CONTINUE);
      expect(l4ChecksumOk(ctx)).toBe(true);
    }
  });
  it('fills a UDP checksum of 0', () => {
    const ctx = buildPacket({ proto: 17, dport: 68, payload: 20 });
    ctx.buf[csumAt(ctx)] = 0; ctx.buf[csumAt(ctx) + 1] = 0;
    bind(t)(ctx);
    expect(l4ChecksumOk(ctx)).toBe(true);
    expect((ctx.buf[csumAt(ctx)]! << 8) | ctx.buf[csumAt(ctx) + 1]!).not.toBe(0);
  });
  it('leaves fragments and other protocols alone', () => {
    const frag = buildPacket({ proto: 17, mf: true, payload: 16 });
    frag.buf[csumAt(frag)] ^= 1;
    const before = Uint8Array.from(frag.buf);
    bind(t)(frag);
    expect(frag.buf).toEqual(before);
    const icmp = buildPacket({ proto: 1 });
    const b2 = Uint8Array.from(icmp.buf);
    expect(bind(t)(icmp)).toBe(Verdict.CONTINUE);
    expect(icmp.buf).toEqual(b2);
  });
});

describe('NFQUEUE (no user-space listener in rawgate)', () => {
  it('--queue-bypass accepts; otherwise the verdict is QUEUE (dropped as QUEUE_NO_LISTENER)', () => {
    const t = { kind: 'NFQUEUE', num: 3, total: 1, bypass: false, cpuFanout: false } as const;
    expect(bind(t)(buildPacket())).toBe(Verdict.QUEUE);
    expect(bind({ ...t, bypass: true })(buildPacket())).toBe(Verdict.ACCEPT);
  });
});
