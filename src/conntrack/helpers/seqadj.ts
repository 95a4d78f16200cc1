/**
 * TCP sequence adjustment (nf_conntrack_seqadj.c): when a NAT helper changes
 * a segment's length, every later segment of the connection has its
 * sequence number moved in the sender's direction and its acknowledgement
 * (and SACK blocks) moved back in the other one.
 * Per connection and direction: correction_pos (the sequence number of the
 * last segment whose length changed), offset_before (the offset for data up
 * to and including that segment) and offset_after (for data after it).
 * Invariants:
 * - Typed arrays per slot; meaningful only while the entry has SEQ_ADJUST
 *   (the owner zeroes a slot's state when a helper is attached to it).
 * - Sequence arithmetic is modulo 2^32 (before()/after() as the kernel's).
 * - adjust() rewrites in place and fixes the TCP checksum incrementally;
 *   it allocates nothing.
 */
import { csumReplace16, csumReplace32 } from '../../packet/checksum.js';

const rd32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const wr32 = (b: Uint8Array, o: number, v: number): void => { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255; };
/** after(a, b): a is later than b in sequence space. */
export const seqAfter = (a: number, b: number): boolean => ((b - a) | 0) < 0;
export const seqBefore = (a: number, b: number): boolean => ((a - b) | 0) < 0;

const TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_SACK = 5;

export class SeqAdj {
  private readonly pos: Uint32Array;
  private readonly before: Int32Array;
  private readonly after: Int32Array;

  constructor(capacity: number) {
    this.pos = new Uint32Array(capacity * 2);
    this.before = new Int32Array(capacity * 2);
    this.after = new Int32Array(capacity * 2);
  }

  reset(slot: number): void {
    for (let d = 0; d < 2; d++) {
      const i = slot * 2 + d;
      this.pos[i] = 0;
      this.before[i] = 0;
      this.after[i] = 0;
    }
  }

  correctionPos(slot: number, dir: number): number { return this.pos[slot * 2 + dir]; }
  offsetBefore(slot: number, dir: number): number { return this.before[slot * 2 + dir]; }
  offsetAfter(slot: number, dir: number): number { return this.after[slot * 2 + dir]; }

  /**
   * nf_ct_seqadj_set: the segment of direction dir starting at `seq` grew by
   * `off` bytes (negative: shrank). A retransmission of an already counted
   * segment (seq not after correction_pos) changes nothing, unless this is
   * the first change.
   */
  set(slot: number, dir: number, seq: number, off: number): void {
    if (off === 0) return;
    const i = slot * 2 + dir;
    if (this.before[i] === this.after[i] || seqBefore(this.pos[i], seq)) {
      this.pos[i] = seq >>> 0;
      this.before[i] = this.after[i];
      this.after[i] = (this.after[i] + off) | 0;
    }
  }

  /** nf_ct_seq_offset: the offset for sequence number seq of direction dir. */
  offset(slot: number, dir: number, seq: number): number {
    const i = slot * 2 + dir;
    return seqAfter(seq, this.pos[i]) ? this.after[i] : this.before[i];
  }

  /** The new seq for a segment of direction dir. */
  adjustSeq(slot: number, dir: number, seq: number): number {
    return (seq + this.offset(slot, dir, seq)) >>> 0;
  }

  /** The new ack (or SACK edge) for a segment of direction dir: corrected by the other direction's offsets. */
  adjustAck(slot: number, dir: number, ack: number): number {
    const o = slot * 2 + (1 - dir);
    const off = seqAfter((ack - this.before[o]) >>> 0, this.pos[o]) ? this.after[o] : this.before[o];
    return (ack - off) >>> 0;
  }

  /**
   * nf_ct_seq_adjust on the TCP segment at l4 (hdrLen bytes of header) of
   * direction dir: seq, then (with ACK) ack and the SACK blocks. False when
   * the options are malformed (the kernel drops the segment).
   */
  adjust(slot: number, dir: number, b: Uint8Array, l4: number, hdrLen: number): boolean {
    const seq = rd32(b, l4 + 4);
    const ns = this.adjustSeq(slot, dir, seq);
    if (ns !== seq) {
      csumReplace32(b, l4 + 16, seq, ns);
      wr32(b, l4 + 4, ns);
    }
    if ((b[l4 + 13] & 0x10) === 0) return true;
    const ack = rd32(b, l4 + 8);
    const na = this.adjustAck(slot, dir, ack);
    if (na !== ack) {
      csumReplace32(b, l4 + 16, ack, na);
      wr32(b, l4 + 8, na);
    }
    return this.adjustSack(slot, dir, b, l4, hdrLen);
  }

  /** nf_ct_sack_adjust: every block of every SACK option, edges as acks. */
  private adjustSack(slot: number, dir: number, b: Uint8Array, l4: number, hdrLen: number): boolean {
    let p = l4 + 20;
    const end = l4 + hdrLen;
    while (p < end) {
      const kind = b[p];
      if (kind === TCPOPT_EOL) return true;
      if (kind === TCPOPT_NOP) {
        p++;
        continue;
      }
      const len = b[p + 1];
      if (p + 1 === end || p + len > end || len < 2) return false;
      if (kind === TCPOPT_SACK && len >= 10 && (len - 2) % 8 === 0) {
        for (let q = p + 2; q < p + len; q += 4) {
          const v = rd32(b, q);
          const nv = this.adjustAck(slot, dir, v);
          if (nv !== v) {
            // A block may sit at an odd distance from the header (one NOP before the option).
            const odd = ((q - l4) & 1) === 1;
            csumReplace16(b, l4 + 16, v >>> 16, nv >>> 16, odd);
            csumReplace16(b, l4 + 16, v & 0xffff, nv & 0xffff, odd);
            wr32(b, q, nv);
          }
        }
      }
      p += len;
    }
    return true;
  }
}
