/*
 * The hot path: one bounded receive batch into free slab slots, one transmit
 * batch from a port's descriptor area. Invariants:
 * - Never blocks (every fd is non-blocking, MSG_DONTWAIT on top) and never
 *   allocates; all arrays were sized at init/open.
 * - Every slot popped here is either described in rx_desc (now JS-owned) or
 *   pushed back before returning; every slot in a tx batch is pushed back
 *   (see the ownership invariant in rg_io.h).
 * - Failures are counted in the port's counters, never reported per packet.
 */
#include "rg_io.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>

#ifndef TP_STATUS_VLAN_TPID_VALID
#define TP_STATUS_VLAN_TPID_VALID (1 << 6)
#endif

#ifndef TP_STATUS_CSUMNOTREADY
#define TP_STATUS_CSUMNOTREADY (1 << 3)
#endif

/* Finish a TCP/UDP checksum the kernel left partial (CHECKSUM_PARTIAL: the
 * field holds the pseudo-header sum). Frames from a local veth peer arrive
 * this way; forwarded as they are, the receiver would drop them. */
static void finish_l4_csum(uint8_t *f, uint32_t len) {
  uint32_t l3 = 14;
  uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
  if (type == ETH_P_8021Q || type == ETH_P_8021AD) {
    if (len < 18) return;
    type = (uint16_t)(f[16] << 8 | f[17]);
    l3 = 18;
  }
  if (type != ETH_P_IP || len < l3 + 20) return;
  const uint8_t *ip = f + l3;
  uint32_t ihl = (uint32_t)(ip[0] & 15) * 4, tot = (uint32_t)(ip[2] << 8 | ip[3]);
  if (ihl < 20 || tot < ihl || l3 + tot > len || (((ip[6] << 8) | ip[7]) & 0x3fff) != 0) return;
  uint32_t at;
  if (ip[9] == 6) at = 16;
  else if (ip[9] == 17) at = 6;
  else return;
  uint8_t *l4 = f + l3 + ihl;
  uint32_t n = tot - ihl;
  if (n < at + 2) return;
  /* One's-complement sum in native byte order, 32 bits at a time into 64
   * (RFC 1071: the order of the bytes does not matter until the end). */
  uint64_t sum = 0;
  uint32_t i = 0;
  for (; i + 4 <= n; i += 4) { uint32_t w; memcpy(&w, l4 + i, 4); sum += w; }
  if (i + 2 <= n) { uint16_t w; memcpy(&w, l4 + i, 2); sum += w; i += 2; }
  if (i < n) { uint16_t w = 0; memcpy(&w, l4 + i, 1); sum += w; }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t c = (uint16_t)~sum;
  if (c == 0 && ip[9] == 17) c = 0xffff;
  memcpy(l4 + at, &c, 2);
}

/* Apply what PACKET_AUXDATA says: re-insert an 802.1Q/802.1ad header the
 * kernel moved into metadata, finish a partial checksum. */
static uint32_t apply_auxdata(struct msghdr *mh, uint8_t *f, uint32_t len) {
  struct cmsghdr *c;
  for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
        c->cmsg_len < CMSG_LEN(sizeof(struct tpacket_auxdata)))
      continue;
    struct tpacket_auxdata aux;
    memcpy(&aux, CMSG_DATA(c), sizeof aux);
    if ((aux.tp_status & TP_STATUS_VLAN_VALID) && len >= 12) {
      uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q;
      memmove(f + 16, f + 12, len - 12);
      f[12] = (uint8_t)(tpid >> 8);
      f[13] = (uint8_t)tpid;
      f[14] = (uint8_t)(aux.tp_vlan_tci >> 8);
      f[15] = (uint8_t)aux.tp_vlan_tci;
      len += 4;
    }
    if ((aux.tp_status & TP_STATUS_CSUMNOTREADY) && len >= 14) finish_l4_csum(f, len);
    return len;
  }
  return len;
}

/* PACKET_* class of a frame read from a TAP, judged against our own MAC. */
static int tap_pkttype(const rg_port *p, const uint8_t *f) {
  if (f[0] & 1) {
    if ((f[0] & f[1] & f[2] & f[3] & f[4] & f[5]) == 0xff) return PACKET_BROADCAST;
    return PACKET_MULTICAST;
  }
  return memcmp(f, p->mac, 6) == 0 ? PACKET_HOST : PACKET_OTHERHOST;
}

