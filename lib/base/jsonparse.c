/* SPDX-License-Identifier: Apache-2.0 */
#include "base/jsonparse.h"

#include <rdpneg/rdpneg.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jp {
  const unsigned char *base, *p, *end;
  int line;
  const unsigned char *line_start;
  int depth;
  int rc; /* 0, RDPNEG_ERR_BAD_FILE or RDPNEG_ERR_NOMEM */
  char *err;
  size_t errlen;
} jp;

static int jp_col(const jp *j, const unsigned char *at) {
  /* Columns count bytes from 1. */
  return (int)(at - j->line_start) + 1;
}

/* Error path only: recomputes the line and column of |at| from the start,
 * since |at| may lie on an earlier line than the cursor. */
static void jp_fail_at(jp *j, const unsigned char *at, const char *what) {
  int line = 1;
  const unsigned char *ls = j->base;
  if (j->rc)
    return;
  j->rc = RDPNEG_ERR_BAD_FILE;
  for (const unsigned char *q = j->base; q < at; q++) {
    if (*q == '\n') {
      line++;
      ls = q + 1;
    }
  }
  if (j->err && j->errlen)
    snprintf(j->err, j->errlen, "line %d, column %d: %s", line,
             (int)(at - ls) + 1, what);
}

static void jp_nomem(jp *j) {
  if (j->rc)
    return;
  j->rc = RDPNEG_ERR_NOMEM;
  if (j->err && j->errlen)
    snprintf(j->err, j->errlen, "out of memory");
}

static void jp_ws(jp *j) {
  while (j->p < j->end) {
    unsigned char c = *j->p;
    if (c == '\n') {
      j->line++;
      j->p++;
      j->line_start = j->p;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      j->p++;
    } else {
      break;
    }
  }
}

/* Growable byte buffer for decoded strings. */
typedef struct sbuf {
  char *b;
  size_t len, cap;
} sbuf;

static int sb_put(sbuf *s, const char *d, size_t n) {
  if (s->len + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 64;
    while (s->len + n + 1 > cap)
      cap *= 2;
    char *nb = realloc(s->b, cap);
    if (!nb)
      return -1;
    s->b = nb;
    s->cap = cap;
  }
  memcpy(s->b + s->len, d, n);
  s->len += n;
  s->b[s->len] = 0;
  return 0;
}

