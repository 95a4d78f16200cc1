/**
 * What the nf_tables backend does to a rule between the command line and the
 * listing: tcp and udp matches with a port or flag test are compiled to native
 * nft expressions, so several of them in one rule read back as a single match
 * at the position of the first, later options overriding earlier ones
 * (netfilter-behaviour.md §2.2); an inverted full port range reads back as
 * nothing, and so does a flag test with an empty mask ("--tcp-flags NONE SYN",
 * "! --tcp-flags NONE NONE": iptables-nft emits no expression for it, observed
 * in test/iptables/fixtures/expected-strings.txt). tcp with --tcp-option and
 * option-less matches stay xt matches.
 */
import type { Match } from '../../rules/matches.js';
import type { TcpMatch } from '../ext/tcp.js';
import type { UdpMatch } from '../ext/udp.js';

function isFullRange(r: { lo: number; hi: number }): boolean {
  return r.lo === 0 && r.hi === 0xffff;
}

/** A tcp/udp match the nft backend compiles natively (it has a port or flag test). */
export function isNativeL4(m: TcpMatch | UdpMatch): boolean {
  if (m.name === 'tcp' && (m.option || m.invOption)) return false;
  const ports = !isFullRange(m.sport) || m.invSport || !isFullRange(m.dport) || m.invDport;
  const flags = m.name === 'tcp' && (m.flagsMask !== 0 || m.flagsCmp !== 0 || m.invFlags);
  return ports || flags;
}

function mergePorts(into: TcpMatch | UdpMatch, m: TcpMatch | UdpMatch): void {
  if (!isFullRange(m.sport) || m.invSport) { into.sport = m.sport; into.invSport = m.invSport; }
  if (!isFullRange(m.dport) || m.invDport) { into.dport = m.dport; into.invDport = m.invDport; }
}

/** Clears inverted full ranges; false when nothing native is left. */
function readBack(m: TcpMatch | UdpMatch): boolean {
  if (m.invSport && isFullRange(m.sport)) m.invSport = false;
  if (m.invDport && isFullRange(m.dport)) m.invDport = false;
  if (m.name === 'tcp' && m.flagsMask === 0) { m.flagsCmp = 0; m.invFlags = false; }
  return isNativeL4(m);
}

export function mergeNftMatches(matches: Match[]): Match[] {
  const out: Match[] = [];
  const first: { tcp?: TcpMatch; udp?: UdpMatch } = {};
  for (const m of matches) {
    if ((m.name === 'tcp' || m.name === 'udp') && isNativeL4(m)) {
      const into = first[m.name];
      if (into) {
        mergePorts(into, m);
        if (m.name === 'tcp' && (m.flagsMask || m.flagsCmp || m.invFlags)) {
          const t = into as TcpMatch;
          t.flagsMask = m.flagsMask; t.flagsCmp = m.flagsCmp; t.invFlags = m.invFlags;
        }
        continue;
      }
      const copy = { ...m } as TcpMatch & UdpMatch;
      first[m.name] = copy;
      out.push(copy);
    } else {
      out.push(m);
    }
  }
  return out.filter((m) => !((m.name === 'tcp' || m.name === 'udp') && (m === first.tcp || m === first.udp) && !readBack(m)));
}
