"""
Crafted-packet driver for test/conntrack/kernel-parity.e2e.test.ts.

Run inside the LAN host's namespace (`ip netns exec <lan> python3 ct_driver.py`),
spec as JSON on stdin, results as JSON on stdout. It opens its LAN sockets,
then joins the WAN host's namespace (setns) for the WAN sockets, so one
process plays both ends of every sequence in a fixed order.

Invariants:
- Packets are sent only on the two host namespaces' own interfaces: a raw IP
  socket (IPPROTO_RAW, the host kernel routes and resolves ARP) per host;
  received frames are read with an AF_PACKET socket bound to that host's
  interface, incoming frames only (PACKET_OUTGOING skipped).
- Every step waits for its effects before the next one is sent (the router's
  conntrack must see the packets in the scripted order): it ends after
  QUIET_S without a new arrival once something arrived, or after MAX_S.
  Frames arriving later still count: they are reported with the step,
  marked late (the test compares them without the mark: what arrives
  matters, not how fast).
- Summaries name addresses symbolically (lan, wan, router.lan, router.wan)
  and leave out what differs between two labs or two runs (IP id,
  checksums, timestamps), so rawgate's and the kernel's runs compare as text.
- Bounded: at most len(steps) packets sent, each step at most MAX_S long.
"""
import ctypes
import json
import os
import select
import socket
import subprocess
import sys
import time

from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw  # noqa: E402  (scapy 2.5)

QUIET_S = 0.08
MAX_S = 0.3
CLONE_NEWNET = 0x40000000
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f'setns {path}')
    finally:
        os.close(fd)


def open_side(iface):
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    rx.bind((iface, ETH_P_IP))
    rx.setblocking(False)
    return tx, rx


PORT_OFFSET = 0


def port(p):
    """Crafted ports (20000-21999) moved by the pass's offset, so a second pass meets no entries of the first."""
    return p + PORT_OFFSET if 20000 <= p < 22000 else p


def l4(d):
    """The L4 part of a descriptor ({tcp|udp|icmp: {...}}) as a scapy layer."""
    if 'tcp' in d:
        t = d['tcp']
        seg = TCP(sport=port(t['sport']), dport=port(t['dport']), flags=t['flags'], seq=t.get('seq', 0) % 2**32, ack=t.get('ack', 0) % 2**32, window=t.get('win', 65535), options=[tuple(o) for o in t.get('options', [])])
        if 'chksum' in t:
            seg.chksum = t['chksum']
        return seg / Raw(t['data'].encode()) if t.get('data') else seg
    if 'udp' in d:
        u = d['udp']
        dgram = UDP(sport=port(u['sport']), dport=port(u['dport']))
        if 'chksum' in u:
            dgram.chksum = u['chksum']
        return dgram / Raw(u.get('data', 'x').encode())
    i = d['icmp']
    msg = ICMP(type=i['type'], code=i.get('code', 0), id=i.get('id', 0), seq=i.get('seq', 0))
    if 'chksum' in i:
        msg.chksum = i['chksum']
    if 'quote' in i:
        q = i['quote']
        inner = bytes(IP(src=q['src'], dst=q['dst'], id=q.get('ipid', 1), ttl=q.get('ttl', 64), frag=q.get('frag', 0)) / l4(q))
        # The quoted IP header and the first 20 bytes of L4 (the whole TCP header; RFC 792 asks for at least 8).
        return msg / Raw(inner[:20 + q.get('quoteLen', 20)])
    data = i.get('data', 'ping').encode()
    return msg / Raw(data) if data else msg


