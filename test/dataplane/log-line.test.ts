/**
 * The LOG line against the kernel: every line of the observed appendix A3
 * (Linux 6.18, shared/reference/observed/A3-LOG-lines-kernel-6.18.txt) is
 * rebuilt from the packet that produced it — Ethernet header, IPv4 header and
 * L4 header byte for byte, with every field the line shows — parsed with
 * parseFrame, given the metadata the pipeline sets (in/out interface, mark,
 * local/uid/gid), and formatted; the string must be identical, trailing space
 * included. A second group covers branches of nf_log_syslog.c that A3 does
 * not exercise (IP options, fragments, CE, AE/RES, TUN, truncation, ICMP
 * redirect/frag-needed/parameter problem, AH/ESP, UDP-Lite, --log-macdecode);
 * those expectations are read from the kernel source, not observed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LogFlags, formatLogLine } from '../../src/dataplane/log-line.js';
import { logTarget } from '../../src/iptables/ext/log-target.js';
import type { ParseCtx } from '../../src/iptables/ext/types.js';
import { ipHeaderChecksum } from '../../src/packet/checksum.js';
import { PacketContext } from '../../src/packet/context.js';
import { DropReason } from '../../src/packet/drop-reason.js';
import { parseFrame } from '../../src/packet/parse.js';

// ---------------------------------------------------------------- packet builders

const ip4 = (s: string): number[] => s.split('.').map(Number);
const mac = (s: string): number[] => s.split(':').map((h) => parseInt(h, 16));
const be16 = (v: number): number[] => [(v >>> 8) & 255, v & 255];
const be32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const hexBytes = (h: string): number[] => (h.match(/../g) ?? []).map((x) => parseInt(x, 16));
const fill = (n: number, start = 0x10): number[] => Array.from({ length: n }, (_, i) => (start + i) & 255);

function eth(dst: string, src: string, type = 0x0800): number[] {
  return [...mac(dst), ...mac(src), ...be16(type)];
}

interface IpSpec {
  src: string;
  dst: string;
  tos?: number;
  ttl: number;
  id: number;
  df?: boolean;
  mf?: boolean;
  /** The reserved flag 0x8000 (the kernel's IP_CE). */
  ce?: boolean;
  fragOff?: number;
  proto: number;
  opts?: number[];
  /** Override the total length (default: header + payload). */
  totLen?: number;
}

function ipv4(p: IpSpec, payload: number[]): number[] {
  const opts = p.opts ?? [];
  const hl = 20 + opts.length;
  const fo = (p.ce ? 0x8000 : 0) | (p.df ? 0x4000 : 0) | (p.mf ? 0x2000 : 0) | (p.fragOff ?? 0);
  const h = [
    0x40 | (hl >> 2), p.tos ?? 0, ...be16(p.totLen ?? hl + payload.length), ...be16(p.id), ...be16(fo),
    p.ttl, p.proto, 0, 0, ...ip4(p.src), ...ip4(p.dst), ...opts,
  ];
  const cs = ipHeaderChecksum(Uint8Array.from(h), 0, hl);
  h[10] = cs >>> 8;
  h[11] = cs & 255;
  return [...h, ...payload];
}

/** TCP flag bits by name, as in the LOG line. */
const F = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 };

interface TcpSpec {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags: number;
  window: number;
  urgp?: number;
  opts?: number[];
  /** Low nibble of byte 12: 3 reserved bits and AE. */
  resAe?: number;
}

function tcp(t: TcpSpec, payload: number[] = []): number[] {
  const opts = t.opts ?? [];
  const hl = 20 + opts.length;
  return [
    ...be16(t.sport), ...be16(t.dport), ...be32(t.seq ?? 0), ...be32(t.ack ?? 0),
    ((hl >> 2) << 4) | (t.resAe ?? 0), t.flags, ...be16(t.window), 0, 0, ...be16(t.urgp ?? 0),
    ...opts, ...payload,
  ];
}

function udp(sport: number, dport: number, payload: number[]): number[] {
  return [...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload];
}

function icmpEcho(type: number, id: number, seq: number, dataLen: number): number[] {
  return [type, 0, 0, 0, ...be16(id), ...be16(seq), ...fill(dataLen)];
}

/** ICMP error: type, code, the 4 "rest of header" bytes, the quoted packet. */
function icmpErr(type: number, code: number, rest: number[], quoted: number[]): number[] {
  return [type, code, 0, 0, ...rest, ...quoted];
}

// ---------------------------------------------------------------- the pipeline's view

interface Meta {
  /** true: an Ethernet frame (receiveL2); false: a bare IP packet (TUN in, or local out). */
  l2: boolean;
  inIf: number;
  outIf: number;
  mark?: number;
  local?: boolean;
  uid?: number;
  gid?: number;
}

