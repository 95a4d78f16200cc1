/*
 * Just enough JSON for the control protocol (src/control/protocol.ts).
 *
 * Out: strings, encoded as JSON.stringify does: `"` and `\` escaped, the
 * control characters U+0000..U+001F as \b \f \n \r \t or \u00xx, everything
 * else as UTF-8. Bytes that are not well-formed UTF-8 become U+FFFD, one per
 * maximal subpart (the WHATWG decoder's rule, which Node applies to argv and
 * to readFileSync(file, 'utf8')), so the daemon receives what it would from
 * the Node client.
 *
 * In: the response line {"stdout": "...", "stderr": "...", "status": N}:
 * strict JSON (RFC 8259) for the whole line, other members skipped, the last
 * of duplicate members wins (as JSON.parse). Strings are decoded to UTF-8:
 * \" \\ \/ \b \f \n \r \t and \uXXXX, a surrogate pair to one 4-byte
 * sequence; a lone surrogate, or raw bytes that are not well-formed UTF-8,
 * become U+FFFD (what Node writes for them).
 */
#ifndef RG_JSON_H
#define RG_JSON_H

#include <stddef.h>

#include "rg_buf.h"

/* Append s[0..n) as a JSON string literal (with its quotes). 0, or -1 with errno. */
int rg_json_put_string(rg_buf *out, const char *s, size_t n);

/* Length of the well-formed UTF-8 sequence at s (1..4; s[0] < 0x80 is 1), or
   0 when there is none, and then *bad is the number of bytes (1..3) that one
   U+FFFD replaces. n >= 1. */
size_t rg_utf8_seq(const unsigned char *s, size_t n, size_t *bad);

typedef struct {
  rg_buf out;  /* "stdout", decoded */
  rg_buf err;  /* "stderr", decoded */
  int status;  /* "status" */
} rg_response;

/* Parse one response line (without its newline). 0, or -1 with the reason in
   why (and errno ENOMEM/EFBIG when a buffer could not grow, else EINVAL). */
int rg_json_parse_response(const char *line, size_t n, rg_response *res, char *why, size_t whylen);

#endif
