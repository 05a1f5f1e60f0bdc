/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal streaming JSON writer (internal). Output is UTF-8; strings are
 * escaped per RFC 8259. Errors (NOMEM) are sticky in w->err. */
#ifndef RDPNEG_JSON_H
#define RDPNEG_JSON_H

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_JSON_MAX_DEPTH 32

typedef struct rdpneg_json {
  char *buf;
  size_t len, cap;
  int err; /* 0 or RDPNEG_ERR_NOMEM */
  int depth;
  int count[RDPNEG_JSON_MAX_DEPTH]; /* members written at each depth */
  int pretty;                       /* 1: two-space indentation */
} rdpneg_json;

void rdpneg_json_init(rdpneg_json *w, int pretty);
/* Frees the buffer (when not taken). */
void rdpneg_json_free(rdpneg_json *w);
/* Returns the NUL-terminated text and hands ownership to the caller (free
 * with free()); NULL on error. */
char *rdpneg_json_take(rdpneg_json *w, size_t *plen);

/* |key| is the member name inside an object, NULL inside an array or at the
 * top level. */
void rdpneg_json_obj_begin(rdpneg_json *w, const char *key);
void rdpneg_json_obj_end(rdpneg_json *w);
void rdpneg_json_arr_begin(rdpneg_json *w, const char *key);
void rdpneg_json_arr_end(rdpneg_json *w);
/* |v| NULL writes null. */
void rdpneg_json_str(rdpneg_json *w, const char *key, const char *v);
/* Writes |len| bytes of |v| as a string (invalid UTF-8 bytes become \u00XX). */
void rdpneg_json_strn(rdpneg_json *w, const char *key, const char *v,
                      size_t len);
void rdpneg_json_int(rdpneg_json *w, const char *key, int64_t v);
void rdpneg_json_uint(rdpneg_json *w, const char *key, uint64_t v);
/* Writes |v| with |decimals| fractional digits. */
void rdpneg_json_double(rdpneg_json *w, const char *key, double v,
                        int decimals);
void rdpneg_json_bool(rdpneg_json *w, const char *key, int v);
void rdpneg_json_null(rdpneg_json *w, const char *key);
/* Writes "0x%0*x" as a string, e.g. "0x0000000b". */
void rdpneg_json_hex(rdpneg_json *w, const char *key, uint64_t v, int digits);

/* Text helpers shared by the report and the diagnosis. */
/* Writes |n| bytes as lower-case hex into |out| (2n+1 bytes). */
void rdpneg_hex_encode(const uint8_t *p, size_t n, char *out);
/* Writes the printable prefix of |p| (up to the first CR/LF; other bytes
 * outside 0x20..0x7e as '.') into |out| of |cap| bytes, NUL-terminated. */
void rdpneg_printable_prefix(const uint8_t *p, size_t n, char *out, size_t cap);

#endif
