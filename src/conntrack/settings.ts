/**
 * Connection tracking settings, named as the kernel's sysctls
 * (net.netfilter.nf_conntrack_*), with the kernel's defaults. Timeouts are in
 * seconds, as the sysctls are. The config layer fills these from
 * `conntrack:` in the YAML file; everything else reads them from here.
 */
export interface TcpTimeouts {
  nf_conntrack_tcp_timeout_syn_sent: number;
  nf_conntrack_tcp_timeout_syn_recv: number;
  nf_conntrack_tcp_timeout_established: number;
  nf_conntrack_tcp_timeout_fin_wait: number;
  nf_conntrack_tcp_timeout_close_wait: number;
  nf_conntrack_tcp_timeout_last_ack: number;
  nf_conntrack_tcp_timeout_time_wait: number;
  nf_conntrack_tcp_timeout_close: number;
  nf_conntrack_tcp_timeout_max_retrans: number;
  nf_conntrack_tcp_timeout_unacknowledged: number;
}

export interface ConntrackSettings extends TcpTimeouts {
  /** Table size (entries); 0 = derive from buckets as the kernel does. */
  nf_conntrack_max: number;
  /** Hash buckets; 0 = derive from memory as the kernel does. */
  nf_conntrack_buckets: number;
  nf_conntrack_tcp_loose: number;
  nf_conntrack_tcp_be_liberal: number;
  nf_conntrack_tcp_ignore_invalid_rst: number;
  nf_conntrack_tcp_max_retrans: number;
  nf_conntrack_checksum: number;
  nf_conntrack_udp_timeout: number;
  nf_conntrack_udp_timeout_stream: number;
  nf_conntrack_icmp_timeout: number;
  nf_conntrack_generic_timeout: number;
}

export const TCP_TIMEOUT_DEFAULTS: Readonly<TcpTimeouts> = Object.freeze({
  nf_conntrack_tcp_timeout_syn_sent: 120,
  nf_conntrack_tcp_timeout_syn_recv: 60,
  nf_conntrack_tcp_timeout_established: 432000,
  nf_conntrack_tcp_timeout_fin_wait: 120,
  nf_conntrack_tcp_timeout_close_wait: 60,
  nf_conntrack_tcp_timeout_last_ack: 30,
  nf_conntrack_tcp_timeout_time_wait: 120,
  nf_conntrack_tcp_timeout_close: 10,
  nf_conntrack_tcp_timeout_max_retrans: 300,
  nf_conntrack_tcp_timeout_unacknowledged: 300,
});

export const CONNTRACK_DEFAULTS: Readonly<ConntrackSettings> = Object.freeze({
  ...TCP_TIMEOUT_DEFAULTS,
  nf_conntrack_max: 0,
  nf_conntrack_buckets: 0,
  nf_conntrack_tcp_loose: 1,
  nf_conntrack_tcp_be_liberal: 0,
  nf_conntrack_tcp_ignore_invalid_rst: 0,
  nf_conntrack_tcp_max_retrans: 3,
  nf_conntrack_checksum: 1,
  nf_conntrack_udp_timeout: 30,
  nf_conntrack_udp_timeout_stream: 120,
  nf_conntrack_icmp_timeout: 30,
  nf_conntrack_generic_timeout: 600,
});
