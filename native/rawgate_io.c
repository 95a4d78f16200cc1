/*
 * rawgate_io: the Node-API face of the packet I/O layer (plain C).
 *
 * One slab of fixed-size slots is allocated at init() and shared with JS as an
 * ArrayBuffer, with the free list, the slot states and the rx descriptor area
 * (see the SLOT OWNERSHIP INVARIANT in rg_io.h). Ports (TUN, TAP, AF_PACKET)
 * are polled with libuv uv_poll on the Node loop thread: no threads. On
 * readable, one bounded batch is received and the port's callback is called
 * once with the count (descriptors in rxDesc), or with -errno when the port
 * failed for good and stopped polling. send(id, n) transmits the first n
 * descriptors of the port's txDesc area with one sendmmsg (or a write loop)
 * and frees their slots. Errors at open throw; nothing on the hot path throws.
 *
 * Exports:
 *   init(slotCount, slotSize, rxBatch) -> { slab, freeList, slotState, rxDesc,
 *                                           counterCount, headroom }
 *   openTun(name, tap, mtu, persist, deviceMac|null, mac|null, txMax, cb) -> PortInfo
 *     (TAP: deviceMac is set on the kernel device; mac is ours on the link,
 *      by default the device's with the last bit flipped)
 *   openPacket(name, promisc, rcvbuf, sndbuf, txMax, cb)   -> PortInfo
 *     PortInfo = { id, kind, name, ifindex, mtu, mac, deviceMac, txDesc, counters }
 *   send(id, count) -> frames sent      close(id)      refreshStats(id)
 */
#include "rg_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, "EINTERNAL", "rawgate_io: " #call " failed");    \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static const char *kind_name(int k) {
  return k == RG_AFPACKET ? "afpacket" : k == RG_TAP ? "tap" : "tun";
}

/* Error naming the interface and the errno text, with code/errno/syscall. */
static napi_value throw_errno(napi_env env, const char *kind, const char *ifname, const char *op, int e) {
  char msg[320];
  const char *code = strerrorname_np(e);
  if (!code) code = "EUNKNOWN";
  snprintf(msg, sizeof msg, "%s %s: %s (%s in %s)", kind, ifname, strerror(e), code, op);
  napi_value c, m, err, v;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m) != napi_ok ||
      napi_create_error(env, c, m, &err) != napi_ok)
    return NULL;
  napi_create_int32(env, -e, &v);
  napi_set_named_property(env, err, "errno", v);
  napi_create_string_utf8(env, op, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, err, "syscall", v);
  napi_create_string_utf8(env, ifname, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, err, "interface", v);
  napi_throw(env, err);
  return NULL;
}

