/*
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path, or
 * an abstract name when it starts with '@'). Node has no AF_UNIX datagram
 * sockets, so the daemon's readiness ("READY=1") and stopping ("STOPPING=1")
 * go through here. Returns the number of bytes sent; throws with the errno name.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <node_api.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

napi_value rg_notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, "EINVAL", "notify(socketPath, message)");
    return NULL;
  }
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  size_t plen = 0;
  if (napi_get_value_string_utf8(env, argv[0], sa.sun_path, sizeof sa.sun_path, &plen) != napi_ok || plen == 0 ||
      plen >= sizeof sa.sun_path - 1) {
    napi_throw_error(env, "EINVAL", "notify: NOTIFY_SOCKET must be a path or @abstract name shorter than 107 bytes");
    return NULL;
  }
  socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
  if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0'; /* abstract namespace: no terminating NUL counted */
  else salen += 1;
  char msg[256];
  size_t mlen = 0;
  if (napi_get_value_string_utf8(env, argv[1], msg, sizeof msg, &mlen) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "notify: message must be a string");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    napi_throw_error(env, strerrorname_np(errno) ? strerrorname_np(errno) : "EIO", strerror(errno));
    return NULL;
  }
  ssize_t n = sendto(fd, msg, mlen, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
  int err = errno;
  close(fd);
  if (n < 0) {
    const char *name = strerrorname_np(err);
    napi_throw_error(env, name ? name : "EIO", strerror(err));
    return NULL;
  }
  napi_value out;
  napi_create_int64(env, (int64_t)n, &out);
  return out;
}
