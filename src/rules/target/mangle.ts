/**
 * Targets that rewrite the packet or its metadata in place: MARK, TOS, DSCP,
 * ECN, TTL, TCPMSS, TCPOPTSTRIP, CLASSIFY. Kernel semantics (xt_MARK, xt_DSCP
 * tos_tg, xt_DSCP, ipt_ECN, xt_HL, xt_TCPMSS, xt_TCPOPTSTRIP, xt_CLASSIFY);
 * all return CONTINUE unless the kernel would drop.
 * Invariants:
 * - ctx fields and the bytes at ctx.l3Off / ctx.l4Off change together; the IP
 *   header checksum is updated incrementally for TOS/TTL changes, the TCP
 *   checksum for ECE/CWR and MSS changes (the pseudo-header covers neither TOS
 *   nor TTL, so no L4 update there). Nothing is written when the value does
 *   not change.
 * - MARK and TOS store the kernel's (value, mask) form whatever the input form:
 *   new = (old & ~mask) ^ value.
 * - Transport rewrites are skipped on non-first fragments (no TCP header).
 * - TCPMSS (documented choices): acts only on TCP SYN segments (the kernel
 *   refuses the rule at load otherwise); never raises an MSS; when the segment
 *   has no MSS option it is left unchanged (the kernel would append one when
 *   there is no payload; rawgate does not grow packets); --clamp-mss-to-pmtu
 *   uses host.pathMtu(ctx) (1500 when the host has none) minus 40, and drops
 *   the packet when that MTU is <= 40, as the kernel does.
 * - TCPOPTSTRIP: the listed options are overwritten with NOPs and the TCP
 *   checksum updated per byte, as the kernel does; no-op on non-first
 *   fragments, DROP when the TCP header is shorter than 20 or truncated.
 */
import type { PacketContext } from '../../packet/context.js';
import type { RuleHost } from '../host.js';
import type { Target } from '../targets.js';
import type { TcpoptstripTarget } from '../../iptables/ext/tcpoptstrip-target.js';
import { Verdict } from '../verdict.js';
import { csumReplace16 } from './csum.js';

type T<K extends Target['kind']> = Extract<Target, { kind: K }>;

export function targetMark(t: T<'MARK'>, ctx: PacketContext): Verdict {
  ctx.mark = ((ctx.mark & ~t.mask) ^ t.value) >>> 0;
  return Verdict.CONTINUE;
}

/** Set the IP TOS byte (and its checksum) to nv. */
export function setTos(ctx: PacketContext, nv: number): void {
  const old = ctx.tos;
  if (old === nv) return;
  const buf = ctx.buf, l3 = ctx.l3Off, b0 = buf[l3]!;
  buf[l3 + 1] = nv;
  csumReplace16(buf, l3 + 10, (b0 << 8) | old, (b0 << 8) | nv);
  ctx.tos = nv;
}

export function targetTos(t: T<'TOS'>, ctx: PacketContext): Verdict {
  setTos(ctx, ((ctx.tos & ~t.mask) ^ t.value) & 0xff);
  return Verdict.CONTINUE;
}

export function targetDscp(t: T<'DSCP'>, ctx: PacketContext): Verdict {
  setTos(ctx, (ctx.tos & 0x03) | ((t.dscp << 2) & 0xfc));
  return Verdict.CONTINUE;
}

const ECE = 0x40, CWR = 0x80, SYN = 0x02;

export function targetEcn(t: T<'ECN'>, ctx: PacketContext): Verdict {
  if (t.ipEct !== undefined) setTos(ctx, (ctx.tos & ~3) | (t.ipEct & 3));
  const ece = t.setEce !== undefined ? t.setEce : t.removeEce ? 0 : -1;
  const cwr = t.setCwr !== undefined ? t.setCwr : t.removeEce ? 0 : -1;
  if ((ece >= 0 || cwr >= 0) && ctx.proto === 6 && ctx.l4Off >= 0 && ctx.tcpHdrLen >= 20) {
    let f = ctx.tcpFlags;
    if (ece >= 0) f = ece !== 0 ? f | ECE : f & ~ECE;
    if (cwr >= 0) f = cwr !== 0 ? f | CWR : f & ~CWR;
    if (f !== ctx.tcpFlags) {
      const buf = ctx.buf, at = ctx.l4Off + 12, b12 = buf[at]!;
      buf[at + 1] = f;
      csumReplace16(buf, ctx.l4Off + 16, (b12 << 8) | ctx.tcpFlags, (b12 << 8) | f);
      ctx.tcpFlags = f;
    }
  }
  return Verdict.CONTINUE;
}

