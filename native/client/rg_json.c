#include "rg_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char REPLACEMENT[3] = {(char)0xEF, (char)0xBF, (char)0xBD};

size_t rg_utf8_seq(const unsigned char *s, size_t n, size_t *bad) {
  unsigned char c = s[0];
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F; /* no UTF-16 surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F; /* nothing past U+10FFFF */
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t i = 1; i <= need; i++) {
    if (i >= n || s[i] < lo || s[i] > hi) {
      *bad = i; /* the byte at i starts over */
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

int rg_json_put_string(rg_buf *out, const char *str, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  /* Most input is plain text: reserve for it once, grow for escapes. */
  if (rg_buf_reserve(out, n + 2) != 0) return -1;
  if (rg_buf_putc(out, '"') != 0) return -1;
  size_t i = 0;
  while (i < n) {
    /* A run of bytes that need nothing: copy it at once. */
    size_t j = i;
    while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\') j++;
    if (j > i) {
      if (rg_buf_append(out, s + i, j - i) != 0) return -1;
      i = j;
      continue;
    }
    unsigned char c = s[i];
    if (c >= 0x80) {
      size_t bad = 0, len = rg_utf8_seq(s + i, n - i, &bad);
      if (len > 0) {
        if (rg_buf_append(out, s + i, len) != 0) return -1;
        i += len;
      } else {
        if (rg_buf_append(out, REPLACEMENT, 3) != 0) return -1;
        i += bad;
      }
      continue;
    }
    char esc[6];
    size_t elen = 2;
    esc[0] = '\\';
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        elen = 6;
    }
    if (rg_buf_append(out, esc, elen) != 0) return -1;
    i++;
  }
  return rg_buf_putc(out, '"');
}

/* ------------------------------------------------------------------ parser */

typedef struct {
  const unsigned char *p;
  const unsigned char *end;
  char *why;
  size_t whylen;
  int failed_errno;
} parser;

#define MAX_DEPTH 64

static int fail(parser *ps, const char *fmt, ...) {
  if (ps->why != NULL && ps->whylen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->why, ps->whylen, fmt, ap);
    va_end(ap);
  }
  if (ps->failed_errno == 0) ps->failed_errno = EINVAL;
  return -1;
}

static int fail_buf(parser *ps) {
  ps->failed_errno = errno;
  return fail(ps, errno == EFBIG ? "a string in the answer is too long" : "out of memory decoding the answer");
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static size_t offset(parser *ps, const unsigned char *start) {
  return (size_t)(ps->p - start);
}

static int hex4(const unsigned char *p, unsigned *v) {
  unsigned x = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = p[i];
    x <<= 4;
    if (c >= '0' && c <= '9') x |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') x |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') x |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *v = x;
  return 0;
}

static int put_utf8(rg_buf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return rg_buf_append(b, u, n);
}

