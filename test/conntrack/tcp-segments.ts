/**
 * Test segments for the TCP tracker: IPv4+TCP bytes built field by field
 * (checksums correct), parsed by the real parser into a PacketContext, and a
 * small driver that plays the conntrack table's part (start, SEEN_REPLY,
 * ASSURED, kill, the timer) around TcpTracker.
 */
import { PacketContext } from '../../src/packet/context.js';
import { parseIPv4 } from '../../src/packet/parse.js';
import { setIpChecksum, setTcpChecksum } from '../../src/packet/checksum.js';
import { wr16, wr32 } from '../../src/packet/bytes.js';
import { DropReason } from '../../src/packet/drop-reason.js';
import { CONNTRACK_DEFAULTS, type ConntrackSettings } from '../../src/conntrack/settings.js';
import { InvalidReason } from '../../src/conntrack/invalid.js';
import { TcpTracker, TcpVerdict } from '../../src/conntrack/tcp.js';

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80;

export const CLIENT = 0x0a000001; // 10.0.0.1:40000
export const SERVER = 0x0a000002; // 10.0.0.2:80

export interface Seg {
  flags: number;
  seq?: number;
  ack?: number;
  win?: number;
  /** Payload bytes (zeros). */
  len?: number;
  /** Raw option bytes (padded with EOL to a multiple of 4). */
  opts?: number[];
  /** Override the data offset (bytes) written in the header. */
  doff?: number;
}

/** Option byte helpers. */
export const wscale = (s: number): number[] => [1, 3, 3, s];
export const sackPerm = (): number[] => [4, 2];
export const mss = (m: number): number[] => [2, 4, m >>> 8, m & 0xff];
export const timestamps = (val = 1, ecr = 0): number[] => [1, 1, 8, 10, ...u32(val), ...u32(ecr)];
export const sackBlocks = (...edges: [number, number][]): number[] =>
  [1, 1, 5, 2 + 8 * edges.length, ...edges.flatMap(([l, r]) => [...u32(l), ...u32(r)])];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** The segment as IPv4 bytes: dir 0 client → server, 1 server → client. */
export function segmentBytes(dir: number, s: Seg): Uint8Array {
  const opts = [...(s.opts ?? [])];
  while (opts.length % 4) opts.push(0);
  const th = 20 + opts.length;
  const len = s.len ?? 0;
  const tot = 20 + th + len;
  const b = new Uint8Array(tot);
  b[0] = 0x45;
  wr16(b, 2, tot);
  b[8] = 64;
  b[9] = 6;
  wr32(b, 12, dir === 0 ? CLIENT : SERVER);
  wr32(b, 16, dir === 0 ? SERVER : CLIENT);
  setIpChecksum(b, 0);
  const t = 20;
  wr16(b, t, dir === 0 ? 40000 : 80);
  wr16(b, t + 2, dir === 0 ? 80 : 40000);
  wr32(b, t + 4, (s.seq ?? 0) >>> 0);
  wr32(b, t + 8, (s.ack ?? 0) >>> 0);
  b[t + 12] = (((s.doff ?? th) >>> 2) & 0xf) << 4;
  b[t + 13] = s.flags;
  wr16(b, t + 14, s.win ?? 65535);
  b.set(opts, t + 20);
  setTcpChecksum(b, 0, t, th + len);
  return b;
}

/** Parse IPv4 bytes (as the pipeline would) into a fresh context. */
export function parse(bytes: Uint8Array): PacketContext {
  const ctx = new PacketContext();
  const r = parseIPv4(ctx, bytes, 0, bytes.length);
  if (r !== DropReason.NONE) throw new Error(`test packet does not parse: ${r}`);
  return ctx;
}

export const seg = (dir: number, s: Seg): PacketContext => parse(segmentBytes(dir, s));

export const settings = (over: Partial<ConntrackSettings> = {}): ConntrackSettings => ({ ...CONNTRACK_DEFAULTS, ...over });