static int sb_utf8(sbuf *s, uint32_t cp) {
  char o[4];
  size_t n;
  if (cp < 0x80) {
    o[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return sb_put(s, o, n);
}

/* Length of a valid UTF-8 sequence starting at |p| (1..4), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned char c = p[0];
  size_t n;
  uint32_t cp, min;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

static int hex4(const unsigned char *p, uint32_t *v) {
  uint32_t r = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = p[i];
    r <<= 4;
    if (c >= '0' && c <= '9')
      r |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      r |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      r |= (uint32_t)(c - 'A' + 10);
    else
      return -1;
  }
  *v = r;
  return 0;
}

/* Parses a string at j->p (which is '"'); on success *out and *outlen get a
 * malloc'd NUL-terminated decoded copy. */
static int jp_string(jp *j, char **out, size_t *outlen) {
  sbuf s = {0};
  const unsigned char *start = j->p;
  j->p++; /* opening quote */
  for (;;) {
    if (j->p >= j->end) {
      jp_fail_at(j, start, "unterminated string");
      goto fail;
    }
    unsigned char c = *j->p;
    if (c == '"') {
      j->p++;
      break;
    }
    if (c < 0x20) {
      jp_fail_at(j, j->p,
                 c == '\n' ? "unterminated string (newline inside a string)"
                           : "control character inside a string");
      goto fail;
    }
    if (c == '\\') {
      const unsigned char *esc = j->p;
      if (j->end - j->p < 2) {
        jp_fail_at(j, esc, "unterminated string");
        goto fail;
      }
      unsigned char e = j->p[1];
      const char *lit = NULL;
      switch (e) {
      case '"':
        lit = "\"";
        break;
      case '\\':
        lit = "\\";
        break;
      case '/':
        lit = "/";
        break;
      case 'b':
        lit = "\b";
        break;
      case 'f':
        lit = "\f";
        break;
      case 'n':
        lit = "\n";
        break;
      case 'r':
        lit = "\r";
        break;
      case 't':
        lit = "\t";
        break;
      case 'u':
        break;
      default:
        jp_fail_at(j, esc, "invalid escape sequence");
        goto fail;
      }
      if (lit) {
        if (sb_put(&s, lit, 1) < 0)
          goto nomem;
        j->p += 2;
        continue;
      }
      uint32_t cp, lo;
      if (j->end - j->p < 6 || hex4(j->p + 2, &cp) < 0) {
        jp_fail_at(j, esc, "invalid \\u escape (four hex digits expected)");
        goto fail;
      }
      j->p += 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
            hex4(j->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
          jp_fail_at(j, esc, "unpaired UTF-16 surrogate in \\u escape");
          goto fail;
        }
        j->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        jp_fail_at(j, esc, "unpaired UTF-16 surrogate in \\u escape");
        goto fail;
      } else if (cp == 0) {
        jp_fail_at(j, esc, "\\u0000 is not allowed in strings");
        goto fail;
      }
      if (sb_utf8(&s, cp) < 0)
        goto nomem;
      continue;
    }
    size_t n = utf8_seq(j->p, j->end);
    if (!n) {
      jp_fail_at(j, j->p, "invalid UTF-8 in string");
      goto fail;
    }
    if (sb_put(&s, (const char *)j->p, n) < 0)
      goto nomem;
    j->p += n;
  }
  if (!s.b && sb_put(&s, "", 0) < 0)
    goto nomem;
  *out = s.b;
  *outlen = s.len;
  return 0;
nomem:
  jp_nomem(j);
fail:
  free(s.b);
  return -1;
}

static int jp_number(jp *j, rdpneg_jp_node *n) {
  const unsigned char *s = j->p, *p = j->p;
  if (p < j->end && *p == '-')
    p++;
  if (p >= j->end || *p < '0' || *p > '9') {
    jp_fail_at(j, s, "invalid number");
    return -1;
  }
  if (*p == '0') {
    p++;
  } else {
    while (p < j->end && *p >= '0' && *p <= '9')
      p++;
  }
  if (p < j->end && *p == '.') {
    p++;
    if (p >= j->end || *p < '0' || *p > '9') {
      jp_fail_at(j, s, "invalid number");
      return -1;
    }
    while (p < j->end && *p >= '0' && *p <= '9')
      p++;
  }
  if (p < j->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < j->end && (*p == '+' || *p == '-'))
      p++;
    if (p >= j->end || *p < '0' || *p > '9') {
      jp_fail_at(j, s, "invalid number");
      return -1;
    }
    while (p < j->end && *p >= '0' && *p <= '9')
      p++;
  }
  size_t len = (size_t)(p - s);
  n->str = malloc(len + 1);
  if (!n->str) {
    jp_nomem(j);
    return -1;
  }
  memcpy(n->str, s, len);
  n->str[len] = 0;
  n->len = len;
  j->p = p;
  return 0;
}

static rdpneg_jp_node *jp_value(jp *j);

static rdpneg_jp_node *jp_new(jp *j, rdpneg_jp_type t) {
  rdpneg_jp_node *n = calloc(1, sizeof *n);
  if (!n) {
    jp_nomem(j);
    return NULL;
  }
  n->type = t;
  n->line = j->line;
  n->col = jp_col(j, j->p);
  return n;
}

static int jp_literal(jp *j, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
    return -1;
  j->p += n;
  return 0;
}

static rdpneg_jp_node *jp_container(jp *j, int is_object) {
  rdpneg_jp_node *n = jp_new(j, is_object ? RDPNEG_JP_OBJECT : RDPNEG_JP_ARRAY);
  rdpneg_jp_node **tail;
  const unsigned char *open = j->p;
  char close = is_object ? '}' : ']';
  if (!n)
    return NULL;
  tail = &n->child;
  if (++j->depth > RDPNEG_JP_MAX_DEPTH) {
    jp_fail_at(j, open, "nesting too deep");
    goto fail;
  }
  j->p++;
  jp_ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    j->depth--;
    return n;
  }
  for (;;) {
    char *key = NULL;
    size_t key_len = 0;
    int kline = 0, kcol = 0;
    jp_ws(j);
    if (is_object) {
      if (j->p >= j->end || *j->p != '"') {
        jp_fail_at(j, j->p < j->end ? j->p : j->end,
                   j->p >= j->end ? "unexpected end of input, object member "
                                    "name expected"
                                  : "object member name (a string) expected");
        goto fail;
      }
      kline = j->line;
      kcol = jp_col(j, j->p);
      if (jp_string(j, &key, &key_len) < 0)
        goto fail;
      jp_ws(j);
      if (j->p >= j->end || *j->p != ':') {
        free(key);
        jp_fail_at(j, j->p, "':' expected after the member name");
        goto fail;
      }
      j->p++;
      jp_ws(j);
    }
    rdpneg_jp_node *v = jp_value(j);
    if (!v) {
      free(key);
      goto fail;
    }
    v->key = key;
    v->key_len = key_len;
    v->key_line = kline;
    v->key_col = kcol;
    *tail = v;
    tail = &v->next;
    n->count++;
    jp_ws(j);
    if (j->p >= j->end) {
      jp_fail_at(j, open,
                 is_object ? "unterminated object"
                           : "unterminated "
                             "array");
      goto fail;
    }
    if (*j->p == ',') {
      j->p++;
      jp_ws(j);
      if (j->p < j->end && *j->p == close) {
        jp_fail_at(j, j->p, "trailing comma");
        goto fail;
      }
      continue;
    }
    if (*j->p == close) {
      j->p++;
      break;
    }
    jp_fail_at(j, j->p,
               is_object ? "',' or '}' expected" : "',' or ']' expected");
    goto fail;
  }
  j->depth--;
  return n;
