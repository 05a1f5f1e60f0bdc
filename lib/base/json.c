/* SPDX-License-Identifier: Apache-2.0 */
#include "base/json.h"

#include <rdpneg/rdpneg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rdpneg_json_init(rdpneg_json *w, int pretty) {
  memset(w, 0, sizeof *w);
  w->pretty = pretty;
}

void rdpneg_json_free(rdpneg_json *w) {
  free(w->buf);
  w->buf = NULL;
  w->len = w->cap = 0;
}

char *rdpneg_json_take(rdpneg_json *w, size_t *plen) {
  if (w->err || !w->buf) {
    rdpneg_json_free(w);
    return NULL;
  }
  char *s = w->buf;
  if (plen)
    *plen = w->len;
  w->buf = NULL;
  w->len = w->cap = 0;
  return s;
}

static void put(rdpneg_json *w, const char *s, size_t n) {
  if (w->err)
    return;
  if (w->len + n + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 1024;
    while (w->len + n + 1 > cap)
      cap *= 2;
    char *nb = realloc(w->buf, cap);
    if (!nb) {
      w->err = RDPNEG_ERR_NOMEM;
      return;
    }
    w->buf = nb;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = 0;
}

static void puts_(rdpneg_json *w, const char *s) {
  put(w, s, strlen(s));
}

static void newline(rdpneg_json *w) {
  if (!w->pretty)
    return;
  put(w, "\n", 1);
  for (int i = 0; i < w->depth; i++)
    put(w, "  ", 2);
}

static void escaped(rdpneg_json *w, const char *s, size_t n) {
  put(w, "\"", 1);
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    char tmp[8];
    if (c == '"' || c == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)c;
      put(w, tmp, 2);
      i++;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      tmp[0] = '\\';
      tmp[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
      put(w, tmp, 2);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      snprintf(tmp, sizeof tmp, "\\u%04x", c);
      put(w, tmp, 6);
      i++;
    } else if (c < 0x80) {
      put(w, (const char *)&s[i], 1);
      i++;
    } else {
      /* validate one UTF-8 sequence; escape bytes of invalid ones */
      size_t need = (c >= 0xf0 && c < 0xf5)   ? 4
                    : (c >= 0xe0)             ? 3
                    : (c >= 0xc2 && c < 0xe0) ? 2
                                              : 0;
      if (c >= 0xf5)
        need = 0;
      int ok = need && i + need <= n;
      for (size_t k = 1; ok && k < need; k++)
        if (((unsigned char)s[i + k] & 0xc0) != 0x80)
          ok = 0;
      if (ok) {
        put(w, s + i, need);
        i += need;
      } else {
        snprintf(tmp, sizeof tmp, "\\u%04x", c);
        put(w, tmp, 6);
        i++;
      }
    }
  }
  put(w, "\"", 1);
}

static void member(rdpneg_json *w, const char *key) {
  if (w->depth > 0) {
    if (w->count[w->depth - 1]++)
      put(w, ",", 1);
    newline(w);
  }
  if (key) {
    escaped(w, key, strlen(key));
    put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
  }
}

static void open_(rdpneg_json *w, const char *key, const char *tok) {
  member(w, key);
  puts_(w, tok);
  if (w->depth < RDPNEG_JSON_MAX_DEPTH) {
    w->count[w->depth] = 0;
    w->depth++;
  } else {
    w->err = RDPNEG_ERR_INTERNAL;
  }
}

static void close_(rdpneg_json *w, const char *tok) {
  if (w->depth <= 0) {
    w->err = RDPNEG_ERR_INTERNAL;
    return;
  }
  int had = w->count[w->depth - 1];
  w->depth--;
  if (had)
    newline(w);
  puts_(w, tok);
}

void rdpneg_json_obj_begin(rdpneg_json *w, const char *key) {
  open_(w, key, "{");
}
void rdpneg_json_obj_end(rdpneg_json *w) {
  close_(w, "}");
}
void rdpneg_json_arr_begin(rdpneg_json *w, const char *key) {
  open_(w, key, "[");
}
void rdpneg_json_arr_end(rdpneg_json *w) {
  close_(w, "]");
}

void rdpneg_json_strn(rdpneg_json *w, const char *key, const char *v,
                      size_t len) {
  member(w, key);
  if (!v)
    puts_(w, "null");
  else
    escaped(w, v, len);
}

void rdpneg_json_str(rdpneg_json *w, const char *key, const char *v) {
  rdpneg_json_strn(w, key, v, v ? strlen(v) : 0);
}

void rdpneg_json_int(rdpneg_json *w, const char *key, int64_t v) {
  char tmp[32];
  member(w, key);
  snprintf(tmp, sizeof tmp, "%lld", (long long)v);
  puts_(w, tmp);
}

void rdpneg_json_uint(rdpneg_json *w, const char *key, uint64_t v) {
  char tmp[32];
  member(w, key);
  snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
  puts_(w, tmp);
}

void rdpneg_json_double(rdpneg_json *w, const char *key, double v,
                        int decimals) {
  char tmp[64];
  member(w, key);
  if (v != v) {
    puts_(w, "null");
    return;
  }
  snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
  puts_(w, tmp);
}

void rdpneg_json_bool(rdpneg_json *w, const char *key, int v) {
  member(w, key);
  puts_(w, v ? "true" : "false");
}

void rdpneg_json_null(rdpneg_json *w, const char *key) {
  member(w, key);
  puts_(w, "null");
}

void rdpneg_json_hex(rdpneg_json *w, const char *key, uint64_t v, int digits) {
  char tmp[40];
  snprintf(tmp, sizeof tmp, "0x%0*llx", digits, (unsigned long long)v);
  rdpneg_json_str(w, key, tmp);
}

void rdpneg_hex_encode(const uint8_t *p, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[p[i] >> 4];
    out[2 * i + 1] = d[p[i] & 15];
  }
  out[2 * n] = 0;
}

void rdpneg_printable_prefix(const uint8_t *p, size_t n, char *out,
                             size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < cap; i++) {
    if (p[i] == '\r' || p[i] == '\n')
      break;
    out[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
  }
  if (cap)
    out[o] = 0;
}
