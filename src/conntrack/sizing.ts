/**
 * Table size as the kernel derives it (nf_conntrack_core.c since v5.15):
 * buckets = RAM / 16384 / sizeof(struct hlist_head), 65536 above 1 GiB of
 * RAM, 262144 above 4 GiB, never fewer than 1024, rounded up to a multiple of
 * 512; nf_conntrack_max = buckets. A configured max without buckets gets
 * max buckets (the kernel's default factor of one).
 */
import { totalmem } from 'node:os';

export interface TableSize { max: number; buckets: number }

export function defaultBuckets(ramBytes: number = totalmem()): number {
  const GiB = 1024 ** 3;
  let b = ramBytes > 4 * GiB ? 262144 : ramBytes > GiB ? 65536 : Math.floor(ramBytes / 16384 / 8);
  if (b < 1024) b = 1024;
  return Math.ceil(b / 512) * 512;
}

export function tableSize(max: number, buckets: number, ramBytes?: number): TableSize {
  const b = buckets > 0 ? buckets : max > 0 ? max : defaultBuckets(ramBytes);
  return { max: max > 0 ? max : b, buckets: b };
}
