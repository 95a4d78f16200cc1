/*
 * rawgate-client: iptables, iptables-save and iptables-restore for a running
 * rawgate daemon, without starting Node. It does what src/cli/forward.ts does
 * (and prints what it prints): one request over the control socket
 * (src/control/protocol.ts: newline-delimited JSON on a Unix stream socket),
 * the daemon's stdout and stderr written unchanged, its status as the exit
 * code.
 *
 * - argv[0] decides the command, as src/cli/dispatch.ts commandForProgram:
 *   the base name iptables, iptables-save or iptables-restore (with -nft or
 *   -legacy after it, or .js/.mjs/.cjs/.ts). Any other name is not this
 *   program's job: `rawgate ...` is the Node entry point (dist/src/cli/main.js).
 * - Leading `--socket PATH` / `--socket=PATH` options are taken out of the
 *   arguments (the last wins); the socket is that path, else $RAWGATE_SOCKET
 *   when set and not empty, else /run/rawgate/rawgate.sock.
 * - iptables-restore sends standard input, or the file named by its one
 *   positional argument, as the request's input (options that take a value
 *   are not that file: -W --wait-interval -M --modprobe -T --table, and -w
 *   --wait with a number); with -h, --help, -V or --version it sends none.
 * - One connection, a 120 s limit on the whole exchange (the Node client's).
 *
 * Bounds: the request line is at most 256 MiB (the daemon's MAX_LINE_BYTES),
 * the answer line at most 1 GiB; buffers grow with realloc up to those.
 */
#define _GNU_SOURCE /* SOCK_CLOEXEC, SOCK_NONBLOCK (Linux) under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rg_buf.h"
#include "rg_errname.h"
#include "rg_json.h"

#define DEFAULT_SOCKET "/run/rawgate/rawgate.sock"
#define TIMEOUT_MS 120000
#define MAX_REQUEST_BYTES ((size_t)256 * 1024 * 1024) /* src/control/protocol.ts MAX_LINE_BYTES */
#define MAX_ANSWER_BYTES ((size_t)1024 * 1024 * 1024)

/* src/cli/dispatch.ts USAGE, printed after a usage error (test/cli/native-client.test.ts compares them). */
static const char USAGE[] =
    "usage:\n"
    "  rawgate run --config FILE            run the daemon (foreground, JSON logs on stdout)\n"
    "  rawgate check --config FILE          validate a configuration (and its rules file), then exit\n"
    "  rawgate iptables ARGS...             iptables against the running daemon\n"
    "  rawgate iptables [-t TABLE] --explain CHAIN\n"
    "                                       the JavaScript the JIT generates for a chain of the running ruleset\n"
    "  rawgate iptables-save ARGS...        iptables-save against the running daemon\n"
    "  rawgate iptables-restore ARGS...     iptables-restore against the running daemon (input on stdin)\n"
    "  rawgate conntrack ARGS...            conntrack (conntrack-tools) against the running daemon's table\n"
    "  rawgate lab up|down|demo [OPTIONS]   the network-namespace lab (root)\n"
    "  rawgate --version\n"
    "Installed as iptables / iptables-save / iptables-restore / conntrack, rawgate acts as that command.\n"
    "The iptables commands find the daemon at --socket PATH, else $RAWGATE_SOCKET, else /run/rawgate/rawgate.sock.\n";

static const char *op_name; /* "iptables" | "iptables-save" | "iptables-restore" */

