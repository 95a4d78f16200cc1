/**
 * -j CHECKSUM --checksum-fill (xt_CHECKSUM): the kernel completes a checksum
 * left for offload (CHECKSUM_PARTIAL) so that a guest or a DHCP client that
 * checks it sees a valid one. rawgate has no offload state, so its
 * equivalent (documented choice) is to recompute the TCP or UDP checksum of
 * the packet in place: always on an unfragmented TCP/UDP packet with a whole
 * header, never on a fragment (the checksum covers data it does not hold)
 * or on other protocols. A UDP checksum of 0 ("none") is filled too, which
 * is what the target is used for (udp dport 68 towards virtual machines).
 * Always CONTINUE.
 */
import type { PacketContext } from '../../packet/context.js';
import { setTcpChecksum, setUdpChecksum } from '../../packet/checksum.js';
import type { Target } from '../targets.js';
import { Verdict } from '../verdict.js';

type T<K extends Target['kind']> = Extract<Target, { kind: K }>;

export function targetChecksum(t: T<'CHECKSUM'>, ctx: PacketContext): Verdict {
  if (!t.fill || ctx.l4Off < 0 || ctx.fragOff !== 0 || ctx.mf !== 0) return Verdict.CONTINUE;
  if (ctx.proto === 6 && ctx.l4Len >= 20) setTcpChecksum(ctx.buf, ctx.l3Off, ctx.l4Off, ctx.l4Len);
  else if (ctx.proto === 17 && ctx.l4Len >= 8) setUdpChecksum(ctx.buf, ctx.l3Off, ctx.l4Off, ctx.l4Len);
  return Verdict.CONTINUE;
}
