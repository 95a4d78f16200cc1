#include "rg_buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int rg_buf_reserve(rg_buf *b, size_t extra) {
  size_t max = b->max ? b->max : SIZE_MAX / 2;
  if (extra > max || b->len > max - extra) {
    errno = EFBIG;
    return -1;
  }
  size_t need = b->len + extra;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap = cap > max / 2 ? max : cap * 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    errno = ENOMEM;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

int rg_buf_append(rg_buf *b, const void *p, size_t n) {
  if (n == 0) return 0;
  if (rg_buf_reserve(b, n) != 0) return -1;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

int rg_buf_putc(rg_buf *b, char c) {
  if (b->len == b->cap && rg_buf_reserve(b, 1) != 0) return -1;
  b->data[b->len++] = c;
  return 0;
}

void rg_buf_free(rg_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