/* A string at ps->p (on its opening quote), decoded into out (NULL: checked and skipped). */
static int parse_string(parser *ps, rg_buf *out, const unsigned char *line) {
  ps->p++; /* the quote */
  for (;;) {
    const unsigned char *run = ps->p;
    while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && *ps->p >= 0x20 && *ps->p < 0x80) ps->p++;
    if (out != NULL && ps->p > run && rg_buf_append(out, run, (size_t)(ps->p - run)) != 0) return fail_buf(ps);
    if (ps->p >= ps->end) return fail(ps, "unterminated string");
    unsigned char c = *ps->p;
    if (c == '"') {
      ps->p++;
      return 0;
    }
    if (c < 0x20) return fail(ps, "control character 0x%02x in a string at byte %zu", c, offset(ps, line));
    if (c >= 0x80) {
      size_t bad = 0, len = rg_utf8_seq(ps->p, (size_t)(ps->end - ps->p), &bad);
      if (out != NULL && rg_buf_append(out, len ? (const char *)ps->p : REPLACEMENT, len ? len : 3) != 0) return fail_buf(ps);
      ps->p += len ? len : bad;
      continue;
    }
    /* a backslash */
    if (ps->end - ps->p < 2) return fail(ps, "unterminated string");
    unsigned char e = ps->p[1];
    char ch;
    switch (e) {
      case '"': ch = '"'; break;
      case '\\': ch = '\\'; break;
      case '/': ch = '/'; break;
      case 'b': ch = '\b'; break;
      case 'f': ch = '\f'; break;
      case 'n': ch = '\n'; break;
      case 'r': ch = '\r'; break;
      case 't': ch = '\t'; break;
      case 'u': {
        unsigned u;
        if (ps->end - ps->p < 6 || hex4(ps->p + 2, &u) != 0) return fail(ps, "bad \\u escape at byte %zu", offset(ps, line));
        ps->p += 6;
        unsigned cp = u;
        if (u >= 0xD800 && u <= 0xDBFF) {
          unsigned lo;
          if (ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' && hex4(ps->p + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            ps->p += 6;
            cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            cp = 0xFFFD; /* a lone high surrogate */
          }
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
          cp = 0xFFFD; /* a lone low surrogate */
        }
        if (out != NULL && put_utf8(out, cp) != 0) return fail_buf(ps);
        continue;
      }
      default:
        return fail(ps, "bad escape \\%c at byte %zu", e >= 0x20 && e < 0x7f ? e : '?', offset(ps, line));
    }
    if (out != NULL && rg_buf_putc(out, ch) != 0) return fail_buf(ps);
    ps->p += 2;
  }
}

/* A number (RFC 8259 grammar); its value in *v when v is not NULL. */
static int parse_number(parser *ps, double *v, const unsigned char *line) {
  const unsigned char *s = ps->p;
  const unsigned char *q = s;
  if (q < ps->end && *q == '-') q++;
  if (q >= ps->end) return fail(ps, "bad number at byte %zu", offset(ps, line));
  if (*q == '0') {
    q++;
  } else if (*q >= '1' && *q <= '9') {
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  } else {
    return fail(ps, "bad number at byte %zu", offset(ps, line));
  }
  if (q < ps->end && *q == '.') {
    q++;
    if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, "bad number at byte %zu", offset(ps, line));
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < ps->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < ps->end && (*q == '+' || *q == '-')) q++;
    if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, "bad number at byte %zu", offset(ps, line));
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  if (v != NULL) {
    char tmp[64];
    size_t len = (size_t)(q - s);
    if (len >= sizeof tmp) {
      *v = 1e300; /* far too many digits for an exit status */
    } else {
      memcpy(tmp, s, len);
      tmp[len] = '\0';
      *v = strtod(tmp, NULL);
    }
  }
  ps->p = q;
  return 0;
}

static int literal(parser *ps, const char *word, const unsigned char *line) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return fail(ps, "unexpected character at byte %zu", offset(ps, line));
  ps->p += n;
  return 0;
}

/* Any value, checked and skipped. */
static int skip_value(parser *ps, int depth, const unsigned char *line) {
  if (depth > MAX_DEPTH) return fail(ps, "nested too deeply");
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, "unexpected end of the answer");
  unsigned char c = *ps->p;
  if (c == '"') return parse_string(ps, NULL, line);
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(ps, NULL, line);
  if (c == 't') return literal(ps, "true", line);
  if (c == 'f') return literal(ps, "false", line);
  if (c == 'n') return literal(ps, "null", line);
  if (c == '[' || c == '{') {
    unsigned char close = c == '[' ? ']' : '}';
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      return 0;
    }
    for (;;) {
      if (c == '{') {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected a member name at byte %zu", offset(ps, line));
        if (parse_string(ps, NULL, line) != 0) return -1;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') return fail(ps, "expected ':' at byte %zu", offset(ps, line));
        ps->p++;
      }
      if (skip_value(ps, depth + 1, line) != 0) return -1;
      skip_ws(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
      }
      return fail(ps, "expected ',' or '%c' at byte %zu", close, offset(ps, line));
    }
  }
  return fail(ps, "unexpected character at byte %zu", offset(ps, line));
}

