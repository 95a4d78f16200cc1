/**
 * Matches on connection tracking: conntrack (and state, the same logic with
 * only --state), helper, connmark. xt_conntrack v3 semantics, reading
 * ctx.ctState (state bits incl. SNAT/DNAT/UNTRACKED/INVALID) and ctx.ctDir, and
 * host.ctInfo for the entry's tuple, status, expiry, helper and mark.
 * Invariant (documented choice): ctx.ctState === 0 means "conntrack did not look
 * at this packet" (rawgate before connection tracking exists); then a
 * state/conntrack match NEVER matches, inverted or not. Once the dataplane sets
 * ctState (INVALID included) the kernel's semantics apply unchanged.
 */
import type { PacketContext } from '../../packet/context.js';
import type { CtView } from '../host.js';
import type { AddrMask, PortRange } from '../matches.js';
import type { ConnmarkMatch } from '../../iptables/ext/connmark.js';
import type { ConntrackMatch } from '../../iptables/ext/conntrack.js';
import type { HelperMatch } from '../../iptables/ext/helper.js';

const inv = (b: boolean | undefined): boolean => b === true;
const addrHit = (a: number, am: AddrMask): boolean => ((a & am.mask) >>> 0) === ((am.addr & am.mask) >>> 0);
const portHit = (p: number, r: PortRange): boolean => p >= r.lo && p <= r.hi;

export function matchConntrack(m: ConntrackMatch, ctx: PacketContext, ct: CtView): boolean {
  const state = ctx.ctState;
  if (state === 0) return false;
  if (m.state !== undefined && ((state & m.state) !== 0) === inv(m.invState)) return false;
  if (!ct.has(ctx)) return m.state !== undefined;
  if (m.dir !== undefined && (ctx.ctDir === 0) !== (m.dir === 'ORIGINAL')) return false;
  if (m.origSrc !== undefined && addrHit(ct.origSrc(ctx), m.origSrc) === inv(m.invOrigSrc)) return false;
  if (m.origDst !== undefined && addrHit(ct.origDst(ctx), m.origDst) === inv(m.invOrigDst)) return false;
  if (m.replSrc !== undefined && addrHit(ct.replSrc(ctx), m.replSrc) === inv(m.invReplSrc)) return false;
  if (m.replDst !== undefined && addrHit(ct.replDst(ctx), m.replDst) === inv(m.invReplDst)) return false;
  if (m.proto !== undefined && (ct.proto(ctx) === m.proto) === inv(m.invProto)) return false;
  if (m.origSrcPort !== undefined && portHit(ct.origSrcPort(ctx), m.origSrcPort) === inv(m.invOrigSrcPort)) return false;
  if (m.origDstPort !== undefined && portHit(ct.origDstPort(ctx), m.origDstPort) === inv(m.invOrigDstPort)) return false;
  if (m.replSrcPort !== undefined && portHit(ct.replSrcPort(ctx), m.replSrcPort) === inv(m.invReplSrcPort)) return false;
  if (m.replDstPort !== undefined && portHit(ct.replDstPort(ctx), m.replDstPort) === inv(m.invReplDstPort)) return false;
  if (m.status !== undefined && ((ct.status(ctx) & m.status) !== 0) === inv(m.invStatus)) return false;
  if (m.expire !== undefined && portHit(ct.expires(ctx), m.expire) === inv(m.invExpire)) return false;
  return true;
}

/**
 * xt_helper: the helper of the connection's master (so only RELATED child
 * connections match); host.ctInfo.helper(ctx) must return that name ('' when
 * the entry has no master or the master no helper). Name comparison is the
 * kernel's strncmp over the helper's own length; '' in the rule = any helper.
 */
export function matchHelper(m: HelperMatch, ctx: PacketContext, ct: CtView): boolean {
  if (!ct.has(ctx)) return m.invert;
  const h = ct.helper(ctx);
  if (h === '') return m.invert;
  if (m.helper === '') return !m.invert;
  return m.helper.startsWith(h) !== m.invert;
}

export function matchConnmark(m: ConnmarkMatch, ctx: PacketContext, ct: CtView): boolean {
  if (!ct.has(ctx)) return false;
  return (((ct.mark(ctx) & m.mask) >>> 0) === (m.mark >>> 0)) !== m.invert;
}