static napi_value throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static int arg_int(napi_env env, napi_value v, int32_t dflt, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_undefined || t == napi_null) { *out = dflt; return 1; }
  if (t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int arg_bool(napi_env env, napi_value v) {
  bool b = false;
  napi_value cv;
  if (napi_coerce_to_bool(env, v, &cv) == napi_ok) napi_get_value_bool(env, cv, &b);
  return b;
}

static napi_value new_arraybuffer(napi_env env, size_t len, void **data, napi_ref *ref) {
  napi_value ab;
  if (napi_create_arraybuffer(env, len, data, &ab) != napi_ok) return NULL;
  memset(*data, 0, len);
  if (ref && napi_create_reference(env, ab, 1, ref) != napi_ok) return NULL;
  return ab;
}

static void set_prop(napi_env env, napi_value obj, const char *k, napi_value v) {
  napi_set_named_property(env, obj, k, v);
}
static void set_int(napi_env env, napi_value obj, const char *k, int32_t n) {
  napi_value v;
  napi_create_int32(env, n, &v);
  set_prop(env, obj, k, v);
}

/* ---------------- init ---------------- */

static napi_value Init_(napi_env env, napi_callback_info info) {
  rg_state *st;
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st));
  if (st->inited) return throw_code(env, "EALREADY", "rawgate_io: init() was already called in this process");
  int32_t count, size, batch;
  if (!arg_int(env, argv[0], 4096, &count) || !arg_int(env, argv[1], 2048, &size) ||
      !arg_int(env, argv[2], 64, &batch))
    return throw_code(env, "EINVAL", "rawgate_io: init(slotCount, slotSize, rxBatch) takes numbers");
  if (count < 1 || count > (1 << 20) || size < 128 || size > 65536 || (size & 63) || batch < 1 || batch > 1024)
    return throw_code(env, "EINVAL", "rawgate_io: init: slotCount 1..1048576, slotSize 128..65536 (multiple of 64), rxBatch 1..1024");
  st->slot_count = (uint32_t)count;
  st->slot_size = (uint32_t)size;
  st->rx_batch = (uint32_t)batch;
  napi_value ret, slab, fl, ss, rd;
  void *d;
  if (!(slab = new_arraybuffer(env, (size_t)count * size, &d, &st->slab_ref))) return NULL;
  st->slab = d;
  if (!(fl = new_arraybuffer(env, (size_t)(count + 1) * 4, &d, &st->free_ref))) return NULL;
  st->free_list = d;
  if (!(ss = new_arraybuffer(env, (size_t)count, &d, &st->state_ref))) return NULL;
  st->slot_state = d;
  if (!(rd = new_arraybuffer(env, (size_t)batch * 16, &d, &st->rxdesc_ref))) return NULL;
  st->rx_desc = d;
  st->scratch = malloc((size_t)size);
  st->rx_slots = calloc((size_t)batch, sizeof *st->rx_slots);
  st->rx_msgs = calloc((size_t)batch, sizeof *st->rx_msgs);
  st->rx_iov = calloc((size_t)batch, sizeof *st->rx_iov);
  st->rx_addr = calloc((size_t)batch, sizeof *st->rx_addr);
  st->rx_cmsg = calloc((size_t)batch, sizeof *st->rx_cmsg);
  if (!st->scratch || !st->rx_slots || !st->rx_msgs || !st->rx_iov || !st->rx_addr || !st->rx_cmsg)
    return throw_code(env, "ENOMEM", "rawgate_io: init: out of memory");
  /* Stack with slot 0 on top, so slots are handed out in ascending order. */
  st->free_list[0] = count;
  for (int32_t i = 0; i < count; i++) st->free_list[1 + i] = count - 1 - i;
  st->inited = 1;
  CHECK(napi_create_object(env, &ret));
  set_prop(env, ret, "slab", slab);
  set_prop(env, ret, "freeList", fl);
  set_prop(env, ret, "slotState", ss);
  set_prop(env, ret, "rxDesc", rd);
  set_int(env, ret, "counterCount", C_COUNT);
  set_int(env, ret, "headroom", RG_HEADROOM);
  return ret;
}

/* ---------------- ports ---------------- */

