/** xtables_print_num: counters as -L prints them (K/M/G/T with (n+500)/1000 rounding unless -x). */
export function formatNum(n: number, exact: boolean, table = true): string {
  if (exact) return table ? `${String(n).padStart(8)} ` : `${n} `;
  let v = BigInt(Math.round(n));
  if (v <= 99999n) return table ? `${String(v).padStart(5)} ` : `${v} `;
  const units = ['K', 'M', 'G', 'T'];
  let i = 0;
  v = (v + 500n) / 1000n;
  while (v > 9999n && i < units.length - 1) {
    v = (v + 500n) / 1000n;
    i++;
  }
  return table ? `${String(v).padStart(4)}${units[i]} ` : `${v}${units[i]} `;
}