def summary(frame, names):
    p = Ether(frame)
    if IP not in p:
        return None
    ip = p[IP]
    n = lambda a: names.get(a, a)  # noqa: E731
    base = f'{n(ip.src)}>{n(ip.dst)} ttl={ip.ttl} len={ip.len}'
    if TCP in ip and not isinstance(ip.payload, ICMP):
        t = ip[TCP]
        opts = ''.join(f' {o[0]}={o[1]}' for o in t.options)
        return f'TCP {n(ip.src)}:{t.sport}>{n(ip.dst)}:{t.dport} {t.flags} seq={t.seq} ack={t.ack} win={t.window}{opts} data={len(t.payload)} ttl={ip.ttl}'
    if isinstance(ip.payload, UDP):
        u = ip[UDP]
        return f'UDP {n(ip.src)}:{u.sport}>{n(ip.dst)}:{u.dport} data={len(u.payload)} ttl={ip.ttl}'
    if isinstance(ip.payload, ICMP):
        i = ip[ICMP]
        s = f'ICMP {base} type={i.type}/{i.code}'
        if i.type in (0, 8, 13, 14, 15, 16):
            return f'{s} id={i.id} seq={i.seq}'
        inner = bytes(i.payload)
        if len(inner) >= 28:
            q = IP(inner)
            ports = ''
            if q.proto in (6, 17):
                sp, dp = int.from_bytes(inner[q.ihl * 4:q.ihl * 4 + 2], 'big'), int.from_bytes(inner[q.ihl * 4 + 2:q.ihl * 4 + 4], 'big')
                ports = f' {sp}>{dp}'
            s += f' quoting proto={q.proto} {n(q.src)}>{n(q.dst)}{ports}'
        return s
    return f'IP {base} proto={ip.proto}'


def drain(rx):
    got = []
    while True:
        try:
            frame, addr = rx.recvfrom(65535)
        except BlockingIOError:
            return got
        if addr[2] != PACKET_OUTGOING:
            got.append(frame)


def run_cmd(argv, env):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=20, env={**os.environ, **env})
    return {'status': r.returncode, 'stdout': r.stdout, 'stderr': r.stderr}


def main():
    global PORT_OFFSET
    spec = json.load(sys.stdin)
    PORT_OFFSET = spec.get('portOffset', 0)
    addr = {'lan': spec['lanAddr'], 'wan': spec['wanAddr'], 'wan.gw': spec['wanGw']}
    names = {spec['lanAddr']: 'lan', spec['wanAddr']: 'wan', spec['wanGw']: 'wan.gw', spec['routerLan']: 'router.lan', spec['routerWan']: 'router.wan'}
    lan = open_side(spec['iface'])
    setns(f"/run/netns/{spec['wanNs']}")
    wan = open_side(spec['iface'])
    sides = {'lan': lan, 'wan': wan}
    out = []
    prev = None
    # Counters from before this pass (real clients' traffic) are not ours to compare.
    run_cmd(spec['zeroArgv'], spec.get('env', {}))
    for seq in spec['sequences']:
        steps = []
        for st in seq['steps']:
            src = st['from']
            dst = st.get('to', 'wan' if src == 'lan' else 'lan')

            def resolve(d):
                d = dict(d)
                if 'icmp' in d and 'quote' in d['icmp']:
                    q = dict(d['icmp']['quote'])
                    q['src'], q['dst'] = addr[q['src']], addr[q['dst']]
                    d['icmp'] = {**d['icmp'], 'quote': q}
                return d

            pkt = IP(src=addr[st.get('src', src)], dst=addr[dst], id=st.get('ipid', 100 + len(steps)), ttl=st.get('ttl', 64)) / l4(resolve(st))
            # Whatever came after the previous step ended is reported there, marked late (so it still shows up in the comparison).
            for side, (_, rx) in sides.items():
                late = [f'late {x}' for x in (summary(f, names) for f in drain(rx)) if x is not None]
                if late and prev is not None:
                    prev[side] += late
            sides[src][0].sendto(bytes(pkt), (addr[dst], 0))
            start = last = time.monotonic()
            got = {'lan': [], 'wan': []}
            while True:
                now = time.monotonic()
                if now - start >= MAX_S or (any(got.values()) and now - last >= QUIET_S):
                    break
                ready, _, _ = select.select([rx for _, rx in sides.values()], [], [], 0.02)
                for side, (_, rx) in sides.items():
                    if rx in ready:
                        frames = [s for s in (summary(f, names) for f in drain(rx)) if s is not None]
                        if frames:
                            got[side] += frames
                            last = time.monotonic()
            prev = {'sent': summary(bytes(Ether(src='00:00:00:00:00:00', dst='00:00:00:00:00:00') / pkt), names), 'lan': got['lan'], 'wan': got['wan']}
            steps.append(prev)
        counters = run_cmd(spec['listArgv'], spec.get('env', {}))
        zero = run_cmd(spec['zeroArgv'], spec.get('env', {}))
        out.append({'name': seq['name'], 'steps': steps, 'counters': counters, 'zero': zero})
    json.dump(out, sys.stdout)


main()