static void deliver(rg_port *p, int n) {
  napi_env env = p->st->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg, res;
  if (napi_get_reference_value(env, p->cb_ref, &cb) == napi_ok && cb &&
      napi_get_global(env, &recv) == napi_ok && napi_create_int32(env, n, &arg) == napi_ok) {
    napi_status s = napi_make_callback(env, p->actx, recv, cb, 1, &arg, &res);
    if (s == napi_pending_exception) {
      napi_value e;
      napi_get_and_clear_last_exception(env, &e);
      napi_fatal_exception(env, e); /* becomes process 'uncaughtException' */
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  rg_port *p = h->data;
  if (p->closing) return;
  int fatal = 0;
  if (status < 0) {
    /* libuv stops the handle on POLLERR. A packet socket's pending error
     * (ENETDOWN when the link goes down) is one-shot: clear it and go on. */
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    p->ctr[C_RX_ERRORS]++;
    p->polling = 0;
    if (p->kind == RG_AFPACKET && getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr != 0 &&
        uv_poll_start(&p->poll, UV_READABLE, on_poll) == 0) {
      p->polling = 1;
      return;
    }
    fatal = -status;
  } else if (events & UV_READABLE) {
    int n = rg_rx_batch(p, &fatal);
    if (n > 0) {
      p->ctr[C_RX_BATCHES]++;
      deliver(p, n);
    }
  }
  if (fatal && !p->closing) {
    if (p->polling) uv_poll_stop(&p->poll);
    p->polling = 0;
    deliver(p, -fatal);
  }
}

static rg_port *port_slot(rg_state *st) {
  for (int i = 0; i < RG_MAX_PORTS; i++)
    if (!st->ports[i].in_use) {
      rg_port *p = &st->ports[i];
      memset(p, 0, sizeof *p);
      p->st = st;
      p->id = i;
      p->fd = -1;
      return p;
    }
  return NULL;
}

static rg_port *port_by_id(rg_state *st, napi_env env, napi_value v) {
  int32_t id = -1;
  napi_get_value_int32(env, v, &id);
  if (id < 0 || id >= RG_MAX_PORTS) return NULL;
  rg_port *p = &st->ports[id];
  return p->in_use && !p->closing ? p : NULL;
}

static void on_closed(uv_handle_t *h) {
  rg_port *p = h->data;
  free(p->tx_msgs);
  free(p->tx_iov);
  p->tx_msgs = NULL;
  p->tx_iov = NULL;
  p->in_use = 0;
}

/* Shared tail of both open calls: tx arrays, shared areas, callback, poll. */
static napi_value finish_open(napi_env env, rg_port *p, int32_t tx_max, napi_value cb) {
  rg_state *st = p->st;
  napi_value info, txd, ctr, mac, dmac, v;
  void *d;
  int e;
  p->tx_max = (uint32_t)tx_max;
  p->tx_msgs = calloc((size_t)tx_max, sizeof *p->tx_msgs);
  p->tx_iov = calloc((size_t)tx_max, sizeof *p->tx_iov);
  if (!p->tx_msgs || !p->tx_iov) { e = ENOMEM; goto fail; }
  if (!(txd = new_arraybuffer(env, (size_t)tx_max * 12, &d, &p->tx_ref))) { e = ENOMEM; goto fail; }
  p->tx_desc = d;
  if (!(ctr = new_arraybuffer(env, C_COUNT * sizeof(double), &d, &p->ctr_ref))) { e = ENOMEM; goto fail; }
  p->ctr = d;
  if (napi_create_reference(env, cb, 1, &p->cb_ref) != napi_ok) { e = ENOMEM; goto fail; }
  napi_value rname;
  napi_create_string_utf8(env, "rawgate.port", NAPI_AUTO_LENGTH, &rname);
  if (napi_async_init(env, NULL, rname, &p->actx) != napi_ok) { e = ENOMEM; goto fail; }
  if ((e = uv_poll_init(st->loop, &p->poll, p->fd)) != 0) { e = -e; goto fail; }
  p->poll.data = p;
  p->in_use = 1;
  if ((e = uv_poll_start(&p->poll, UV_READABLE, on_poll)) != 0) {
    p->closing = 1;
    rg_close_dev(p);
    uv_close((uv_handle_t *)&p->poll, on_closed);
    return throw_errno(env, kind_name(p->kind), p->name, "uv_poll_start", -e);
  }
  p->polling = 1;
  napi_create_object(env, &info);
  set_int(env, info, "id", p->id);
  napi_create_string_utf8(env, kind_name(p->kind), NAPI_AUTO_LENGTH, &v);
  set_prop(env, info, "kind", v);
  napi_create_string_utf8(env, p->name, NAPI_AUTO_LENGTH, &v);
  set_prop(env, info, "name", v);
  set_int(env, info, "ifindex", p->ifindex);
  set_int(env, info, "mtu", p->mtu);
  void *md;
  if (napi_create_arraybuffer(env, 6, &md, &mac) == napi_ok) memcpy(md, p->mac, 6);
  if (napi_create_arraybuffer(env, 6, &md, &dmac) == napi_ok) memcpy(md, p->dev_mac, 6);
  set_prop(env, info, "mac", mac);
  set_prop(env, info, "deviceMac", dmac);
  set_prop(env, info, "txDesc", txd);
  set_prop(env, info, "counters", ctr);
  return info;
fail:
  if (p->cb_ref) napi_delete_reference(env, p->cb_ref);
  if (p->tx_ref) napi_delete_reference(env, p->tx_ref);
  if (p->ctr_ref) napi_delete_reference(env, p->ctr_ref);
  if (p->actx) napi_async_destroy(env, p->actx);
  free(p->tx_msgs);
  free(p->tx_iov);
  rg_close_dev(p);
  p->in_use = 0;
  return throw_errno(env, kind_name(p->kind), p->name, "open", e);
}

static int get_name(napi_env env, napi_value v, char *buf, const char *kind) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, IFNAMSIZ + 1, &len) != napi_ok) {
    throw_code(env, "EINVAL", "rawgate_io: interface name must be a string");
    return 0;
  }
  if (len == 0 || len >= IFNAMSIZ) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s %s: interface name must be 1..%d characters", kind, buf, IFNAMSIZ - 1);
    throw_code(env, "EINVAL", msg);
    return 0;
  }
  return 1;
}