static int is_fatal(int e) { return e == EBADF || e == EBADFD || e == EIO || e == ENXIO; }

/* No slot free: read and discard up to one batch so the fd stops being readable. */
static void drain_drop(rg_port *p, int *fatal) {
  rg_state *st = p->st;
  for (uint32_t i = 0; i < st->rx_batch; i++) {
    ssize_t r = p->kind == RG_AFPACKET
                    ? recv(p->fd, st->scratch, st->slot_size, MSG_DONTWAIT)
                    : read(p->fd, st->scratch, st->slot_size);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        p->ctr[C_RX_ERRORS]++;
        if (p->kind != RG_AFPACKET && is_fatal(errno)) *fatal = errno;
      }
      return;
    }
    p->ctr[C_RX_DROP_NOSLOT]++;
  }
}

static int rx_packet(rg_port *p, uint32_t n) {
  rg_state *st = p->st;
  const uint32_t cap = st->slot_size - RG_HEADROOM;
  for (uint32_t i = 0; i < n; i++) {
    int32_t s = rg_pop(st);
    st->rx_slots[i] = s;
    st->rx_iov[i].iov_base = st->slab + (size_t)s * st->slot_size;
    st->rx_iov[i].iov_len = cap;
    struct msghdr *mh = &st->rx_msgs[i].msg_hdr;
    mh->msg_name = &st->rx_addr[i];
    mh->msg_namelen = sizeof(struct sockaddr_ll);
    mh->msg_iov = &st->rx_iov[i];
    mh->msg_iovlen = 1;
    mh->msg_control = st->rx_cmsg[i].buf;
    mh->msg_controllen = sizeof(rg_cmsg_buf);
    mh->msg_flags = 0;
    st->rx_msgs[i].msg_len = 0;
  }
  int r;
  do r = recvmmsg(p->fd, st->rx_msgs, n, MSG_DONTWAIT, NULL);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) p->ctr[C_RX_ERRORS]++;
    r = 0;
  }
  int out = 0;
  for (int i = 0; i < r; i++) {
    int32_t s = st->rx_slots[i];
    struct msghdr *mh = &st->rx_msgs[i].msg_hdr;
    uint32_t len = st->rx_msgs[i].msg_len;
    int pt = st->rx_addr[i].sll_pkttype;
    if (mh->msg_flags & MSG_TRUNC) { p->ctr[C_RX_TRUNCATED]++; rg_push(st, s); continue; }
    if (pt == PACKET_OUTGOING) { rg_push(st, s); continue; }
    len = apply_auxdata(mh, st->slab + (size_t)s * st->slot_size, len);
    int32_t *d = st->rx_desc + out * 4;
    d[0] = s; d[1] = (int32_t)len; d[2] = pt; d[3] = 0;
    p->ctr[C_RX_PACKETS]++;
    p->ctr[C_RX_BYTES] += len;
    out++;
  }
  for (uint32_t i = n; i-- > (uint32_t)r;) rg_push(st, st->rx_slots[i]);
  return out;
}

static int rx_tun(rg_port *p, uint32_t n, int *fatal) {
  rg_state *st = p->st;
  const uint32_t at = p->kind == RG_TUN ? RG_TUN_OFFSET : 0;
  const uint32_t cap = st->slot_size - RG_HEADROOM - at;
  int out = 0;
  for (uint32_t i = 0; i < n; i++) {
    int32_t s = rg_pop(st);
    uint8_t *f = st->slab + (size_t)s * st->slot_size + at;
    ssize_t r = read(p->fd, f, cap + 1);
    if (r <= 0) {
      rg_push(st, s);
      if (r < 0 && errno == EINTR) { i--; continue; }
      if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        p->ctr[C_RX_ERRORS]++;
        if (is_fatal(errno)) *fatal = errno;
      }
      break;
    }
    if ((uint32_t)r > cap) { p->ctr[C_RX_TRUNCATED]++; rg_push(st, s); continue; }
    if (p->kind == RG_TAP && r < 14) { p->ctr[C_RX_ERRORS]++; rg_push(st, s); continue; }
    int32_t *d = st->rx_desc + out * 4;
    d[0] = s; d[1] = (int32_t)r; d[2] = p->kind == RG_TAP ? tap_pkttype(p, f) : PACKET_HOST; d[3] = (int32_t)at;
    p->ctr[C_RX_PACKETS]++;
    p->ctr[C_RX_BYTES] += (double)r;
    out++;
  }
  return out;
}