fail:
  rdpneg_jp_free(n);
  return NULL;
}

static rdpneg_jp_node *jp_value(jp *j) {
  rdpneg_jp_node *n;
  jp_ws(j);
  if (j->p >= j->end) {
    jp_fail_at(j, j->end, "unexpected end of input, value expected");
    return NULL;
  }
  switch (*j->p) {
  case '{':
    return jp_container(j, 1);
  case '[':
    return jp_container(j, 0);
  case '"':
    n = jp_new(j, RDPNEG_JP_STRING);
    if (!n)
      return NULL;
    if (jp_string(j, &n->str, &n->len) < 0) {
      free(n);
      return NULL;
    }
    return n;
  case 't':
  case 'f':
  case 'n': {
    rdpneg_jp_type t = *j->p == 't'   ? RDPNEG_JP_TRUE
                       : *j->p == 'f' ? RDPNEG_JP_FALSE
                                      : RDPNEG_JP_NULL;
    n = jp_new(j, t);
    if (!n)
      return NULL;
    if (jp_literal(j, t == RDPNEG_JP_TRUE    ? "true"
                      : t == RDPNEG_JP_FALSE ? "false"
                                             : "null") < 0) {
      jp_fail_at(j, j->p, "invalid literal (true, false or null expected)");
      free(n);
      return NULL;
    }
    return n;
  }
  default:
    if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
      n = jp_new(j, RDPNEG_JP_NUMBER);
      if (!n)
        return NULL;
      if (jp_number(j, n) < 0) {
        free(n);
        return NULL;
      }
      return n;
    }
    jp_fail_at(j, j->p, "unexpected character, value expected");
    return NULL;
  }
}

int rdpneg_jp_parse(const char *data, size_t len, rdpneg_jp_node **proot,
                    char *err, size_t errlen) {
  jp j;
  rdpneg_jp_node *root;
  memset(&j, 0, sizeof j);
  j.base = j.p = (const unsigned char *)data;
  j.end = j.p + len;
  j.line = 1;
  j.line_start = j.p;
  j.err = err;
  j.errlen = errlen;
  if (err && errlen)
    err[0] = 0;
  *proot = NULL;
  /* A UTF-8 byte order mark is tolerated. */
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    j.base = j.p += 3;
    j.line_start = j.p;
  }
  root = jp_value(&j);
  if (!root)
    return j.rc ? j.rc : RDPNEG_ERR_BAD_FILE;
  jp_ws(&j);
  if (j.p < j.end) {
    jp_fail_at(&j, j.p, "unexpected data after the JSON document");
    rdpneg_jp_free(root);
    return j.rc;
  }
  *proot = root;
  return 0;
}

void rdpneg_jp_free(rdpneg_jp_node *node) {
  while (node) {
    rdpneg_jp_node *next = node->next;
    rdpneg_jp_free(node->child);
    free(node->key);
    free(node->str);
    free(node);
    node = next;
  }
}

const char *rdpneg_jp_type_name(rdpneg_jp_type type) {
  switch (type) {
  case RDPNEG_JP_NULL:
    return "null";
  case RDPNEG_JP_FALSE:
  case RDPNEG_JP_TRUE:
    return "boolean";
  case RDPNEG_JP_NUMBER:
    return "number";
  case RDPNEG_JP_STRING:
    return "string";
  case RDPNEG_JP_ARRAY:
    return "array";
  case RDPNEG_JP_OBJECT:
    return "object";
  }
  return "value";
}