static int check_cb(napi_env env, napi_value cb, int32_t tx_max) {
  napi_valuetype t;
  napi_typeof(env, cb, &t);
  if (t != napi_function) { throw_code(env, "EINVAL", "rawgate_io: the batch callback must be a function"); return 0; }
  if (tx_max < 1 || tx_max > 65536) { throw_code(env, "EINVAL", "rawgate_io: txMax must be 1..65536"); return 0; }
  return 1;
}

/* Optional 6-byte Uint8Array; *has = 0 for undefined/null. */
static int arg_mac(napi_env env, napi_value v, uint8_t *out, int *has) {
  napi_valuetype t;
  bool is_ta = false;
  *has = 0;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return 1;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type tt = napi_int8_array;
  size_t len = 0;
  void *data = NULL;
  if (is_ta) napi_get_typedarray_info(env, v, &tt, &len, &data, NULL, NULL);
  if (!is_ta || tt != napi_uint8_array || len != 6) {
    throw_code(env, "EINVAL", "rawgate_io: a MAC address must be a 6-byte Uint8Array");
    return 0;
  }
  memcpy(out, data, 6);
  *has = 1;
  return 1;
}

static napi_value OpenTun(napi_env env, napi_callback_info info) {
  rg_state *st;
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st));
  if (!st->inited) return throw_code(env, "EINVAL", "rawgate_io: init() first");
  int tap = arg_bool(env, argv[1]);
  char name[IFNAMSIZ + 1] = {0};
  if (!get_name(env, argv[0], name, tap ? "tap" : "tun")) return NULL;
  int32_t mtu, tx_max;
  if (!arg_int(env, argv[2], 0, &mtu) || !arg_int(env, argv[6], 256, &tx_max))
    return throw_code(env, "EINVAL", "rawgate_io: openTun: mtu and txMax are numbers");
  if (!check_cb(env, argv[7], tx_max)) return NULL;
  int persist = arg_bool(env, argv[3]);
  uint8_t devbuf[6], ourbuf[6];
  int has_dev = 0, has_our = 0;
  if (!arg_mac(env, argv[4], devbuf, &has_dev) || !arg_mac(env, argv[5], ourbuf, &has_our)) return NULL;
  rg_port *p = port_slot(st);
  if (!p) return throw_errno(env, tap ? "tap" : "tun", name, "open", EMFILE);
  snprintf(p->name, IFNAMSIZ, "%s", name);
  p->kind = tap ? RG_TAP : RG_TUN;
  const char *op = "open";
  int e = rg_open_tun(p, name, tap, mtu, persist, has_dev ? devbuf : NULL, &op);
  if (e) return throw_errno(env, tap ? "tap" : "tun", name, op, e);
  if (tap && has_our) {
    memcpy(p->mac, ourbuf, 6);
  } else if (tap) {
    /* Our own address on the link must differ from the kernel device's:
     * the device's with the lowest bit of the last byte flipped. */
    memcpy(p->mac, p->dev_mac, 6);
    p->mac[5] ^= 1;
  }
  return finish_open(env, p, tx_max, argv[7]);
}