int rg_rx_batch(rg_port *p, int *fatal) {
  rg_state *st = p->st;
  uint32_t n = st->rx_batch;
  uint32_t avail = (uint32_t)st->free_list[0];
  if (avail == 0) { drain_drop(p, fatal); return 0; }
  if (n > avail) n = avail;
  return p->kind == RG_AFPACKET ? rx_packet(p, n) : rx_tun(p, n, fatal);
}

static void count_tx_error(rg_port *p, int e) {
  if (e == EAGAIN || e == EWOULDBLOCK) p->ctr[C_TX_DROP_EAGAIN]++;
  else if (e == ENOBUFS) p->ctr[C_TX_DROP_ENOBUFS]++;
  else p->ctr[C_TX_ERRORS]++;
}

/* sendmmsg over the valid messages [0, m); after EAGAIN the rest is dropped
 * (the queue is full, more calls would only spin); other errors skip one. */
static int tx_packet(rg_port *p, uint32_t m) {
  uint32_t i = 0;
  int sent = 0;
  while (i < m) {
    int r = sendmmsg(p->fd, p->tx_msgs + i, m - i, MSG_DONTWAIT);
    p->ctr[C_TX_CALLS]++;
    if (r > 0) {
      for (int k = 0; k < r; k++) p->ctr[C_TX_BYTES] += p->tx_msgs[i + k].msg_len;
      p->ctr[C_TX_PACKETS] += r;
      sent += r;
      i += (uint32_t)r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    int e = r < 0 ? errno : EAGAIN;
    if (e == EAGAIN || e == EWOULDBLOCK) { p->ctr[C_TX_DROP_EAGAIN] += m - i; break; }
    count_tx_error(p, e);
    i++;
  }
  return sent;
}

static int tx_tun(rg_port *p, uint32_t m) {
  int sent = 0;
  for (uint32_t i = 0; i < m; i++) {
    ssize_t r = write(p->fd, p->tx_iov[i].iov_base, p->tx_iov[i].iov_len);
    p->ctr[C_TX_CALLS]++;
    if (r >= 0) { p->ctr[C_TX_PACKETS]++; p->ctr[C_TX_BYTES] += (double)r; sent++; continue; }
    if (errno == EINTR) { i--; continue; }
    if (errno == EAGAIN || errno == EWOULDBLOCK) { p->ctr[C_TX_DROP_EAGAIN] += m - i; break; }
    count_tx_error(p, errno);
  }
  return sent;
}

int rg_tx_batch(rg_port *p, uint32_t count) {
  rg_state *st = p->st;
  if (count > p->tx_max) count = p->tx_max;
  uint32_t m = 0;
  for (uint32_t i = 0; i < count; i++) {
    const int32_t *d = p->tx_desc + i * 3;
    int32_t s = d[0], off = d[1], len = d[2];
    if (s < 0 || (uint32_t)s >= st->slot_count || off < 0 || len <= 0 ||
        (uint32_t)off + (uint32_t)len > st->slot_size) {
      p->ctr[C_TX_BAD_DESC]++;
      continue;
    }
    p->tx_iov[m].iov_base = st->slab + (size_t)s * st->slot_size + off;
    p->tx_iov[m].iov_len = (size_t)len;
    struct msghdr *mh = &p->tx_msgs[m].msg_hdr;
    memset(mh, 0, sizeof *mh);
    mh->msg_iov = &p->tx_iov[m];
    mh->msg_iovlen = 1;
    m++;
  }
  int sent = 0;
  if (m > 0 && p->fd >= 0) sent = p->kind == RG_AFPACKET ? tx_packet(p, m) : tx_tun(p, m);
  /* Sent or dropped, every slot of the batch is free again. */
  for (uint32_t i = 0; i < count; i++) {
    int32_t s = p->tx_desc[i * 3];
    if (s < 0 || (uint32_t)s >= st->slot_count) continue;
    if (st->slot_state[s] == RG_SLOT_FREE) { p->ctr[C_SLOT_ERRORS]++; continue; }
    rg_push(st, s);
  }
  return sent;
}
