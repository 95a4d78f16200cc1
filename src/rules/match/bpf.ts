/**
 * -m bpf (net/netfilter/xt_bpf.c, --bytecode): a classic BPF program run over
 * the packet from its IP header, as the kernel runs it on the skb in a
 * netfilter hook (skb->data = network header, skb->len = IP total length).
 * The rule matches when the program returns non-zero.
 *
 * - checkClassicBpf: the kernel's bpf_check_classic (plus the scratch-memory
 *   load/store check) that refuses a bad program when the rule is committed.
 * - bindBpf: an allocation-free interpreter with the kernel's semantics: a
 *   load outside the packet, or a division by X = 0, ends the program with 0;
 *   SKF_NET_OFF loads are relative to the IP header, SKF_LL_OFF ones to the
 *   Ethernet header (none on TUN ports: 0); ancillary loads (SKF_AD_OFF)
 *   give the protocol (0x0800), packet type, mark, and A ^ X; the others need
 *   kernel state rawgate does not have (interface indexes, rxhash, CPU, VLAN
 *   acceleration, ...) and bindBpf throws BindError for them.
 */
import type { PacketContext } from '../../packet/context.js';
import { BindError } from '../binding.js';
import type { BpfMatch } from '../../iptables/ext/bpf.js';

// Instruction classes, sizes, modes, ops (linux/filter.h, linux/bpf_common.h).
const LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07;
const W = 0x00, H = 0x08, B = 0x10;
const IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
const ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0;
const JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
const K = 0x00, X = 0x08, A = 0x10;
const TAX = 0x00, TXA = 0x80;
const MEMWORDS = 16;

export const SKF_AD_OFF = -0x1000, SKF_NET_OFF = -0x100000, SKF_LL_OFF = -0x200000;
export const SKF_AD_PROTOCOL = 0, SKF_AD_PKTTYPE = 4, SKF_AD_MARK = 20, SKF_AD_ALU_XOR_X = 40;
const ANC_SUPPORTED = [SKF_AD_PROTOCOL, SKF_AD_PKTTYPE, SKF_AD_MARK, SKF_AD_ALU_XOR_X];
const ANC_NAMES: Record<number, string> = {
  0: 'PROTOCOL', 4: 'PKTTYPE', 20: 'MARK', 40: 'ALU_XOR_X', 8: 'IFINDEX', 12: 'NLATTR', 16: 'NLATTR_NEST', 24: 'QUEUE', 28: 'HATYPE', 32: 'RXHASH', 36: 'CPU',
  44: 'VLAN_TAG', 48: 'VLAN_TAG_PRESENT', 52: 'PAY_OFFSET', 56: 'RANDOM', 60: 'VLAN_TPID',
};

/** The codes bpf_check_classic accepts (chk_code_allowed). */
const ALLOWED = new Set<number>([
  ...[ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH].flatMap((op) => [ALU | op | K, ALU | op | X]),
  ALU | NEG,
  LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | LEN, LD | W | IND, LD | H | IND, LD | B | IND,
  LD | IMM, LD | MEM, LDX | W | LEN, LDX | B | MSH, LDX | IMM, LDX | MEM,
  ST, STX, MISC | TAX, MISC | TXA, RET | K, RET | A,
  JMP | JA, ...[JEQ, JGT, JGE, JSET].flatMap((op) => [JMP | op | K, JMP | op | X]),
]);

type Insn = readonly [number, number, number, number];

/** The scratch-memory check (check_load_and_stores): every load from M[k] follows a store to it on every path. */
function loadsAfterStores(prog: readonly Insn[]): boolean {
  const n = prog.length;
  const full = (1 << MEMWORDS) - 1;
  const masks = new Array<number>(n).fill(full);
  let memvalid = 0;
  for (let pc = 0; pc < n; pc++) {
    memvalid &= masks[pc]!;
    const [code, jt, jf, k] = prog[pc]!;
    switch (code) {
      case ST: case STX: memvalid |= 1 << k; break;
      case LD | MEM: case LDX | MEM: if (!(memvalid & (1 << k))) return false; break;
      case JMP | JA: masks[pc + 1 + k]! &= memvalid; memvalid = full; break;
      default:
        if ((code & 0x07) === JMP) {
          masks[pc + 1 + jt]! &= memvalid;
          masks[pc + 1 + jf]! &= memvalid;
          memvalid = full;
        }
    }
  }
  return true;
}