static napi_value OpenPacket(napi_env env, napi_callback_info info) {
  rg_state *st;
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st));
  if (!st->inited) return throw_code(env, "EINVAL", "rawgate_io: init() first");
  char name[IFNAMSIZ + 1] = {0};
  if (!get_name(env, argv[0], name, "afpacket")) return NULL;
  int32_t rcvbuf, sndbuf, tx_max;
  if (!arg_int(env, argv[2], 4 << 20, &rcvbuf) || !arg_int(env, argv[3], 4 << 20, &sndbuf) ||
      !arg_int(env, argv[4], 256, &tx_max))
    return throw_code(env, "EINVAL", "rawgate_io: openPacket: rcvbuf, sndbuf and txMax are numbers");
  if (!check_cb(env, argv[5], tx_max)) return NULL;
  rg_port *p = port_slot(st);
  if (!p) return throw_errno(env, "afpacket", name, "open", EMFILE);
  const char *op = "open";
  int e = rg_open_packet(p, name, arg_bool(env, argv[1]), rcvbuf, sndbuf, &op);
  if (e) return throw_errno(env, "afpacket", name, op, e);
  return finish_open(env, p, tx_max, argv[5]);
}

static napi_value Send(napi_env env, napi_callback_info info) {
  rg_state *st;
  size_t argc = 2;
  napi_value argv[2], ret;
  int32_t count = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st));
  napi_get_value_int32(env, argv[1], &count);
  rg_port *p = port_by_id(st, env, argv[0]);
  int sent = 0;
  if (p && count > 0) sent = rg_tx_batch(p, (uint32_t)count);
  napi_create_int32(env, sent, &ret);
  return ret;
}

static void close_port(napi_env env, rg_port *p) {
  p->closing = 1;
  if (p->polling) uv_poll_stop(&p->poll);
  p->polling = 0;
  rg_close_dev(p);
  if (env) {
    napi_delete_reference(env, p->cb_ref);
    napi_delete_reference(env, p->tx_ref);
    napi_delete_reference(env, p->ctr_ref);
    napi_async_destroy(env, p->actx);
  }
  uv_close((uv_handle_t *)&p->poll, on_closed);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  rg_state *st;
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st));
  rg_port *p = port_by_id(st, env, argv[0]);
  if (p) close_port(env, p);
  return NULL;
}

static napi_value RefreshStats(napi_env env, napi_callback_info info) {
  rg_state *st;
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&st));
  rg_port *p = port_by_id(st, env, argv[0]);
  if (p) rg_refresh_stats(p);
  return NULL;
}

/* Environment teardown (worker exit): close every fd; the state is not freed
 * because uv close callbacks may still refer to it. */
static void cleanup(void *arg) {
  rg_state *st = arg;
  for (int i = 0; i < RG_MAX_PORTS; i++)
    if (st->ports[i].in_use && !st->ports[i].closing) close_port(NULL, &st->ports[i]);
}

static napi_value Init(napi_env env, napi_value exports) {
  rg_state *st = calloc(1, sizeof *st);
  if (!st) return throw_code(env, "ENOMEM", "rawgate_io: out of memory");
  st->env = env;
  CHECK(napi_get_uv_event_loop(env, &st->loop));
  napi_property_descriptor props[] = {
      {"init", NULL, Init_, NULL, NULL, NULL, napi_enumerable, st},
      {"openTun", NULL, OpenTun, NULL, NULL, NULL, napi_enumerable, st},
      {"openPacket", NULL, OpenPacket, NULL, NULL, NULL, napi_enumerable, st},
      {"send", NULL, Send, NULL, NULL, NULL, napi_enumerable, st},
      {"close", NULL, Close, NULL, NULL, NULL, napi_enumerable, st},
      {"refreshStats", NULL, RefreshStats, NULL, NULL, NULL, napi_enumerable, st},
      {"notify", NULL, rg_notify, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  napi_add_env_cleanup_hook(env, cleanup, st);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
