/**
 * -m connlabel (libxt_connlabel.c): [!] --label NAME|BIT (mandatory), --set.
 * A number is taken as the bit (strtoul base 0, then as C int, stored in a
 * u16); a name needs /etc/xtables/connlabel.conf, which rawgate (like a stock
 * Debian host) does not have: iptables warns it cannot open it and refuses
 * the name. The kernel (nf_connlabels_get) allows bits 0..127 (ERANGE above).
 * Saved and listed by number (no label map to name it).
 */
import { kernelReject, paramProblem } from '../errors.js';
import { strtoulPrefix } from '../parse-num.js';
import type { MatchExt } from './types.js';
import { fcheck, once } from './xt-options.js';
import { BindError } from '../../rules/binding.js';

/** -m connlabel: bit of the connection's label set; --set sets it. */
export interface ConnlabelMatch { name: 'connlabel'; bit: number; invert: boolean; set: boolean }
declare module '../../rules/matches.js' {
  interface MatchTypes { connlabel: ConnlabelMatch; }
}

const CONF = '/etc/xtables/connlabel.conf';
const MAX_BITS = 128;

/** connlabel_value_parse: whole-string strtoul(base 0) as int, or -1. */
function valueParse(s: string): number {
  if (s === '') return -1;
  const [v, used] = strtoulPrefix(s, 0);
  if (used !== s.length) return -1;
  return Number(BigInt.asIntN(32, v));
}

export const connlabelMatch: MatchExt<ConnlabelMatch> = {
  name: 'connlabel',
  bind: (m) => {
    throw new BindError(`match '${m.name}' cannot be evaluated: it needs connection labels, which rawgate\'s connection tracking does not keep`);
  },
  options: [
    { name: 'label', hasArg: true, invertible: true },
    { name: 'set', hasArg: false },
  ],
  init: () => ({ name: 'connlabel', bit: 0, invert: false, set: false }),
  parse(m, option, arg, invert, ctx) {
    once('connlabel', m, option);
    if (option === 'set') {
      m.set = true;
      return;
    }
    if (arg === '') throw paramProblem('Argument must have a minimum length of 1 characters\n', 'TOO_SHORT');
    const v = valueParse(arg!);
    if (v < 0) {
      ctx.warn(`Warning: cannot open ${CONF}: No such file or directory\n`);
      throw paramProblem(`label '${arg}' not found or invalid value`, 'BAD_VALUE');
    }
    m.bit = v & 0xffff;
    if (invert) m.invert = true;
  },
  final: (m) => fcheck('connlabel', m, [{ name: 'label', mand: true }]),
  save: (m) => `${m.invert ? ' !' : ''} --label "${m.bit}"${m.set ? ' --set' : ''}`,
  print: (m) => ` connlabel${m.invert ? ' !' : ''} ${m.bit}${m.set ? ' set' : ''}`,
  check(m) {
    if (m.bit >= MAX_BITS) throw kernelReject('Numerical result out of range', 'KERNEL_ERANGE');
  },
};