const NAMES = ['rgr0', 'rgr1'];

/** Parse the bytes at a non-zero offset of a larger buffer, set metadata like pipeline.ts, format. */
function logLine(frame: number[], m: Meta, prefix: string, flags: number): string {
  const OFF = 70;
  const buf = new Uint8Array(OFF + frame.length + 16);
  buf.fill(0xee);
  buf.set(frame, OFF);
  const ctx = new PacketContext();
  expect(parseFrame(ctx, buf, OFF, frame.length, m.l2)).toBe(DropReason.NONE);
  ctx.inIf = m.inIf;
  ctx.outIf = m.outIf;
  ctx.local = m.local ?? false;
  ctx.mark = m.mark ?? 0;
  ctx.uid = m.uid ?? -1;
  ctx.gid = m.gid ?? -1;
  const name = (i: number) => (i >= 0 ? NAMES[i] : '');
  return formatLogLine(ctx, prefix, flags, name(ctx.inIf), name(ctx.outIf));
}

// ---------------------------------------------------------------- A3

// The lab: client 10.91.1.2 (b6:fa:3c:26:a5:d9) — rgr0 10.91.1.1 (32:7d:6d:ed:60:f3)
// router rgr1 10.91.2.1 (12:26:e8:ec:a2:61) — server 10.91.2.2 (4a:52:78:18:f9:5a).
const TO_RGR0 = eth('32:7d:6d:ed:60:f3', 'b6:fa:3c:26:a5:d9');
const TO_RGR1 = eth('12:26:e8:ec:a2:61', '4a:52:78:18:f9:5a');
const C = '10.91.1.2';
const S = '10.91.2.2';
const FWD_IN0: Meta = { l2: true, inIf: 0, outIf: 1 };
const FWD_IN1: Meta = { l2: true, inIf: 1, outIf: 0 };
const IN0: Meta = { l2: true, inIf: 0, outIf: -1 };
const IN1: Meta = { l2: true, inIf: 1, outIf: -1 };
const MARKED: Meta = { ...FWD_IN0, mark: 0x2a };
/** The FORWARD rules behind RG-FWD-TCPR had --log-tcp-sequence --log-tcp-options. */
const SEQOPT = LogFlags.TCP_SEQ | LogFlags.TCP_OPT;

// TCP options of the client's segments (not printed: that rule had no --log-tcp-options).
const C_SYN_OPTS = hexBytes('020405B40402080A88D7BC770000000001030307');
const C_TS = hexBytes('0101080A88D7BC776392FF76');
const CISN = 2595416492;
const SISN = 1457104138;

interface Case {
  name: string;
  frame: number[];
  meta: Meta;
  prefix: string;
  flags: number;
  line: string;
}

