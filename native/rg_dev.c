/*
 * Opening and closing devices: TUN/TAP through /dev/net/tun, raw Ethernet
 * through an AF_PACKET socket bound to one interface. Off the hot path.
 * Invariants: every function returns 0 or an errno and names the failing step
 * in *op; on failure nothing stays open. Interface settings go through a
 * throwaway AF_INET datagram socket (the usual ioctl carrier).
 */
#include "rg_io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if_ether.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
  ifr->ifr_name[IFNAMSIZ - 1] = 0;
  int rc = ioctl(s, req, ifr) < 0 ? errno : 0;
  close(s);
  return rc;
}

/* ifindex, MTU and hardware address of `name` into p. */
static int read_link(rg_port *p, const char *name, const char **op) {
  struct ifreq ifr;
  int e;
  memset(&ifr, 0, sizeof ifr);
  if ((e = ifreq_ioctl(name, SIOCGIFINDEX, &ifr))) { *op = "SIOCGIFINDEX"; return e; }
  p->ifindex = ifr.ifr_ifindex;
  memset(&ifr, 0, sizeof ifr);
  if ((e = ifreq_ioctl(name, SIOCGIFMTU, &ifr))) { *op = "SIOCGIFMTU"; return e; }
  p->mtu = ifr.ifr_mtu;
  memset(p->dev_mac, 0, 6);
  if (p->kind != RG_TUN) {
    memset(&ifr, 0, sizeof ifr);
    if ((e = ifreq_ioctl(name, SIOCGIFHWADDR, &ifr))) { *op = "SIOCGIFHWADDR"; return e; }
    memcpy(p->dev_mac, ifr.ifr_hwaddr.sa_data, 6);
  }
  return 0;
}

static int set_up(const char *name, const char **op) {
  struct ifreq ifr;
  int e;
  memset(&ifr, 0, sizeof ifr);
  if ((e = ifreq_ioctl(name, SIOCGIFFLAGS, &ifr))) { *op = "SIOCGIFFLAGS"; return e; }
  if (ifr.ifr_flags & IFF_UP) return 0;
  ifr.ifr_flags |= IFF_UP;
  if ((e = ifreq_ioctl(name, SIOCSIFFLAGS, &ifr))) { *op = "SIOCSIFFLAGS"; return e; }
  return 0;
}

int rg_open_tun(rg_port *p, const char *name, int tap, int mtu, int persist,
                const uint8_t *mac, const char **op) {
  struct ifreq ifr;
  int e;
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) { *op = "open /dev/net/tun"; return errno; }
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  ifr.ifr_flags = (tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { *op = "TUNSETIFF"; goto fail; }
  /* The kernel may have filled a name pattern such as "tun%d". */
  memcpy(p->name, ifr.ifr_name, IFNAMSIZ);
  p->name[IFNAMSIZ - 1] = 0;
  /* Non-persistent unless asked: closing the fd then removes the device,
   * even when it was created persistent by someone else. */
  if (ioctl(fd, TUNSETPERSIST, persist ? 1 : 0) < 0) { *op = "TUNSETPERSIST"; goto fail; }
  if (tap && mac) {
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    if ((e = ifreq_ioctl(p->name, SIOCSIFHWADDR, &ifr))) { *op = "SIOCSIFHWADDR"; errno = e; goto fail; }
  }
  if (mtu > 0) {
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_mtu = mtu;
    if ((e = ifreq_ioctl(p->name, SIOCSIFMTU, &ifr))) { *op = "SIOCSIFMTU"; errno = e; goto fail; }
  }
  if ((e = set_up(p->name, op))) { errno = e; goto fail; }
  p->kind = tap ? RG_TAP : RG_TUN;
  if ((e = read_link(p, p->name, op))) { errno = e; goto fail; }
  p->fd = fd;
  p->persist = persist;
  return 0;
fail:
  e = errno;
  close(fd);
  return e;
}

int rg_open_packet(rg_port *p, const char *name, int promisc, int rcvbuf, int sndbuf,
                   const char **op) {
  int e, one = 1;
  p->kind = RG_AFPACKET;
  strncpy(p->name, name, IFNAMSIZ - 1);
  p->name[IFNAMSIZ - 1] = 0;
  if ((e = read_link(p, p->name, op))) return e;
  /* Protocol 0 until bound, so no frame from another interface is queued. */
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { *op = "socket(AF_PACKET)"; return errno; }
  if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) { *op = "PACKET_AUXDATA"; goto fail; }
  /* Best effort: kernels before 4.20 lack it; rx then filters PACKET_OUTGOING. */
  (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = p->ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { *op = "bind"; goto fail; }
  if (promisc) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = p->ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) { *op = "PACKET_ADD_MEMBERSHIP"; goto fail; }
  }
  p->fd = fd;
  p->promisc = promisc;
  memcpy(p->mac, p->dev_mac, 6);
  return 0;
fail:
  e = errno;
  close(fd);
  return e;
}

void rg_close_dev(rg_port *p) {
  if (p->fd < 0) return;
  if (p->kind == RG_AFPACKET && p->promisc) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = p->ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    (void)setsockopt(p->fd, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof mr);
  }
  close(p->fd);
  p->fd = -1;
}

/* Kernel-side drops on the socket queue; reading the statistics resets them. */
void rg_refresh_stats(rg_port *p) {
  if (p->kind != RG_AFPACKET || p->fd < 0) return;
  struct tpacket_stats ts;
  socklen_t len = sizeof ts;
  if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &ts, &len) == 0)
    p->ctr[C_RX_KERNEL_DROPS] += ts.tp_drops;
}