/* ------------------------------------------------------------------ output */

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return; /* stdout gone (EPIPE kills us first unless SIGPIPE is ignored): nothing to report it on */
    }
    p += w;
    n -= (size_t)w;
  }
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char msg[8192];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  write_all(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

static const char *code_of(int e) {
  static char other[32];
  const char *name = rg_errname(e);
  if (name != NULL) return name;
  snprintf(other, sizeof other, "errno %d", e);
  return other;
}

/* ------------------------------------------------------------------ invocation */

/* dispatch.ts commandForProgram: the command a program name stands for, or NULL. */
static const char *command_for_program(const char *argv0) {
  size_t n = strlen(argv0);
  while (n > 1 && argv0[n - 1] == '/') n--; /* path.basename ignores trailing slashes */
  size_t start = n;
  while (start > 0 && argv0[start - 1] != '/') start--;
  const char *base = argv0 + start;
  size_t len = n - start;
  static const char *const exts[] = {".js", ".mjs", ".cjs", ".ts"};
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    size_t el = strlen(exts[i]);
    if (len > el && memcmp(base + len - el, exts[i], el) == 0) {
      len -= el;
      break;
    }
  }
  static const char *const suffixes[] = {"", "-nft", "-legacy"};
  static const char *const cmds[] = {"iptables", "iptables-save", "iptables-restore"};
  for (size_t c = 0; c < 3; c++) {
    for (size_t s = 0; s < 3; s++) {
      size_t cl = strlen(cmds[c]), sl = strlen(suffixes[s]);
      if (len == cl + sl && memcmp(base, cmds[c], cl) == 0 && memcmp(base + cl, suffixes[s], sl) == 0) return cmds[c];
    }
  }
  return NULL;
}

static int is_digits(const char *s) {
  if (*s == '\0') return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

/* forward.ts restoreInputFile: take the input file name out of a restore command line (argv is edited in place). */
static const char *restore_input_file(char **argv, int *argc) {
  static const char *const valued[] = {"-W", "--wait-interval", "-M", "--modprobe", "-T", "--table"};
  const char *file = NULL;
  int out = 0;
  for (int i = 0; i < *argc; i++) {
    char *a = argv[i];
    int takes_value = 0;
    for (size_t v = 0; v < sizeof valued / sizeof valued[0]; v++)
      if (strcmp(a, valued[v]) == 0) takes_value = 1;
    if (takes_value) {
      argv[out++] = a;
      if (i + 1 < *argc) argv[out++] = argv[++i];
    } else if ((strcmp(a, "-w") == 0 || strcmp(a, "--wait") == 0) && i + 1 < *argc && is_digits(argv[i + 1])) {
      argv[out++] = a;
      argv[out++] = argv[++i];
    } else if (a[0] != '-' && file == NULL) {
      file = a;
    } else {
      argv[out++] = a;
    }
  }
  *argc = out;
  return file;
}

/* All of fd into b (b's limit bounds it). 0, or -1 with errno. */
static int read_all(int fd, rg_buf *b) {
  for (;;) {
    if (b->cap - b->len < 65536 && rg_buf_reserve(b, 65536) != 0) {
      /* Near the limit: read what still fits, then one byte more to see whether the input ends. */
      if (errno != EFBIG || rg_buf_reserve(b, 1) != 0) return -1;
    }
    ssize_t r = read(fd, b->data + b->len, b->cap - b->len);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return 0;
    b->len += (size_t)r;
  }
}

/* ------------------------------------------------------------------ the exchange */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline) {
  int64_t left = deadline - now_ms();
  return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

enum { OK = 0, UNAVAILABLE, PROTOCOL, TIMEOUT };

/* Wait for `events` on fd until the deadline: 1 ready, 0 timed out, -1 error (errno). */
static int wait_for(int fd, short events, int64_t deadline) {
  for (;;) {
    struct pollfd p = {fd, events, 0};
    int r = poll(&p, 1, remaining(deadline));
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? -1 : r;
  }
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Connect to path by the deadline. Returns the socket, or -1 with *why set (UNAVAILABLE or TIMEOUT) and errno. */
static int connect_socket(const char *path, int64_t deadline, int *why) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  size_t plen = strlen(path);
  if (plen == 0) {
    *why = UNAVAILABLE;
    errno = ENOENT;
    return -1;
  }
  if (plen >= sizeof sa.sun_path) {
    *why = UNAVAILABLE;
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(sa.sun_path, path, plen);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *why = UNAVAILABLE;
    return -1;
  }
  int pause = 1;
  for (;;) {
    if (connect(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1)) == 0) return fd;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      /* The daemon's listen backlog is full (it is busy): try again until the deadline. */
      if (remaining(deadline) == 0) {
        close(fd);
        *why = TIMEOUT;
        return -1;
      }
      sleep_ms(pause < remaining(deadline) ? pause : remaining(deadline));
      if (pause < 64) pause *= 2;
      continue;
    }
    if (errno == EINPROGRESS) {
      int r = wait_for(fd, POLLOUT, deadline);
      int err = 0;
      socklen_t elen = sizeof err;
      if (r == 0) {
        close(fd);
        *why = TIMEOUT;
        return -1;
      }
      if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0) return fd;
      if (r > 0 && err != 0) errno = err;
    }
    int e = errno;
    close(fd);
    errno = e;
    *why = UNAVAILABLE;
    return -1;
  }
}

