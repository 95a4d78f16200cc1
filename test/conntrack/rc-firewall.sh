#!/bin/sh
# A tutorial-style firewall (after Oskar Andreasson's iptables tutorial, rc.firewall):
# policies, user chains for bad TCP packets, allowed TCP services, UDP and ICMP,
# state, tcp/udp/icmp matches, limit and LOG: 44 iptables calls, one per line,
# as firewall scripts make them. This copy of bench/firewall-tutorial.sh takes
# the interfaces and the LAN from the environment (the lab's names): it is run
# by test/conntrack/kernel-parity.e2e.test.ts against rawgate and the kernel.
set -e
IPT="${IPTABLES:?set IPTABLES to the iptables command}"
INET_IFACE="${INET_IFACE:?}"
LAN_IFACE="${LAN_IFACE:?}"
LAN_NET="${LAN_NET:?}"
LO_IFACE=lo

# Start from nothing.
$IPT -F
$IPT -X
$IPT -Z

# Policies.
$IPT -P INPUT DROP
$IPT -P FORWARD DROP
$IPT -P OUTPUT DROP

# User chains.
$IPT -N bad_tcp_packets
$IPT -N allowed
$IPT -N tcp_packets
$IPT -N udp_packets
$IPT -N icmp_packets

# bad_tcp_packets: SYN/ACK for a new connection gets a reset; new connections must start with SYN.
$IPT -A bad_tcp_packets -p tcp --tcp-flags SYN,ACK SYN,ACK -m state --state NEW -j REJECT --reject-with tcp-reset
$IPT -A bad_tcp_packets -p tcp ! --syn -m state --state NEW -j LOG --log-prefix "New not syn:"
$IPT -A bad_tcp_packets -p tcp ! --syn -m state --state NEW -j DROP

# allowed: new connections and their packets.
$IPT -A allowed -p tcp --syn -j ACCEPT
$IPT -A allowed -p tcp -m state --state ESTABLISHED,RELATED -j ACCEPT
$IPT -A allowed -p tcp -j DROP

# TCP services.
$IPT -A tcp_packets -p tcp -s 0/0 --dport 21 -j allowed
$IPT -A tcp_packets -p tcp -s 0/0 --dport 22 -j allowed
$IPT -A tcp_packets -p tcp -s 0/0 --dport 80 -j allowed
$IPT -A tcp_packets -p tcp -s 0/0 --dport 113 -j allowed

# UDP: DNS answers, NTP; Windows chatter dropped without a log.
$IPT -A udp_packets -p udp -s 0/0 --sport 53 -j ACCEPT
$IPT -A udp_packets -p udp -s 0/0 --dport 123 -j ACCEPT
$IPT -A udp_packets -p udp -i $INET_IFACE --dport 135:139 -j DROP

# ICMP: echo request and time exceeded; the rest logged, at most 3 a minute.
$IPT -A icmp_packets -p icmp -s 0/0 --icmp-type 8 -j ACCEPT
$IPT -A icmp_packets -p icmp -s 0/0 --icmp-type 11 -j ACCEPT
$IPT -A icmp_packets -p icmp -m limit --limit 3/minute --limit-burst 3 -j LOG --log-prefix "ICMP dropped: "

# INPUT.
$IPT -A INPUT -p tcp -j bad_tcp_packets
$IPT -A INPUT -p ALL -i $LAN_IFACE -s $LAN_NET -j ACCEPT
$IPT -A INPUT -p ALL -i $LO_IFACE -j ACCEPT
$IPT -A INPUT -p ALL -i $INET_IFACE -m state --state ESTABLISHED,RELATED -j ACCEPT
$IPT -A INPUT -p tcp -i $INET_IFACE -j tcp_packets
$IPT -A INPUT -p udp -i $INET_IFACE -j udp_packets
$IPT -A INPUT -p icmp -i $INET_IFACE -j icmp_packets
$IPT -A INPUT -m limit --limit 3/minute --limit-burst 3 -j LOG --log-level debug --log-prefix "IPT INPUT packet died: "

# FORWARD.
$IPT -A FORWARD -p tcp -j bad_tcp_packets
$IPT -A FORWARD -i $LAN_IFACE -j ACCEPT
$IPT -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT
$IPT -A FORWARD -m limit --limit 3/minute --limit-burst 3 -j LOG --log-level debug --log-prefix "IPT FORWARD packet died: "

# OUTPUT.
$IPT -A OUTPUT -p tcp -j bad_tcp_packets
$IPT -A OUTPUT -p ALL -o $LO_IFACE -j ACCEPT
$IPT -A OUTPUT -p ALL -o $LAN_IFACE -j ACCEPT
$IPT -A OUTPUT -p ALL -o $INET_IFACE -j ACCEPT
$IPT -A OUTPUT -m limit --limit 3/minute --limit-burst 3 -j LOG --log-level debug --log-prefix "IPT OUTPUT packet died: "
