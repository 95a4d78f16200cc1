/*
 * rawgate I/O addon — shared declarations.
 *
 * SLOT OWNERSHIP INVARIANT (the one rule everything else relies on):
 *   Every slab slot is in exactly one of three states, recorded in slot_state[]:
 *     RG_SLOT_FREE  on the free list (free_list[1..free_list[0]]), owned by nobody;
 *     RG_SLOT_JS    handed to JavaScript (received in a batch, or allocated by JS);
 *     RG_SLOT_TXQ   queued by JavaScript in a port's tx descriptor area.
 *   C pops FREE slots only to receive into them; a received slot becomes JS-owned
 *   when the batch callback runs. JS must give every slot back exactly once: by
 *   release (push on the free list) or by queueing it for transmit, after which
 *   send() pushes it back on the free list whatever the outcome (sent or dropped).
 *   The free list and slot_state live in ArrayBuffers shared with JS; JS and C run
 *   on the same thread, so neither needs locking. A slot found FREE where it must
 *   not be (double release, queued twice) is counted, never pushed twice.
 *
 * Everything per packet is allocation-free: batch arrays are sized at init/open.
 */
#ifndef RG_IO_H
#define RG_IO_H

#define _GNU_SOURCE
#include <stdint.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <node_api.h>
#include <uv.h>

#define RG_MAX_PORTS 64
/* A frame may be at most slot_size - RG_HEADROOM bytes: the 4 bytes let a
 * stripped 802.1Q tag be re-inserted in place. */
#define RG_HEADROOM 4
/* TUN frames are read this far into their slot, so an Ethernet header can be
 * put in front of the IP packet when it leaves through an Ethernet port. */
#define RG_TUN_OFFSET 16

enum rg_kind { RG_AFPACKET = 0, RG_TAP = 1, RG_TUN = 2 };
enum rg_slot_state { RG_SLOT_FREE = 0, RG_SLOT_JS = 1, RG_SLOT_TXQ = 2 };

/* Per-port counters (Float64Array shared with JS; keep in sync with src/io/native.ts). */
enum rg_ctr {
  C_RX_PACKETS = 0,
  C_RX_BYTES,
  C_TX_PACKETS,
  C_TX_BYTES,
  C_RX_DROP_NOSLOT,    /* no free slot: frame read into scratch and discarded */
  C_RX_TRUNCATED,      /* frame longer than slot_size - RG_HEADROOM */
  C_RX_ERRORS,         /* receive errors other than EAGAIN */
  C_RX_KERNEL_DROPS,   /* AF_PACKET socket queue overflow (PACKET_STATISTICS) */
  C_TX_DROP_EAGAIN,
  C_TX_DROP_ENOBUFS,
  C_TX_ERRORS,         /* other send errors (EMSGSIZE, ENETDOWN, ...) */
  C_TX_BAD_DESC,       /* descriptor outside the slab: not sent */
  C_SLOT_ERRORS,       /* ownership violations seen by C (slot already free at send) */
  C_RX_BATCHES,        /* JS callbacks made */
  C_TX_CALLS,          /* send system calls made */
  C_COUNT
};

typedef union {
  char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
  struct cmsghdr align;
} rg_cmsg_buf;

struct rg_state;

typedef struct rg_port {
  uv_poll_t poll;
  struct rg_state *st;
  int id;
  int in_use;        /* table entry taken (until the uv close callback) */
  int closing;       /* close() called: no more rx/tx */
  int polling;
  int kind;
  int fd;
  int ifindex;
  int mtu;
  int promisc;
  int persist;
  char name[IFNAMSIZ];
  uint8_t mac[6];     /* our address on the link (TAP: not the kernel device's) */
  uint8_t dev_mac[6]; /* the device's own address (SIOCGIFHWADDR) */
  napi_ref cb_ref, tx_ref, ctr_ref;
  napi_async_context actx;
  int32_t *tx_desc;   /* tx_max * 3: slot, offset, length */
  uint32_t tx_max;
  double *ctr;
  struct mmsghdr *tx_msgs;
  struct iovec *tx_iov;
} rg_port;

typedef struct rg_state {
  napi_env env;
  uv_loop_t *loop;
  int inited;
  uint8_t *slab;
  uint32_t slot_count, slot_size, rx_batch;
  int32_t *free_list;   /* [0] = count, [1..count] = free slot indices (a stack) */
  uint8_t *slot_state;
  int32_t *rx_desc;     /* rx_batch * 4: slot, length, pkttype, 0 */
  napi_ref slab_ref, free_ref, state_ref, rxdesc_ref;
  uint8_t *scratch;     /* slot_size bytes: where frames go when no slot is free */
  int32_t *rx_slots;
  struct mmsghdr *rx_msgs;
  struct iovec *rx_iov;
  struct sockaddr_ll *rx_addr;
  rg_cmsg_buf *rx_cmsg;
  rg_port ports[RG_MAX_PORTS];
} rg_state;

/* slab free list: pop gives a JS-owned slot, push frees one */
static inline int32_t rg_pop(rg_state *st) {
  int32_t n = st->free_list[0];
  if (n <= 0) return -1;
  int32_t s = st->free_list[n];
  st->free_list[0] = n - 1;
  st->slot_state[s] = RG_SLOT_JS;
  return s;
}
static inline void rg_push(rg_state *st, int32_t s) {
  st->slot_state[s] = RG_SLOT_FREE;
  st->free_list[++st->free_list[0]] = s;
}

/* devices (rg_dev.c): return 0 or an errno, *op names the failing step */
int rg_open_tun(rg_port *p, const char *name, int tap, int mtu, int persist,
                const uint8_t *mac, const char **op);
int rg_open_packet(rg_port *p, const char *name, int promisc, int rcvbuf, int sndbuf,
                   const char **op);
void rg_close_dev(rg_port *p);
void rg_refresh_stats(rg_port *p);

/* batches (rg_rxtx.c) */
int rg_rx_batch(rg_port *p, int *fatal_errno);
int rg_tx_batch(rg_port *p, uint32_t count);

/* rg_notify.c: sd_notify(3) datagram to $NOTIFY_SOCKET. */
napi_value rg_notify(napi_env env, napi_callback_info info);

#endif
