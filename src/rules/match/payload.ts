/**
 * Matches on packet bytes: -m string (xt_string with skb_find_text). The
 * search window is bytes [from, min(to, IP total length)) counted from the
 * IP header; the pattern must lie wholly inside it. --icase folds ASCII
 * letters. The algorithm (bm/kmp/fsm) only changes how the kernel searches,
 * not what it finds in a linear packet, so one search serves all.
 * Allocation-free per packet.
 */
import type { PacketContext } from '../../packet/context.js';
import type { StringMatch } from '../../iptables/ext/string.js';

const lower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

export function bindString(m: StringMatch): (ctx: PacketContext) => boolean {
  const icase = m.icase;
  const pat = Uint8Array.from(m.pattern, (c) => (icase ? lower(c) : c));
  const n = pat.length, from = m.from, to = m.to, inv = m.invert;
  return (ctx) => {
    const buf = ctx.buf, base = ctx.l3Off;
    const end = Math.min(to, ctx.ipTotLen);
    let found = false;
    for (let i = from; i + n <= end && !found; i++) {
      let k = 0;
      if (icase) while (k < n && lower(buf[base + i + k]!) === pat[k]) k++;
      else while (k < n && buf[base + i + k] === pat[k]) k++;
      found = k === n;
    }
    return found !== inv;
  };
}
