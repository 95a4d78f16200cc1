/** argv[0] dispatch, the way iptables' multi-binary picks its personality from its name. */
export type ProgramName = 'iptables' | 'iptables-save' | 'iptables-restore' | 'rawgate';

export function dispatchByName(argv0: string): ProgramName {
  const base = argv0.replace(/\\/g, '/').split('/').pop()!.replace(/\.(js|mjs|cjs)$/, '');
  switch (base) {
    case 'iptables':
    case 'iptables-nft':
      return 'iptables';
    case 'iptables-save':
    case 'iptables-nft-save':
      return 'iptables-save';
    case 'iptables-restore':
    case 'iptables-nft-restore':
      return 'iptables-restore';
    default:
      return 'rawgate';
  }
}