/* The member name at ps->p, compared without decoding when it has no escapes. */
static int member_is(const unsigned char *name, size_t len, const char *want) {
  return len == strlen(want) && memcmp(name, want, len) == 0;
}

int rg_json_parse_response(const char *text, size_t n, rg_response *res, char *why, size_t whylen) {
  const unsigned char *line = (const unsigned char *)text;
  parser ps = {line, line + n, why, whylen, 0};
  int have_status = 0; /* 1: a number, -1: the last "status" was not a number */
  double status = 0;
  res->out.len = 0;
  res->err.len = 0;
  res->status = 0;

  skip_ws(&ps);
  if (ps.p >= ps.end || *ps.p != '{') {
    fail(&ps, ps.p >= ps.end ? "empty answer" : "the answer is not a JSON object");
    goto failed;
  }
  ps.p++;
  skip_ws(&ps);
  if (ps.p < ps.end && *ps.p == '}') {
    ps.p++;
  } else {
    for (;;) {
      skip_ws(&ps);
      if (ps.p >= ps.end || *ps.p != '"') {
        fail(&ps, "expected a member name at byte %zu", offset(&ps, line));
        goto failed;
      }
      /* Names we care about have no escapes; decode the name only to compare it. */
      rg_buf name = RG_BUF_INIT(0);
      if (parse_string(&ps, &name, line) != 0) {
        rg_buf_free(&name);
        goto failed;
      }
      int which = member_is((const unsigned char *)name.data, name.len, "stdout") ? 1
                  : member_is((const unsigned char *)name.data, name.len, "stderr") ? 2
                  : member_is((const unsigned char *)name.data, name.len, "status") ? 3
                                                                                     : 0;
      rg_buf_free(&name);
      skip_ws(&ps);
      if (ps.p >= ps.end || *ps.p != ':') {
        fail(&ps, "expected ':' at byte %zu", offset(&ps, line));
        goto failed;
      }
      ps.p++;
      skip_ws(&ps);
      if (ps.p >= ps.end) {
        fail(&ps, "unexpected end of the answer");
        goto failed;
      }
      if (which == 1 || which == 2) {
        rg_buf *b = which == 1 ? &res->out : &res->err;
        b->len = 0; /* a later duplicate wins */
        if (*ps.p == '"') {
          if (parse_string(&ps, b, line) != 0) goto failed;
        } else if (*ps.p == 'n') {
          if (literal(&ps, "null", line) != 0) goto failed;
        } else {
          fail(&ps, "%s is not a string", which == 1 ? "stdout" : "stderr");
          goto failed;
        }
      } else if (which == 3) {
        if (*ps.p == '-' || (*ps.p >= '0' && *ps.p <= '9')) {
          if (parse_number(&ps, &status, line) != 0) goto failed;
          have_status = 1;
        } else {
          if (skip_value(&ps, 1, line) != 0) goto failed;
          have_status = -1;
        }
      } else if (skip_value(&ps, 1, line) != 0) {
        goto failed;
      }
      skip_ws(&ps);
      if (ps.p < ps.end && *ps.p == ',') {
        ps.p++;
        continue;
      }
      if (ps.p < ps.end && *ps.p == '}') {
        ps.p++;
        break;
      }
      fail(&ps, "expected ',' or '}' at byte %zu", offset(&ps, line));
      goto failed;
    }
  }
  skip_ws(&ps);
  if (ps.p != ps.end) {
    fail(&ps, "unexpected data after the JSON object at byte %zu", offset(&ps, line));
    goto failed;
  }
  if (have_status != 1) {
    fail(&ps, "malformed control response"); /* the Node client's words: status is not a number */
    goto failed;
  }
  if (!(status >= -2147483648.0 && status <= 2147483647.0) || (double)(int)status != status) {
    fail(&ps, "status %g is not an exit code", status);
    goto failed;
  }
  res->status = (int)status;
  return 0;

failed:
  errno = ps.failed_errno ? ps.failed_errno : EINVAL;
  return -1;
}