/** bpf_check_classic: undefined when the kernel accepts the program, else why it refuses it. */
export function checkClassicBpf(prog: readonly Insn[]): string | undefined {
  const n = prog.length;
  if (n === 0 || n > 4096) return 'bad length';
  for (let pc = 0; pc < n; pc++) {
    const [code, jt, jf, k] = prog[pc]!;
    if (!ALLOWED.has(code)) return `instruction ${pc}: unknown code ${code}`;
    switch (code) {
      case ALU | DIV | K: case ALU | MOD | K:
        if (k === 0) return `instruction ${pc}: division by zero`;
        break;
      case ALU | LSH | K: case ALU | RSH | K:
        if (k >= 32) return `instruction ${pc}: shift by ${k}`;
        break;
      case LD | MEM: case LDX | MEM: case ST: case STX:
        if (k >= MEMWORDS) return `instruction ${pc}: memory word ${k}`;
        break;
      case JMP | JA:
        if (k >= n - pc - 1) return `instruction ${pc}: jump out of the program`;
        break;
      case LD | W | ABS: case LD | H | ABS: case LD | B | ABS:
        if (k >= 0xfffff000 && !(k - 0xfffff000 in ANC_NAMES)) return `instruction ${pc}: unknown ancillary load`;
        break;
      default:
        if ((code & 0x07) === JMP && (pc + jt + 1 >= n || pc + jf + 1 >= n)) return `instruction ${pc}: jump out of the program`;
    }
  }
  const last = prog[n - 1]![0];
  if (last !== (RET | K) && last !== (RET | A)) return 'the program does not end with a return';
  if (!loadsAfterStores(prog)) return 'a scratch memory word is read before it is written';
  return undefined;
}

/** Ancillary offsets a program loads (LD ABS with k >= SKF_AD_OFF; the checker allows only known ones). */
function ancillaryUsed(prog: readonly Insn[]): number[] {
  const out: number[] = [];
  for (const [code, , , k] of prog) {
    if (code !== (LD | W | ABS) && code !== (LD | H | ABS) && code !== (LD | B | ABS)) continue;
    const off = k | 0;
    if (off < 0 && off >= SKF_AD_OFF) out.push(off - SKF_AD_OFF);
  }
  return out;
}

/** The interpreter for one rule's program; throws BindError for ancillary data rawgate lacks. */
export function bindBpf(m: BpfMatch): (ctx: PacketContext) => boolean {
  for (const anc of ancillaryUsed(m.program)) {
    if (!ANC_SUPPORTED.includes(anc)) {
      throw new BindError(`match 'bpf' cannot be evaluated: its program reads ancillary data SKF_AD_${ANC_NAMES[anc] ?? anc}, which rawgate does not have`);
    }
  }
  const n = m.program.length;
  const code = Uint16Array.from(m.program, (i) => i[0]);
  const jt = Uint8Array.from(m.program, (i) => i[1]);
  const jf = Uint8Array.from(m.program, (i) => i[2]);
  const kk = Uint32Array.from(m.program, (i) => i[3]);
  const mem = new Uint32Array(MEMWORDS);
  return (ctx) => runBpf(ctx, n, code, jt, jf, kk, mem) !== 0;
}