export function targetTtl(t: T<'TTL'>, ctx: PacketContext): Verdict {
  const old = ctx.ttl;
  let nv = t.mode === 'set' ? t.value : t.mode === 'inc' ? old + t.value : old - t.value;
  if (nv > 255) nv = 255;
  if (nv < 0) nv = 0;
  if (nv !== old) {
    const buf = ctx.buf, l3 = ctx.l3Off, proto = buf[l3 + 9]!;
    buf[l3 + 8] = nv;
    csumReplace16(buf, l3 + 10, (old << 8) | proto, (nv << 8) | proto);
    ctx.ttl = nv;
  }
  return Verdict.CONTINUE;
}

export function targetClassify(t: T<'CLASSIFY'>, ctx: PacketContext): Verdict {
  ctx.priority = t.priority >>> 0;
  return Verdict.CONTINUE;
}

export const DEFAULT_PATH_MTU = 1500;

export function targetTcpmss(t: T<'TCPMSS'>, ctx: PacketContext, host: RuleHost): Verdict {
  if (ctx.proto !== 6 || ctx.l4Off < 0) return Verdict.CONTINUE;
  const hl = ctx.tcpHdrLen;
  if (ctx.l4Len < 20 || hl < 20 || ctx.l4Len < hl) return Verdict.DROP;
  if ((ctx.tcpFlags & SYN) === 0) return Verdict.CONTINUE;
  let newmss = t.mss;
  if (t.clamp) {
    const mtu = host.pathMtu !== undefined ? host.pathMtu(ctx) : DEFAULT_PATH_MTU;
    if (mtu <= 40) return Verdict.DROP;
    newmss = mtu - 40;
  }
  const buf = ctx.buf, th = ctx.l4Off;
  for (let i = 20; i <= hl - 4;) {
    const k = buf[th + i]!, len = buf[th + i + 1]!;
    if (k === 2 && len === 4) {
      const oldmss = (buf[th + i + 2]! << 8) | buf[th + i + 3]!;
      if (oldmss <= newmss) return Verdict.CONTINUE;
      buf[th + i + 2] = newmss >>> 8;
      buf[th + i + 3] = newmss & 0xff;
      csumReplace16(buf, th + 16, oldmss, newmss, (i & 1) !== 0);
      return Verdict.CONTINUE;
    }
    i += k <= 1 || len === 0 ? 1 : len;
  }
  return Verdict.CONTINUE;
}

export function targetTcpoptstrip(t: TcpoptstripTarget, ctx: PacketContext): Verdict {
  if (ctx.fragOff !== 0) return Verdict.CONTINUE;
  if (ctx.proto !== 6 || ctx.l4Off < 0 || ctx.l4Len < 20) return Verdict.DROP;
  const hl = ctx.tcpHdrLen;
  if (hl < 20 || ctx.l4Len < hl) return Verdict.DROP;
  const buf = ctx.buf, th = ctx.l4Off, strip = t.options;
  for (let i = 20, optl = 1; i < hl - 1; i += optl) {
    const kind = buf[th + i]!;
    optl = kind <= 1 || buf[th + i + 1] === 0 ? 1 : buf[th + i + 1]!;
    if (i + optl > hl) break;
    if (!strip.includes(kind)) continue;
    for (let j = 0; j < optl; j++) {
      const o = buf[th + i + j]!;
      // Each byte as the 16-bit word it sits in (high byte at even offsets).
      if ((i + j) % 2 === 0) csumReplace16(buf, th + 16, o << 8, 1 << 8);
      else csumReplace16(buf, th + 16, o, 1);
      buf[th + i + j] = 1;
    }
  }
  return Verdict.CONTINUE;
}
