/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only JSON helpers for the command-line tools (see scan_json.h). */
#include "scan_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t sj_minify(const char *in, size_t len, char *out) {
  size_t o = 0;
  int str = 0, esc = 0;
  for (size_t i = 0; i < len; i++) {
    char c = in[i];
    if (str) {
      if (esc)
        esc = 0;
      else if (c == '\\')
        esc = 1;
      else if (c == '"')
        str = 0;
    } else if (c == '"') {
      str = 1;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    }
    out[o++] = c;
  }
  out[o] = 0;
  return o;
}

typedef struct cur {
  const char *p, *end;
} cur;

static void ws(cur *c) {
  while (c->p < c->end &&
         (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
    c->p++;
}

/* Skips a string starting at the quote; returns 0 or -1. */
static int skip_string(cur *c) {
  if (c->p >= c->end || *c->p != '"')
    return -1;
  for (c->p++; c->p < c->end; c->p++) {
    if (*c->p == '\\') {
      c->p++;
    } else if (*c->p == '"') {
      c->p++;
      return 0;
    } else if ((unsigned char)*c->p < 0x20) {
      return -1;
    }
  }
  return -1;
}

static int skip_value(cur *c, int depth);

static int skip_container(cur *c, int depth, char close) {
  c->p++;
  ws(c);
  if (c->p < c->end && *c->p == close) {
    c->p++;
    return 0;
  }
  for (;;) {
    ws(c);
    if (close == '}') {
      if (skip_string(c) != 0)
        return -1;
      ws(c);
      if (c->p >= c->end || *c->p != ':')
        return -1;
      c->p++;
    }
    if (skip_value(c, depth + 1) != 0)
      return -1;
    ws(c);
    if (c->p >= c->end)
      return -1;
    if (*c->p == ',') {
      c->p++;
      continue;
    }
    if (*c->p != close)
      return -1;
    c->p++;
    return 0;
  }
}

static int skip_literal(cur *c, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
    return -1;
  c->p += n;
  return 0;
}

/* Skips one value and returns its type through the first character, 0 on
 * success or -1. */
static int skip_value(cur *c, int depth) {
  if (depth > 64)
    return -1;
  ws(c);
  if (c->p >= c->end)
    return -1;
  switch (*c->p) {
  case '{':
    return skip_container(c, depth, '}');
  case '[':
    return skip_container(c, depth, ']');
  case '"':
    return skip_string(c);
  case 't':
    return skip_literal(c, "true");
  case 'f':
    return skip_literal(c, "false");
  case 'n':
    return skip_literal(c, "null");
  default: {
    const char *s = c->p;
    while (c->p < c->end && strchr("+-0123456789.eE", *c->p))
      c->p++;
    return c->p > s ? 0 : -1;
  }
  }
}

static sj_type type_of(char ch) {
  switch (ch) {
  case '{':
    return SJ_OBJECT;
  case '[':
    return SJ_ARRAY;
  case '"':
    return SJ_STRING;
  case 't':
  case 'f':
    return SJ_BOOL;
  case 'n':
    return SJ_NULL;
  default:
    return SJ_NUMBER;
  }
}

/* Moves |c| (at an object or array) to the member |seg| (|n| bytes); 0 or
 * -1. */
static int descend(cur *c, const char *seg, size_t n) {
  ws(c);
  if (c->p >= c->end)
    return -1;
  if (*c->p == '{') {
    c->p++;
    for (;;) {
      ws(c);
      if (c->p >= c->end || *c->p == '}')
        return -1;
      const char *k = c->p + 1;
      if (skip_string(c) != 0)
        return -1;
      size_t kn = (size_t)(c->p - 1 - k);
      ws(c);
      if (c->p >= c->end || *c->p != ':')
        return -1;
      c->p++;
      ws(c);
      if (kn == n && memcmp(k, seg, n) == 0)
        return 0;
      if (skip_value(c, 0) != 0)
        return -1;
      ws(c);
      if (c->p >= c->end || *c->p != ',')
        return -1;
      c->p++;
    }
  }
  if (*c->p == '[') {
    char num[16];
    if (n == 0 || n >= sizeof num)
      return -1;
    memcpy(num, seg, n);
    num[n] = 0;
    char *e;
    errno = 0;
    long idx = strtol(num, &e, 10);
    if (*e || errno || idx < 0)
      return -1;
    c->p++;
    for (long i = 0;; i++) {
      ws(c);
      if (c->p >= c->end || *c->p == ']')
        return -1;
      if (i == idx)
        return 0;
      if (skip_value(c, 0) != 0)
        return -1;
      ws(c);
      if (c->p >= c->end || *c->p != ',')
        return -1;
      c->p++;
    }
  }
  return -1;
}

sj_type sj_get(const char *doc, size_t len, const char *path, sj_val *out) {
  cur c = {doc, doc + len};
  out->type = SJ_NONE;
  out->p = NULL;
  out->n = 0;
  const char *s = path;
  while (*s) {
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    if (descend(&c, s, n) != 0)
      return SJ_NONE;
    s += n;
    if (*s == '.')
      s++;
  }
  ws(&c);
  const char *start = c.p;
  if (skip_value(&c, 0) != 0)
    return SJ_NONE;
  out->type = type_of(*start);
  out->p = start;
  out->n = (size_t)(c.p - start);
  return out->type;
}

static int hex4(const char *p, unsigned *v) {
  *v = 0;
  for (int i = 0; i < 4; i++) {
    char ch = p[i];
    unsigned d;
    if (ch >= '0' && ch <= '9')
      d = (unsigned)(ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      d = (unsigned)(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F')
      d = (unsigned)(ch - 'A' + 10);
    else
      return -1;
    *v = *v << 4 | d;
  }
  return 0;
}

int sj_string(const sj_val *v, char *buf, size_t cap) {
  if (v->type != SJ_STRING || cap == 0)
    return -1;
  const char *p = v->p + 1, *end = v->p + v->n - 1;
  size_t o = 0;
  while (p < end) {
    unsigned cp;
    if (*p != '\\') {
      if (o + 1 >= cap)
        return -1;
      buf[o++] = *p++;
      continue;
    }
    p++;
    if (p >= end)
      return -1;
    char e = *p++;
    switch (e) {
    case 'n':
      cp = '\n';
      break;
    case 't':
      cp = '\t';
      break;
    case 'r':
      cp = '\r';
      break;
    case 'b':
      cp = '\b';
      break;
    case 'f':
      cp = '\f';
      break;
    case 'u':
      if (end - p < 4 || hex4(p, &cp) != 0)
        return -1;
      p += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' &&
          p[1] == 'u') {
        unsigned lo;
        if (hex4(p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
      }
      break;
    default:
      cp = (unsigned char)e;
    }
    char u[4];
    size_t un;
    if (cp < 0x80) {
      u[0] = (char)cp;
      un = 1;
    } else if (cp < 0x800) {
      u[0] = (char)(0xC0 | cp >> 6);
      u[1] = (char)(0x80 | (cp & 0x3F));
      un = 2;
    } else if (cp < 0x10000) {
      u[0] = (char)(0xE0 | cp >> 12);
      u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
      u[2] = (char)(0x80 | (cp & 0x3F));
      un = 3;
    } else {
      u[0] = (char)(0xF0 | cp >> 18);
      u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
      u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
      u[3] = (char)(0x80 | (cp & 0x3F));
      un = 4;
    }
    if (o + un >= cap)
      return -1;
    memcpy(buf + o, u, un);
    o += un;
  }
  buf[o] = 0;
  return 0;
}

int sj_number(const sj_val *v, double *out) {
  char tmp[64];
  if (v->type != SJ_NUMBER || v->n >= sizeof tmp)
    return -1;
  memcpy(tmp, v->p, v->n);
  tmp[v->n] = 0;
  char *e;
  *out = strtod(tmp, &e);
  return *e ? -1 : 0;
}

int sj_bool(const sj_val *v) {
  if (v->type != SJ_BOOL)
    return -1;
  return v->p[0] == 't';
}