/** A load of `size` bytes at signed offset `off` (from the IP header), or -1 when outside the packet. */
function load(ctx: PacketContext, off: number, size: number): number {
  const buf = ctx.buf;
  let start: number, lo: number;
  if (off >= 0) {
    start = ctx.l3Off + off; lo = ctx.l3Off;
  } else if (off >= SKF_NET_OFF) {
    start = ctx.l3Off + (off - SKF_NET_OFF); lo = ctx.l3Off;
  } else if (off >= SKF_LL_OFF) {
    if (ctx.l2Len === 0) return -1; // no link-layer header (TUN port, or generated locally)
    start = ctx.frameOff + (off - SKF_LL_OFF); lo = ctx.frameOff;
  } else {
    return -1;
  }
  if (start < lo || start + size > ctx.l3Off + ctx.ipTotLen) return -1;
  if (size === 1) return buf[start]!;
  if (size === 2) return (buf[start]! << 8) | buf[start + 1]!;
  return ((buf[start]! << 24) | (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!) >>> 0;
}

function ancillary(ctx: PacketContext, anc: number, a: number, x: number): number {
  switch (anc) {
    case SKF_AD_PROTOCOL: return 0x0800;
    case SKF_AD_PKTTYPE: return ctx.pktType;
    case SKF_AD_MARK: return ctx.mark >>> 0;
    default: return (a ^ x) >>> 0; // SKF_AD_ALU_XOR_X (the only other one bindBpf lets through)
  }
}

function runBpf(
  ctx: PacketContext, n: number, code: Uint16Array, jt: Uint8Array, jf: Uint8Array, kk: Uint32Array, mem: Uint32Array,
): number {
  let a = 0, x = 0;
  mem.fill(0);
  for (let pc = 0; pc < n; pc++) {
    const c = code[pc]!, k = kk[pc]!;
    switch (c) {
      case LD | W | ABS: case LD | H | ABS: case LD | B | ABS: {
        const size = (c & 0x18) === W ? 4 : (c & 0x18) === H ? 2 : 1;
        const off = k | 0;
        if (off < 0 && off >= SKF_AD_OFF) { a = ancillary(ctx, off - SKF_AD_OFF, a, x); break; }
        const v = load(ctx, off, size);
        if (v < 0) return 0;
        a = v;
        break;
      }
      case LD | W | IND: case LD | H | IND: case LD | B | IND: {
        const size = (c & 0x18) === W ? 4 : (c & 0x18) === H ? 2 : 1;
        const v = load(ctx, (x + k) | 0, size);
        if (v < 0) return 0;
        a = v;
        break;
      }
      case LD | W | LEN: a = ctx.ipTotLen; break;
      case LDX | W | LEN: x = ctx.ipTotLen; break;
      case LD | IMM: a = k; break;
      case LDX | IMM: x = k; break;
      case LD | MEM: a = mem[k]!; break;
      case LDX | MEM: x = mem[k]!; break;
      case LDX | B | MSH: {
        const v = load(ctx, k | 0, 1);
        if (v < 0) return 0;
        x = (v & 0xf) << 2;
        break;
      }
      case ST: mem[k] = a; break;
      case STX: mem[k] = x; break;
      case MISC | TAX: x = a; break;
      case MISC | TXA: a = x; break;
      case RET | K: return k;
      case RET | A: return a;
      case JMP | JA: pc += k; break;
      case JMP | JEQ | K: pc += a === k ? jt[pc]! : jf[pc]!; break;
      case JMP | JEQ | X: pc += a === x ? jt[pc]! : jf[pc]!; break;
      case JMP | JGT | K: pc += a > k ? jt[pc]! : jf[pc]!; break;
      case JMP | JGT | X: pc += a > x ? jt[pc]! : jf[pc]!; break;
      case JMP | JGE | K: pc += a >= k ? jt[pc]! : jf[pc]!; break;
      case JMP | JGE | X: pc += a >= x ? jt[pc]! : jf[pc]!; break;
      case JMP | JSET | K: pc += (a & k) !== 0 ? jt[pc]! : jf[pc]!; break;
      case JMP | JSET | X: pc += (a & x) !== 0 ? jt[pc]! : jf[pc]!; break;
      case ALU | NEG: a = (-a) >>> 0; break;
      default: {
        // ALU with K or X.
        const s = (c & X) ? x : k;
        switch (c & 0xf0) {
          case ADD: a = (a + s) >>> 0; break;
          case SUB: a = (a - s) >>> 0; break;
          case MUL: a = Math.imul(a, s) >>> 0; break;
          case DIV: if (s === 0) return 0; a = Math.floor(a / s) >>> 0; break;
          case MOD: if (s === 0) return 0; a = (a % s) >>> 0; break;
          case OR: a = (a | s) >>> 0; break;
          case AND: a = (a & s) >>> 0; break;
          case XOR: a = (a ^ s) >>> 0; break;
          case LSH: a = (a << (s & 31)) >>> 0; break;
          case RSH: a = a >>> (s & 31); break;
          default: return 0;
        }
      }
    }
  }
  return 0;
}
