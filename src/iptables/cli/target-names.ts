/**
 * Target names iptables 1.8.9 knows (standard verdicts and every target
 * extension it ships): a chain may not take one of these names, whether or not
 * rawgate implements the target.
 */
const NAMES = new Set([
  'ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'standard',
  'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNMARK', 'CONNSECMARK', 'CT', 'DNAT', 'DNPT', 'DSCP',
  'ECN', 'HL', 'HMARK', 'IDLETIMER', 'LED', 'LOG', 'MARK', 'MASQUERADE', 'NETMAP', 'NFLOG', 'NFQUEUE',
  'NOTRACK', 'RATEEST', 'REDIRECT', 'REJECT', 'SECMARK', 'SET', 'SNAT', 'SNPT', 'SYNPROXY', 'TCPMSS',
  'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY', 'TRACE', 'TTL',
]);

export function isKnownTargetName(name: string): boolean {
  return NAMES.has(name);
}
