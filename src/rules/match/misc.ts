/**
 * Evaluation of the misc extensions (src/rules/misc-exts.ts), and the refusal
 * of those rawgate cannot evaluate faithfully. Kernel sources: xt_u32,
 * xt_cpu, xt_realm, xt_policy, xt_ipcomp, xt_physdev, xt_TCPOPTSTRIP, xt_LED.
 * Documented choices:
 * - u32: skb->len is the IP total length (ctx.ipTotLen); words are read
 *   big-endian from the IP header on; shifts by >= 32 use the count mod 32
 *   (x86's, and JavaScript's, shift).
 * - cpu: rawgate processes every packet on one CPU, number 0.
 * - realm: rawgate's routes carry no realm, so every packet's route realm
 *   (dst->tclassid) is 0, as for kernel routes without "realm".
 * - policy: rawgate has no IPsec (no xfrm policies or states): no packet has
 *   a secpath or an xfrm route, so "--pol none" always matches and
 *   "--pol ipsec" never does, as in the kernel without IPsec.
 * - ipcomp: the CPI is read at l4Off + 2; a truncated header does not match
 *   (the kernel hotdrops it; matches cannot drop in rawgate).
 * - physdev: rawgate is not a bridge, so no packet has bridge info: the
 *   kernel's rule for that case applies (matches only when every option
 *   given is inverted).
 * - TCPOPTSTRIP: the listed options are overwritten with NOPs and the TCP
 *   checksum updated per byte, as the kernel does; no-op on non-first
 *   fragments, DROP when the TCP header is shorter than 20 or truncated.
 * - LED: rawgate has no LED class devices, so the trigger has no LED attached
 *   and the target only continues (what the kernel does in that case).
 * - Refused at bind (BindError, by their descriptors): TEE (needs a packet
 *   clone routed through a gateway, not in RuleHost), rpfilter (needs a
 *   reverse route lookup, not in RuleHost), socket (no local socket table),
 *   osf (no fingerprint database), nfacct (no accounting objects; the text
 *   layer refuses it first), IDLETIMER (no sysfs/netlink notification channel).
 */
import type { PacketContext } from '../../packet/context.js';
import type { IpcompMatch, PhysdevMatch, PolicyMatch, RealmMatch, CpuMatch, TcpoptstripTarget, U32Match } from '../misc-exts.js';
import { Verdict } from '../verdict.js';
import { csumReplace16 } from '../target/csum.js';

/** The CPU number rawgate reports to -m cpu. */
export const RAWGATE_CPU = 0;

const word = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** u32_match_it over the IP packet (without the invert). */
export function u32Test(m: U32Match, ctx: PacketContext): boolean {
  const buf = ctx.buf, base = ctx.l3Off, len = ctx.ipTotLen;
  for (const ct of m.tests) {
    let pos = ct.nums[0]!;
    if (len < 4 || pos > len - 4) return false;
    let val = word(buf, base + pos);
    let at = 0;
    for (let i = 1; i < ct.nums.length; i++) {
      const n = ct.nums[i]!;
      switch (ct.ops[i]) {
        case 0: val = (val & n) >>> 0; break;
        case 1: val = (val << n) >>> 0; break;
        case 2: val = val >>> n; break;
        default: {
          if (at + val > 0xffffffff) return false;
          at += val;
          pos = n;
          if (at + 4 > 0xffffffff || len < at + 4 || pos > len - at - 4) return false;
          val = word(buf, base + at + pos);
        }
      }
    }
    let hit = false;
    for (const v of ct.values) if (v.min <= val && val <= v.max) { hit = true; break; }
    if (!hit) return false;
  }
  return true;
}

export function matchU32(m: U32Match, ctx: PacketContext): boolean {
  return u32Test(m, ctx) !== m.invert;
}

export function matchCpu(m: CpuMatch): boolean {
  return (m.cpu === RAWGATE_CPU) !== m.invert;
}

export function matchRealm(m: RealmMatch): boolean {
  return (m.id >>> 0 === ((0 & m.mask) >>> 0)) !== m.invert;
}

export function matchPolicy(m: PolicyMatch): boolean {
  return m.none;
}

export function matchIpcomp(m: IpcompMatch, ctx: PacketContext): boolean {
  if (ctx.fragOff !== 0 || ctx.l4Off < 0 || ctx.l4Len < 4) return false;
  const cpi = (ctx.buf[ctx.l4Off + 2]! << 8) | ctx.buf[ctx.l4Off + 3]!;
  return (cpi >= m.lo && cpi <= m.hi) !== m.invert;
}

/** physdev_mt without bridge info. */
export function matchPhysdev(m: PhysdevMatch): boolean {
  for (const bit of [4, 8, 16, 1, 2]) if (m.bitmask & bit && !(m.invert & bit)) return false;
  return true;
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