const A3: Case[] = [
  {
    name: 'FORWARD ICMP echo request with MAC and DF',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 6814, df: true, proto: 1 }, icmpEcho(8, 27376, 1, 56))],
    meta: FWD_IN0, prefix: 'RG-FWD-ICMP: ', flags: 0,
    line: 'RG-FWD-ICMP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=6814 DF PROTO=ICMP TYPE=8 CODE=0 ID=27376 SEQ=1 ',
  },
  {
    name: 'FORWARD ICMP echo reply without DF',
    frame: [...TO_RGR1, ...ipv4({ src: S, dst: C, ttl: 63, id: 45802, proto: 1 }, icmpEcho(0, 27376, 1, 56))],
    meta: FWD_IN1, prefix: 'RG-FWD-ICMP: ', flags: 0,
    line: 'RG-FWD-ICMP: IN=rgr1 OUT=rgr0 MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 SRC=10.91.2.2 DST=10.91.1.2 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=45802 PROTO=ICMP TYPE=0 CODE=0 ID=27376 SEQ=1 ',
  },
  {
    name: 'INPUT ICMP echo request (OUT= empty, TTL not decremented)',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: '10.91.1.1', ttl: 64, id: 25465, df: true, proto: 1 }, icmpEcho(8, 27377, 1, 56))],
    meta: IN0, prefix: 'RG-IN-ICMP: ', flags: 0,
    line: 'RG-IN-ICMP: IN=rgr0 OUT= MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.1.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=25465 DF PROTO=ICMP TYPE=8 CODE=0 ID=27377 SEQ=1 ',
  },
  {
    // The router's own echo reply: --log-uid, but the kernel's ICMP socket has no owner, so no UID/GID.
    name: 'OUTPUT echo reply from the router: no MAC, --log-uid without an owner',
    frame: ipv4({ src: '10.91.1.1', dst: C, ttl: 64, id: 682, proto: 1 }, icmpEcho(0, 27377, 1, 56)),
    meta: { l2: false, inIf: -1, outIf: 0, local: true }, prefix: 'RG-OUT-ICMP: ', flags: LogFlags.UID,
    line: 'RG-OUT-ICMP: IN= OUT=rgr0 SRC=10.91.1.1 DST=10.91.1.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=682 PROTO=ICMP TYPE=0 CODE=0 ID=27377 SEQ=1 ',
  },
  {
    name: 'OUTPUT echo request from a local process: UID/GID with --log-uid',
    frame: ipv4({ src: '10.91.2.1', dst: S, ttl: 64, id: 3167, df: true, proto: 1 }, icmpEcho(8, 27378, 1, 56)),
    meta: { l2: false, inIf: -1, outIf: 1, local: true, uid: 0, gid: 0 }, prefix: 'RG-OUT-ICMP: ', flags: LogFlags.UID,
    line: 'RG-OUT-ICMP: IN= OUT=rgr1 SRC=10.91.2.1 DST=10.91.2.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=3167 DF PROTO=ICMP TYPE=8 CODE=0 ID=27378 SEQ=1 UID=0 GID=0 ',
  },
  {
    name: 'INPUT ICMP echo reply',
    frame: [...TO_RGR1, ...ipv4({ src: S, dst: '10.91.2.1', ttl: 64, id: 64891, proto: 1 }, icmpEcho(0, 27378, 1, 56))],
    meta: IN1, prefix: 'RG-IN-ICMP: ', flags: 0,
    line: 'RG-IN-ICMP: IN=rgr1 OUT= MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 SRC=10.91.2.2 DST=10.91.2.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=64891 PROTO=ICMP TYPE=0 CODE=0 ID=27378 SEQ=1 ',
  },
  {
    name: 'FORWARD TCP SYN with options (not logged) and MARK',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 22919, df: true, proto: 6 },
      tcp({ sport: 44336, dport: 8080, seq: CISN, flags: F.SYN, window: 64240, opts: C_SYN_OPTS }))],
    meta: MARKED, prefix: 'RG-FWD-TCP: ', flags: 0,
    line: 'RG-FWD-TCP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=22919 DF PROTO=TCP SPT=44336 DPT=8080 WINDOW=64240 RES=0x00 SYN URGP=0 MARK=0x2a ',
  },
  {
    name: 'FORWARD TCP SYN-ACK with SEQ/ACK and OPT (--log-tcp-sequence --log-tcp-options)',
    frame: [...TO_RGR1, ...ipv4({ src: S, dst: C, ttl: 63, id: 0, df: true, proto: 6 },
      tcp({ sport: 8080, dport: 44336, seq: SISN, ack: CISN + 1, flags: F.SYN | F.ACK, window: 65160,
        opts: hexBytes('020405B40402080A6392FF7688D7BC770103030A') }))],
    meta: FWD_IN1, prefix: 'RG-FWD-TCPR: ', flags: SEQOPT,
    line: 'RG-FWD-TCPR: IN=rgr1 OUT=rgr0 MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 SRC=10.91.2.2 DST=10.91.1.2 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=TCP SPT=8080 DPT=44336 SEQ=1457104138 ACK=2595416493 WINDOW=65160 RES=0x00 ACK SYN URGP=0 OPT (020405B40402080A6392FF7688D7BC770103030A) ',
  },
  {
    name: 'FORWARD TCP ACK with MARK',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 22920, df: true, proto: 6 },
      tcp({ sport: 44336, dport: 8080, seq: CISN + 1, ack: SISN + 1, flags: F.ACK, window: 63, opts: C_TS }))],
    meta: MARKED, prefix: 'RG-FWD-TCP: ', flags: 0,
    line: 'RG-FWD-TCP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=22920 DF PROTO=TCP SPT=44336 DPT=8080 WINDOW=63 RES=0x00 ACK URGP=0 MARK=0x2a ',
  },
  {
    name: 'FORWARD TCP ACK PSH with 2 bytes of data',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 22921, df: true, proto: 6 },
      tcp({ sport: 44336, dport: 8080, seq: CISN + 1, ack: SISN + 1, flags: F.ACK | F.PSH, window: 63, opts: C_TS }, [0x68, 0x0a]))],
    meta: MARKED, prefix: 'RG-FWD-TCP: ', flags: 0,
    line: 'RG-FWD-TCP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=54 TOS=0x00 PREC=0x00 TTL=63 ID=22921 DF PROTO=TCP SPT=44336 DPT=8080 WINDOW=63 RES=0x00 ACK PSH URGP=0 MARK=0x2a ',
  },
  {
    name: 'FORWARD TCP reply ACK with SEQ/ACK and timestamp OPT',
    frame: [...TO_RGR1, ...ipv4({ src: S, dst: C, ttl: 63, id: 29010, df: true, proto: 6 },
      tcp({ sport: 8080, dport: 44336, seq: 1457104139, ack: 2595416495, flags: F.ACK, window: 64,
        opts: hexBytes('0101080A6392FF7688D7BC77') }))],
    meta: FWD_IN1, prefix: 'RG-FWD-TCPR: ', flags: SEQOPT,
    line: 'RG-FWD-TCPR: IN=rgr1 OUT=rgr0 MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 SRC=10.91.2.2 DST=10.91.1.2 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=29010 DF PROTO=TCP SPT=8080 DPT=44336 SEQ=1457104139 ACK=2595416495 WINDOW=64 RES=0x00 ACK URGP=0 OPT (0101080A6392FF7688D7BC77) ',
  },
  {
    name: 'FORWARD TCP ACK FIN with MARK',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 22922, df: true, proto: 6 },
      tcp({ sport: 44336, dport: 8080, seq: CISN + 3, ack: SISN + 1, flags: F.ACK | F.FIN, window: 63, opts: C_TS }))],
    meta: MARKED, prefix: 'RG-FWD-TCP: ', flags: 0,
    line: 'RG-FWD-TCP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=22922 DF PROTO=TCP SPT=44336 DPT=8080 WINDOW=63 RES=0x00 ACK FIN URGP=0 MARK=0x2a ',
  },
  {
    name: 'FORWARD TCP reply ACK PSH with data, SEQ/ACK and OPT',
    frame: [...TO_RGR1, ...ipv4({ src: S, dst: C, ttl: 63, id: 29011, df: true, proto: 6 },
      tcp({ sport: 8080, dport: 44336, seq: 1457104139, ack: 2595416496, flags: F.ACK | F.PSH, window: 64,
        opts: hexBytes('0101080A6392FF7888D7BC77') }, [0x6f, 0x0a]))],
    meta: FWD_IN1, prefix: 'RG-FWD-TCPR: ', flags: SEQOPT,
    line: 'RG-FWD-TCPR: IN=rgr1 OUT=rgr0 MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 SRC=10.91.2.2 DST=10.91.1.2 LEN=54 TOS=0x00 PREC=0x00 TTL=63 ID=29011 DF PROTO=TCP SPT=8080 DPT=44336 SEQ=1457104139 ACK=2595416496 WINDOW=64 RES=0x00 ACK PSH URGP=0 OPT (0101080A6392FF7888D7BC77) ',
  },
  {
    name: 'FORWARD TCP ACK with MARK (2)',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 22923, df: true, proto: 6 },
      tcp({ sport: 44336, dport: 8080, seq: CISN + 4, ack: SISN + 3, flags: F.ACK, window: 63, opts: C_TS }))],
    meta: MARKED, prefix: 'RG-FWD-TCP: ', flags: 0,
    line: 'RG-FWD-TCP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=22923 DF PROTO=TCP SPT=44336 DPT=8080 WINDOW=63 RES=0x00 ACK URGP=0 MARK=0x2a ',
  },
  {
    name: 'FORWARD TCP reply ACK FIN with SEQ/ACK and OPT',
    frame: [...TO_RGR1, ...ipv4({ src: S, dst: C, ttl: 63, id: 29012, df: true, proto: 6 },
      tcp({ sport: 8080, dport: 44336, seq: 1457104141, ack: 2595416496, flags: F.ACK | F.FIN, window: 64,
        opts: hexBytes('0101080A6392FF7888D7BC79') }))],
    meta: FWD_IN1, prefix: 'RG-FWD-TCPR: ', flags: SEQOPT,
    line: 'RG-FWD-TCPR: IN=rgr1 OUT=rgr0 MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 SRC=10.91.2.2 DST=10.91.1.2 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=29012 DF PROTO=TCP SPT=8080 DPT=44336 SEQ=1457104141 ACK=2595416496 WINDOW=64 RES=0x00 ACK FIN URGP=0 OPT (0101080A6392FF7888D7BC79) ',
  },
  {
    name: 'FORWARD TCP last ACK with MARK',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 22924, df: true, proto: 6 },
      tcp({ sport: 44336, dport: 8080, seq: CISN + 4, ack: SISN + 4, flags: F.ACK, window: 63, opts: C_TS }))],
    meta: MARKED, prefix: 'RG-FWD-TCP: ', flags: 0,
    line: 'RG-FWD-TCP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=22924 DF PROTO=TCP SPT=44336 DPT=8080 WINDOW=63 RES=0x00 ACK URGP=0 MARK=0x2a ',
  },
  {
    name: 'FORWARD UDP (LEN is the UDP length)',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 44159, df: true, proto: 17 }, udp(5556, 9999, [0x68, 0x69, 0x0a]))],
    meta: FWD_IN0, prefix: 'RG-FWD-UDP: ', flags: 0,
    line: 'RG-FWD-UDP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=31 TOS=0x00 PREC=0x00 TTL=63 ID=44159 DF PROTO=UDP SPT=5556 DPT=9999 LEN=11 ',
  },
  {
    name: 'FORWARD ICMP port unreachable quoting the UDP packet in [...]',
    frame: [...TO_RGR1, ...ipv4({ src: S, dst: C, tos: 0xc0, ttl: 63, id: 45813, proto: 1 },
      icmpErr(3, 3, [0, 0, 0, 0],
        ipv4({ src: C, dst: S, ttl: 63, id: 44159, df: true, proto: 17 }, udp(5556, 9999, [0x68, 0x69, 0x0a]))))],
    meta: FWD_IN1, prefix: 'RG-FWD-ICMP: ', flags: 0,
    line: 'RG-FWD-ICMP: IN=rgr1 OUT=rgr0 MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 SRC=10.91.2.2 DST=10.91.1.2 LEN=59 TOS=0x00 PREC=0xC0 TTL=63 ID=45813 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.91.1.2 DST=10.91.2.2 LEN=31 TOS=0x00 PREC=0x00 TTL=63 ID=44159 DF PROTO=UDP SPT=5556 DPT=9999 LEN=11 ] ',
  },
  {
    name: 'FORWARD TCP with URG PSH SYN FIN (flag order) and MARK',
    frame: [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 58071, df: true, proto: 6 },
      tcp({ sport: 1234, dport: 8080, seq: 1, flags: F.URG | F.PSH | F.SYN | F.FIN, window: 1000 }))],
    meta: MARKED, prefix: 'RG-FWD-TCP: ', flags: 0,
    line: 'RG-FWD-TCP: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 SRC=10.91.1.2 DST=10.91.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=63 ID=58071 DF PROTO=TCP SPT=1234 DPT=8080 WINDOW=1000 RES=0x00 URG PSH SYN FIN URGP=0 MARK=0x2a ',
  },
];

