/**
 * -m u32 (xt_u32): tests on 32-bit words of the packet. Documented choices:
 * skb->len is the IP total length (ctx.ipTotLen); words are read big-endian
 * from the IP header on; shifts by >= 32 use the count mod 32 (x86's, and
 * JavaScript's, shift).
 */
import type { PacketContext } from '../../packet/context.js';
import type { U32Match } from '../../iptables/ext/u32.js';

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