/* Send all of req: OK, PROTOCOL (errno) or TIMEOUT. */
static int send_all(int fd, const char *p, size_t n, int64_t deadline) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w >= 0) {
      p += w;
      n -= (size_t)w;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return PROTOCOL;
    int r = wait_for(fd, POLLOUT, deadline);
    if (r == 0) return TIMEOUT;
    if (r < 0) return PROTOCOL;
  }
  return OK;
}

/* Read up to the first newline: OK (*line_len set), PROTOCOL (errno; 0 = closed without answering,
   EFBIG = too long), or TIMEOUT. */
static int recv_line(int fd, rg_buf *in, size_t *line_len, int64_t deadline) {
  size_t scanned = 0;
  for (;;) {
    if (in->cap - in->len < 65536 && rg_buf_reserve(in, 65536) != 0) {
      if (errno != EFBIG || rg_buf_reserve(in, 1) != 0) return PROTOCOL;
    }
    ssize_t r = recv(fd, in->data + in->len, in->cap - in->len, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return PROTOCOL;
      int w = wait_for(fd, POLLIN, deadline);
      if (w == 0) return TIMEOUT;
      if (w < 0) return PROTOCOL;
      continue;
    }
    if (r == 0) {
      errno = 0;
      return PROTOCOL;
    }
    in->len += (size_t)r;
    char *nl = memchr(in->data + scanned, '\n', in->len - scanned);
    if (nl != NULL) {
      *line_len = (size_t)(nl - in->data);
      return OK;
    }
    scanned = in->len;
  }
}

