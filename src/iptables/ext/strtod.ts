/** C strtod's prefix: [value, characters used], or undefined when no number starts the string. */
export function strtodPrefix(s: string): [number, number] | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:(inf(?:inity)?|nan)|(0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))/i.exec(s);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  let v: number;
  if (m[2] !== undefined) v = m[2].toLowerCase() === 'nan' ? NaN : Infinity;
  else if (m[3] !== undefined) {
    const [mant, exp] = m[3].slice(2).split(/[pP]/);
    const [ip, fp = ''] = mant!.split('.');
    v = (parseInt(ip || '0', 16) + (fp ? parseInt(fp, 16) / 16 ** fp.length : 0)) * 2 ** Number(exp ?? 0);
  } else v = Number(m[4]);
  return [sign * v, m[0].length];
}
