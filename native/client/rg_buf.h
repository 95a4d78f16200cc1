/*
 * A growable byte buffer with a hard size limit: grown with realloc (checked,
 * doubling), never past `max` bytes. Every function returns 0, or -1 with
 * errno ENOMEM (allocation failed) or EFBIG (the limit would be passed); the
 * buffer is left as it was on failure.
 */
#ifndef RG_BUF_H
#define RG_BUF_H

#include <stddef.h>

typedef struct {
  char *data;
  size_t len;
  size_t cap;
  size_t max; /* 0: SIZE_MAX / 2 */
} rg_buf;

#define RG_BUF_INIT(limit) {NULL, 0, 0, (limit)}

/* Room for `extra` more bytes after len. */
int rg_buf_reserve(rg_buf *b, size_t extra);
int rg_buf_append(rg_buf *b, const void *p, size_t n);
int rg_buf_putc(rg_buf *b, char c);
void rg_buf_free(rg_buf *b);

#endif