const A3_FILE = fileURLToPath(new URL('../reference/observed/A3-LOG-lines-kernel-6.18.txt', import.meta.url));

describe('LOG line: observed kernel 6.18 lines (A3)', () => {
  for (const c of A3) {
    it(c.name, () => {
      expect(logLine(c.frame, c.meta, c.prefix, c.flags)).toBe(c.line);
    });
  }

  it('the cases above are exactly the lines of A3, in order', () => {
    const lines = readFileSync(A3_FILE, 'utf8').split('\n').filter((l) => l !== '');
    expect(A3.map((c) => c.line)).toEqual(lines);
  });

  it('the line does not depend on what the parser left in the parsed fields', () => {
    // Same packet, parsed at another offset with stale bytes around: identical line.
    const c = A3[A3.length - 2];
    const frame = c.frame;
    const buf = new Uint8Array(frame.length + 300).fill(0x5a);
    buf.set(frame, 211);
    const ctx = new PacketContext();
    expect(parseFrame(ctx, buf, 211, frame.length, true)).toBe(DropReason.NONE);
    ctx.inIf = 1;
    ctx.outIf = 0;
    expect(formatLogLine(ctx, c.prefix, 0, 'rgr1', 'rgr0')).toBe(c.line);
  });
});

// ---------------------------------------------------------------- nf_log_syslog.c branches not in A3