/* The Node client's ControlError messages (src/control/client.ts), then forward.ts's lines. */
static int report(int kind, int err, const char *path) {
  switch (kind) {
    case UNAVAILABLE: {
      const char *why = err == ENOENT ? "no such socket" : err == ECONNREFUSED ? "nothing listens on it" : code_of(err);
      say("%s: rawgate daemon is not running (cannot connect to %s: %s)\n", op_name, path, why);
      say("%s: start it with `rawgate run --config FILE`, or point --socket / RAWGATE_SOCKET at its control socket\n", op_name);
      break;
    }
    case TIMEOUT:
      say("%s: no answer from the rawgate daemon on %s within %d ms\n", op_name, path, TIMEOUT_MS);
      break;
    default:
      if (err == 0) say("%s: the daemon closed %s without answering\n", op_name, path);
      else if (err == EFBIG) say("%s: malformed answer from %s: longer than %zu MiB\n", op_name, path, MAX_ANSWER_BYTES >> 20);
      else if (err == ENOMEM) say("%s: out of memory reading the answer from %s\n", op_name, path);
      else say("%s: connection to %s failed: %s\n", op_name, path, code_of(err));
  }
  return 1;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv) {
  const char *prog = argc > 0 && argv[0] != NULL ? argv[0] : "";
  op_name = command_for_program(prog);
  if (op_name == NULL) {
    say("rawgate-client: invoked as \"%s\": this program is iptables, iptables-save or iptables-restore by the name it is run under "
        "(a link or copy named so); for anything else run rawgate (node dist/src/cli/main.js)\n",
        prog);
    return 2;
  }

  /* dispatch.ts takeSocket: leading --socket options. */
  const char *socket_flag = NULL;
  int i = 1;
  while (i < argc) {
    if (strcmp(argv[i], "--socket") == 0) {
      if (i + 1 >= argc) {
        say("rawgate: --socket needs a path\n");
        write_all(2, USAGE, sizeof USAGE - 1);
        return 2;
      }
      socket_flag = argv[i + 1];
      i += 2;
    } else if (strncmp(argv[i], "--socket=", 9) == 0) {
      socket_flag = argv[i] + 9;
      i += 1;
    } else {
      break;
    }
  }
  char **args = argv + i;
  int nargs = argc - i;
  const char *env = getenv("RAWGATE_SOCKET");
  const char *path = socket_flag != NULL ? socket_flag : env != NULL && *env ? env : DEFAULT_SOCKET;

  /* iptables-restore's input. */
  rg_buf input = RG_BUF_INIT(MAX_REQUEST_BYTES);
  int has_input = 0;
  if (strcmp(op_name, "iptables-restore") == 0) {
    int asks_help = 0;
    for (int k = 0; k < nargs; k++)
      if (!strcmp(args[k], "-h") || !strcmp(args[k], "--help") || !strcmp(args[k], "-V") || !strcmp(args[k], "--version")) asks_help = 1;
    if (!asks_help) {
      const char *file = restore_input_file(args, &nargs);
      int fd = file != NULL ? open(file, O_RDONLY | O_CLOEXEC) : 0;
      if (fd < 0 || read_all(fd, &input) != 0) {
        int e = errno;
        if (e == EFBIG) say("%s: %s is too large: the daemon takes requests of at most %zu MiB\n", op_name, file != NULL ? file : "standard input", MAX_REQUEST_BYTES >> 20);
        else say("%s: cannot read %s: %s\n", op_name, file != NULL ? file : "standard input", code_of(e));
        return 1;
      }
      if (file != NULL) close(fd);
      has_input = 1;
    }
  }

  /* The request line: {"op":...,"argv":[...],"input":...} as JSON.stringify orders it. */
  rg_buf req = RG_BUF_INIT(MAX_REQUEST_BYTES + 1);
  int bad = rg_buf_append(&req, "{\"op\":", 6) || rg_json_put_string(&req, op_name, strlen(op_name)) || rg_buf_append(&req, ",\"argv\":[", 9);
  for (int k = 0; k < nargs && !bad; k++) bad = (k > 0 && rg_buf_putc(&req, ',')) || rg_json_put_string(&req, args[k], strlen(args[k]));
  bad = bad || rg_buf_putc(&req, ']');
  if (has_input) bad = bad || rg_buf_append(&req, ",\"input\":", 9) || rg_json_put_string(&req, input.data != NULL ? input.data : "", input.len);
  bad = bad || rg_buf_append(&req, "}\n", 2);
  rg_buf_free(&input);
  if (bad) {
    if (errno == EFBIG) say("%s: the request is too large: the daemon takes requests of at most %zu MiB\n", op_name, MAX_REQUEST_BYTES >> 20);
    else say("%s: out of memory\n", op_name);
    return 1;
  }

  /* The exchange. */
  int64_t deadline = now_ms() + TIMEOUT_MS;
  int why = OK;
  int fd = connect_socket(path, deadline, &why);
  if (fd < 0) return report(why, errno, path);
  int r = send_all(fd, req.data, req.len, deadline);
  if (r != OK) return report(r, errno, path);
  rg_buf_free(&req);
  rg_buf in = RG_BUF_INIT(MAX_ANSWER_BYTES);
  size_t line_len = 0;
  r = recv_line(fd, &in, &line_len, deadline);
  if (r != OK) return report(r, errno, path);
  close(fd);

  rg_response res = {RG_BUF_INIT(0), RG_BUF_INIT(0), 0};
  char reason[256];
  if (rg_json_parse_response(in.data, line_len, &res, reason, sizeof reason) != 0) {
    if (errno == ENOMEM) say("%s: out of memory reading the answer from %s\n", op_name, path);
    else say("%s: malformed answer from %s: %s\n", op_name, path, reason);
    return 1;
  }
  rg_buf_free(&in);
  if (res.out.len) write_all(1, res.out.data, res.out.len);
  if (res.err.len) write_all(2, res.err.data, res.err.len);
  return res.status & 0xff;
}