export interface Step {
  verdict: number;
  state: number;
  timeout: number;
  reason: number;
  assured: boolean;
  kill: boolean;
  changed: boolean;
}

/**
 * One connection in slot `slot`, driven as the table would: start() on the
 * first packet, SEEN_REPLY once a reply is accepted, ASSURED when told, the
 * timer set when told. `remaining` is what the timer shows when a packet
 * arrives (tests set it to model time passing).
 */
export class Conn {
  seenReply = false;
  assured = false;
  alive = false;
  remaining = 0;
  readonly t: TcpTracker;

  constructor(s: ConntrackSettings = settings(), readonly slot = 3, capacity = 8, tracker?: TcpTracker) {
    this.t = tracker ?? new TcpTracker(capacity, s);
  }

  /** The first packet (original direction): start() then packet(). */
  first(ctx: PacketContext): Step {
    this.seenReply = false;
    this.assured = false;
    const r = this.t.start(this.slot, ctx);
    if (r !== InvalidReason.NONE) {
      return { verdict: TcpVerdict.INVALID, state: -1, timeout: -1, reason: r, assured: false, kill: false, changed: false };
    }
    this.alive = true;
    return this.send(0, ctx);
  }

  send(dir: number, ctx: PacketContext): Step {
    const t = this.t;
    const v = t.packet(this.slot, dir, ctx, this.seenReply, this.assured, this.remaining);
    if (v === TcpVerdict.ACCEPT || v === TcpVerdict.IGNORE) {
      if (dir === 1) this.seenReply = true;
      if (t.setAssured) this.assured = true;
      if (t.kill) this.alive = false;
    }
    if (t.timeout >= 0) this.remaining = t.timeout;
    if (v === TcpVerdict.REOPEN) this.alive = false;
    return { verdict: v, state: t.state(this.slot), timeout: t.timeout, reason: t.reason, assured: t.setAssured, kill: t.kill, changed: t.changed };
  }

  get state(): number {
    return this.t.state(this.slot);
  }

  /** Window fields of a direction, read from the tracker's arrays. */
  win(dir: number): { end: number; maxend: number; maxwin: number; maxack: number; scale: number; flags: number } {
    const w = this.t.st.w;
    const b = this.t.st.b;
    const o = this.slot * 11 + dir * 4;
    const p = this.slot * 10 + 1 + dir * 2;
    return { end: w[o], maxend: w[o + 1], maxwin: w[o + 2], maxack: w[o + 3], scale: b[p], flags: b[p + 1] };
  }
}

/**
 * A Conn that also keeps each side's next sequence number, so segments can
 * be made "as the endpoint would send them next": seq = own next, ack = the
 * other side's next. send* advances the sender's next by the segment length.
 */
export class Flow extends Conn {
  nxt: [number, number];

  constructor(s: ConntrackSettings = settings(), isn: [number, number] = [1000, 5000], slot = 3) {
    super(s, slot);
    this.nxt = [isn[0] >>> 0, isn[1] >>> 0];
  }

  /** The segment dir would send next (not sent, nothing advanced). */
  mk(dir: number, flags: number, extra: Partial<Seg> = {}): PacketContext {
    return seg(dir, { flags, seq: this.nxt[dir], ack: flags & ACK ? this.nxt[1 - dir] : 0, ...extra });
  }

  private advance(dir: number, flags: number, len: number): void {
    this.nxt[dir] = (this.nxt[dir] + len + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0)) >>> 0;
  }

  /** Send (first packet when nothing is tracked yet) and advance. */
  go(dir: number, flags: number, extra: Partial<Seg> = {}): Step {
    const ctx = this.mk(dir, flags, extra);
    const r = this.alive || dir === 1 ? this.send(dir, ctx) : this.first(ctx);
    this.advance(dir, flags, extra.len ?? 0);
    return r;
  }
}