describe('LOG line: other branches of nf_log_syslog.c', () => {
  const HEAD0 = 'P: IN=rgr0 OUT=rgr1 MAC=32:7d:6d:ed:60:f3:b6:fa:3c:26:a5:d9:08:00 ';
  const HEAD1 = 'P: IN=rgr1 OUT=rgr0 MAC=12:26:e8:ec:a2:61:4a:52:78:18:f9:5a:08:00 ';
  const ROUTER_ALERT = [0x94, 0x04, 0x00, 0x00];

  it('IP options: OPT (..) after the IP flags with --log-ip-options only', () => {
    const frame = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 7, df: true, proto: 17, opts: ROUTER_ALERT }, udp(1, 2, []))];
    expect(logLine(frame, FWD_IN0, 'P: ', LogFlags.IP_OPT)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=32 TOS=0x00 PREC=0x00 TTL=63 ID=7 DF OPT (94040000) PROTO=UDP SPT=1 DPT=2 LEN=8 ');
    expect(logLine(frame, FWD_IN0, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=32 TOS=0x00 PREC=0x00 TTL=63 ID=7 DF PROTO=UDP SPT=1 DPT=2 LEN=8 ');
  });

  it('fragments: MF on the first, FRAG:n and PROTO only on the others; MARK still printed', () => {
    const first = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 9, mf: true, proto: 17 }, udp(53, 53, fill(16)))];
    expect(logLine(first, { ...FWD_IN0, mark: 1 }, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=44 TOS=0x00 PREC=0x00 TTL=63 ID=9 MF PROTO=UDP SPT=53 DPT=53 LEN=24 MARK=0x1 ');
    const later = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 9, fragOff: 185, proto: 6 }, fill(24))];
    expect(logLine(later, { ...FWD_IN0, mark: 1 }, 'P: ', SEQOPT)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=44 TOS=0x00 PREC=0x00 TTL=63 ID=9 FRAG:185 PROTO=TCP MARK=0x1 ');
    const icmp = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 9, mf: true, fragOff: 3, proto: 1 }, fill(24))];
    expect(logLine(icmp, FWD_IN0, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=44 TOS=0x00 PREC=0x00 TTL=63 ID=9 MF FRAG:3 PROTO=ICMP ');
    const ah = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 9, fragOff: 3, proto: 51 }, fill(24))];
    expect(logLine(ah, FWD_IN0, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=44 TOS=0x00 PREC=0x00 TTL=63 ID=9 FRAG:3 ');
    const esp = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 9, fragOff: 3, proto: 50 }, fill(24))];
    expect(logLine(esp, FWD_IN0, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=44 TOS=0x00 PREC=0x00 TTL=63 ID=9 FRAG:3 PROTO=ESP ');
  });

  it('CE is the reserved IP flag, not the ECN bits; TOS/PREC split the TOS byte', () => {
    // DSCP EF with ECN CE (0xbb): no "CE "; TOS = tos & 0x1E keeps ECN bit 1.
    const ecnCe = [...TO_RGR0, ...ipv4({ src: C, dst: S, tos: 0xbb, ttl: 63, id: 1, proto: 253 }, [])];
    expect(logLine(ecnCe, FWD_IN0, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=20 TOS=0x1A PREC=0xA0 TTL=63 ID=1 PROTO=253 ');
    const evil = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 1, ce: true, df: true, proto: 253 }, [])];
    expect(logLine(evil, FWD_IN0, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=20 TOS=0x00 PREC=0x00 TTL=63 ID=1 CE DF PROTO=253 ');
  });

  it('TCP: RES= shows the 3 reserved bits (<< 2), AE comes before CWR, URGP', () => {
    const frame = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 2, proto: 6 },
      tcp({ sport: 1, dport: 2, flags: 0xff, window: 5, urgp: 77, resAe: 0x0f }))];
    expect(logLine(frame, FWD_IN0, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=63 ID=2 PROTO=TCP SPT=1 DPT=2 WINDOW=5 RES=0x38 AE CWR ECE URG ACK PSH RST SYN FIN URGP=77 ');
    const res = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 2, proto: 6 },
      tcp({ sport: 1, dport: 2, flags: F.ACK, window: 5, resAe: 0x02 }))];
    expect(logLine(res, FWD_IN0, 'P: ', 0)).toContain(' RES=0x08 ACK URGP=0 ');
  });

  it('truncated L4 headers: INCOMPLETE [n bytes] and the line stops (no MARK)', () => {
    const shortUdp = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 3, proto: 17 }, [1, 2, 3])];
    expect(logLine(shortUdp, MARKED, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=23 TOS=0x00 PREC=0x00 TTL=63 ID=3 PROTO=UDP INCOMPLETE [3 bytes] ');
    const shortTcp = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 3, proto: 6 }, fill(12))];
    expect(logLine(shortTcp, MARKED, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=32 TOS=0x00 PREC=0x00 TTL=63 ID=3 PROTO=TCP INCOMPLETE [12 bytes] ');
    // ICMP breaks (not returns): MARK follows.
    const shortIcmp = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 3, proto: 1 }, [8, 0, 0, 0])];
    expect(logLine(shortIcmp, MARKED, 'P: ', 0)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=24 TOS=0x00 PREC=0x00 TTL=63 ID=3 PROTO=ICMP INCOMPLETE [4 bytes] MARK=0x2a ');
    // A doff beyond the segment: OPT (TRUNCATED) without a trailing space, and nothing after.
    const badDoff = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 3, proto: 6 },
      tcp({ sport: 1, dport: 2, flags: F.ACK, window: 1 }).map((x, i) => (i === 12 ? 0xf0 : x)))];
    expect(logLine(badDoff, MARKED, 'P: ', LogFlags.TCP_OPT)).toBe(
      HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=63 ID=3 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 ACK URGP=0 OPT (TRUNCATED)');
  });

  it('ICMP errors: quoted TCP is INCOMPLETE past 8 bytes, frag-needed adds MTU, quoted options with --log-ip-options', () => {
    const quotedTcp = ipv4({ src: C, dst: S, ttl: 63, id: 11, df: true, proto: 6, totLen: 1500, opts: ROUTER_ALERT },
      tcp({ sport: 40000, dport: 80, seq: 5, flags: F.ACK, window: 9 }).slice(0, 8));
    const frame = [...TO_RGR1, ...ipv4({ src: '10.91.2.1', dst: C, tos: 0xc0, ttl: 64, id: 12, proto: 1 },
      icmpErr(3, 4, [0, 0, ...be16(1400)], quotedTcp))];
    expect(logLine(frame, FWD_IN1, 'P: ', LogFlags.IP_OPT | SEQOPT)).toBe(
      HEAD1 + 'SRC=10.91.2.1 DST=10.91.1.2 LEN=60 TOS=0x00 PREC=0xC0 TTL=64 ID=12 PROTO=ICMP TYPE=3 CODE=4 ' +
      '[SRC=10.91.1.2 DST=10.91.2.2 LEN=1500 TOS=0x00 PREC=0x00 TTL=63 ID=11 DF OPT (94040000) PROTO=TCP INCOMPLETE [8 bytes] ] MTU=1400 ');
  });

  it('ICMP time exceeded quoting an echo; redirect prints GATEWAY then the quote; parameter problem does not quote', () => {
    const echo = ipv4({ src: C, dst: S, ttl: 1, id: 13, proto: 1 }, icmpEcho(8, 99, 4, 0));
    const te = [...TO_RGR1, ...ipv4({ src: '10.91.2.1', dst: C, tos: 0xc0, ttl: 64, id: 14, proto: 1 }, icmpErr(11, 0, [0, 0, 0, 0], echo))];
    expect(logLine(te, { ...FWD_IN1, mark: 0xdeadbeef }, 'P: ', 0)).toBe(
      HEAD1 + 'SRC=10.91.2.1 DST=10.91.1.2 LEN=56 TOS=0x00 PREC=0xC0 TTL=64 ID=14 PROTO=ICMP TYPE=11 CODE=0 ' +
      '[SRC=10.91.1.2 DST=10.91.2.2 LEN=28 TOS=0x00 PREC=0x00 TTL=1 ID=13 PROTO=ICMP TYPE=8 CODE=0 ID=99 SEQ=4 ] MARK=0xdeadbeef ');
    const redirect = [...TO_RGR1, ...ipv4({ src: '10.91.2.1', dst: C, ttl: 64, id: 15, proto: 1 }, icmpErr(5, 1, ip4('10.91.2.9'), echo))];
    expect(logLine(redirect, FWD_IN1, 'P: ', 0)).toBe(
      HEAD1 + 'SRC=10.91.2.1 DST=10.91.1.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=15 PROTO=ICMP TYPE=5 CODE=1 GATEWAY=10.91.2.9 ' +
      '[SRC=10.91.1.2 DST=10.91.2.2 LEN=28 TOS=0x00 PREC=0x00 TTL=1 ID=13 PROTO=ICMP TYPE=8 CODE=0 ID=99 SEQ=4 ] ');
    const pp = [...TO_RGR1, ...ipv4({ src: '10.91.2.1', dst: C, ttl: 64, id: 16, proto: 1 }, icmpErr(12, 0, [20, 0, 0, 0], echo))];
    expect(logLine(pp, FWD_IN1, 'P: ', 0)).toBe(
      HEAD1 + 'SRC=10.91.2.1 DST=10.91.1.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=16 PROTO=ICMP TYPE=12 CODE=0 PARAMETER=20 ');
    const shortErr = [...TO_RGR1, ...ipv4({ src: '10.91.2.1', dst: C, ttl: 64, id: 17, proto: 1 }, icmpErr(3, 1, [0, 0, 0, 0], fill(12)))];
    expect(logLine(shortErr, FWD_IN1, 'P: ', 0)).toBe(
      HEAD1 + 'SRC=10.91.2.1 DST=10.91.1.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=17 PROTO=ICMP TYPE=3 CODE=1 INCOMPLETE [20 bytes] ');
  });

  it('AH/ESP SPI, UDP-Lite, other protocols', () => {
    const ah = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 4, proto: 51 }, [6, 4, 0, 0, ...be32(0xf1234567), ...be32(1)])];
    expect(logLine(ah, FWD_IN0, 'P: ', 0)).toBe(HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=32 TOS=0x00 PREC=0x00 TTL=63 ID=4 PROTO=AH SPI=0xf1234567 ');
    const esp = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 4, proto: 50 }, [...be32(0x100), ...be32(1)])];
    expect(logLine(esp, FWD_IN0, 'P: ', 0)).toBe(HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=28 TOS=0x00 PREC=0x00 TTL=63 ID=4 PROTO=ESP SPI=0x100 ');
    const lite = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 4, proto: 136 }, [...be16(7), ...be16(8), ...be16(8), 0, 0])];
    expect(logLine(lite, FWD_IN0, 'P: ', 0)).toBe(HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=28 TOS=0x00 PREC=0x00 TTL=63 ID=4 PROTO=UDPLITE SPT=7 DPT=8 LEN=8 ');
    const gre = [...TO_RGR0, ...ipv4({ src: C, dst: S, ttl: 63, id: 4, proto: 47 }, fill(4))];
    expect(logLine(gre, FWD_IN0, 'P: ', 0)).toBe(HEAD0 + 'SRC=10.91.1.2 DST=10.91.2.2 LEN=24 TOS=0x00 PREC=0x00 TTL=63 ID=4 PROTO=47 ');
  });

  it('MAC: "MAC= " on an input port without L2 (TUN); inner ethertype after a VLAN tag; --log-macdecode', () => {
    const pkt = ipv4({ src: C, dst: S, ttl: 63, id: 5, proto: 253 }, []);
    const tail = 'SRC=10.91.1.2 DST=10.91.2.2 LEN=20 TOS=0x00 PREC=0x00 TTL=63 ID=5 PROTO=253 ';
    expect(logLine(pkt, { l2: false, inIf: 0, outIf: 1 }, 'P: ', 0)).toBe('P: IN=rgr0 OUT=rgr1 MAC= ' + tail);
    expect(logLine(pkt, { l2: false, inIf: 0, outIf: 1 }, 'P: ', LogFlags.MACDECODE)).toBe('P: IN=rgr0 OUT=rgr1 MAC= ' + tail);
    const tagged = [...mac('32:7d:6d:ed:60:f3'), ...mac('b6:fa:3c:26:a5:d9'), 0x81, 0x00, 0x20, 0x07, 0x08, 0x00, ...pkt];
    expect(logLine(tagged, FWD_IN0, 'P: ', 0)).toBe(HEAD0 + tail);
    expect(logLine([...TO_RGR0, ...pkt], FWD_IN0, 'P: ', LogFlags.MACDECODE)).toBe(
      'P: IN=rgr0 OUT=rgr1 MACSRC=b6:fa:3c:26:a5:d9 MACDST=32:7d:6d:ed:60:f3 MACPROTO=0800 ' + tail);
    expect(logLine(tagged, FWD_IN0, 'P: ', LogFlags.MACDECODE)).toBe(
      'P: IN=rgr0 OUT=rgr1 MACSRC=b6:fa:3c:26:a5:d9 MACDST=32:7d:6d:ed:60:f3 VPROTO=8100 VID=7 MACPROTO=0800 ' + tail);
    // OUTPUT: no input device, no MAC at all, even with --log-macdecode.
    expect(logLine(pkt, { l2: false, inIf: -1, outIf: 1, local: true }, 'P: ', LogFlags.MACDECODE)).toBe('P: IN= OUT=rgr1 ' + tail);
  });

  it('UID/GID only for a local sender with --log-uid, before MARK', () => {
    const pkt = ipv4({ src: '10.91.2.1', dst: S, ttl: 64, id: 6, proto: 253 }, []);
    const head = 'P: IN= OUT=rgr1 SRC=10.91.2.1 DST=10.91.2.2 LEN=20 TOS=0x00 PREC=0x00 TTL=64 ID=6 PROTO=253 ';
    const local: Meta = { l2: false, inIf: -1, outIf: 1, local: true, uid: 1000, gid: 100, mark: 0x10 };
    expect(logLine(pkt, local, 'P: ', LogFlags.UID)).toBe(head + 'UID=1000 GID=100 MARK=0x10 ');
    expect(logLine(pkt, local, 'P: ', 0)).toBe(head + 'MARK=0x10 ');
  });

  it('LogFlags are the bits the LOG extension stores', () => {
    const bit = (option: string) => {
      const pc = {} as ParseCtx; // LOG's parse reads nothing from it
      const t = logTarget.init(pc);
      logTarget.parse(t, option, undefined, false, pc);
      return t.flags;
    };
    expect(bit('log-tcp-sequence')).toBe(LogFlags.TCP_SEQ);
    expect(bit('log-tcp-options')).toBe(LogFlags.TCP_OPT);
    expect(bit('log-ip-options')).toBe(LogFlags.IP_OPT);
    expect(bit('log-uid')).toBe(LogFlags.UID);
    expect(bit('log-macdecode')).toBe(LogFlags.MACDECODE);
  });
});
