/* SPDX-License-Identifier: Apache-2.0 */
#include "base/jsonparse.h"

#include <rdpneg/rdpneg.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reader makes two passes over the input. The first one validates and
 * counts the values and the bytes of their decoded strings, writing nothing;
 * the second one fills a single block sized exactly for the tree:
 * [header][node 0 (the root), node 1, ...][strings, each NUL-terminated].
 * A document therefore costs one allocation of about 64 bytes per value
 * plus its text, whatever its shape, and a document whose tree would
 * exceed the caller's limit is refused before anything is allocated. */
#define JP_MAGIC ((size_t)0x6a736f6e74726565u) /* "jsontree" */

typedef struct jp_block {
  size_t magic;
  size_t size; /* bytes of the whole block */
  rdpneg_jp_node nodes[];
} jp_block;

typedef struct jp {
  const unsigned char *base, *p, *end;
  int line;
  const unsigned char *line_start;
  int depth;
  int rc; /* 0, RDPNEG_ERR_BAD_FILE or RDPNEG_ERR_NOMEM */
  char *err;
  size_t errlen;
  int build;             /* 0: first pass (count), 1: second pass (fill) */
  size_t nnodes;         /* values seen so far */
  size_t max_tree;       /* first pass: limit on the tree's bytes */
  size_t nbytes;         /* string bytes so far (NULs included) */
  rdpneg_jp_node *nodes; /* second pass: the block's nodes */
  char *strs;            /* second pass: the block's string area */
  /* first pass: one throw-away node per nesting level */
  rdpneg_jp_node scratch[RDPNEG_JP_MAX_DEPTH + 2];
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

/* Appends |n| decoded bytes to the current string (second pass), or
 * only counts them (first pass). */
static void jp_put(jp *j, const char *d, size_t n) {
  if (j->build)
    memcpy(j->strs + j->nbytes, d, n);
  j->nbytes += n;
}

static void jp_put_utf8(jp *j, uint32_t cp) {
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
  jp_put(j, o, n);
}

size_t rdpneg_utf8_seq(const unsigned char *p, const unsigned char *end) {
  if (p >= end)
    return 0;
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

/* Parses a string at j->p (which is '"'). Second pass: *out and *outlen get
 * the decoded, NUL-terminated copy in the block; first pass: NULL. */
static int jp_string(jp *j, char **out, uint32_t *outlen) {
  const unsigned char *start = j->p;
  size_t first = j->nbytes;
  j->p++; /* opening quote */
  for (;;) {
    if (j->p >= j->end) {
      jp_fail_at(j, start, "unterminated string");
      return -1;
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
      return -1;
    }
    if (c == '\\') {
      const unsigned char *esc = j->p;
      if (j->end - j->p < 2) {
        jp_fail_at(j, esc, "unterminated string");
        return -1;
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
        return -1;
      }
      if (lit) {
        jp_put(j, lit, 1);
        j->p += 2;
        continue;
      }
      uint32_t cp, lo;
      if (j->end - j->p < 6 || hex4(j->p + 2, &cp) < 0) {
        jp_fail_at(j, esc, "invalid \\u escape (four hex digits expected)");
        return -1;
      }
      j->p += 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
            hex4(j->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
          jp_fail_at(j, esc, "unpaired UTF-16 surrogate in \\u escape");
          return -1;
        }
        j->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        jp_fail_at(j, esc, "unpaired UTF-16 surrogate in \\u escape");
        return -1;
      } else if (cp == 0) {
        jp_fail_at(j, esc, "\\u0000 is not allowed in strings");
        return -1;
      }
      jp_put_utf8(j, cp);
      continue;
    }
    size_t n = rdpneg_utf8_seq(j->p, j->end);
    if (!n) {
      jp_fail_at(j, j->p, "invalid UTF-8 in string");
      return -1;
    }
    jp_put(j, (const char *)j->p, n);
    j->p += n;
  }
  if (j->build) {
    *out = j->strs + first;
    *outlen = (uint32_t)(j->nbytes - first);
  }
  jp_put(j, "", 1);
  return 0;
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
  if (j->build) {
    n->str = j->strs + j->nbytes;
    n->len = (uint32_t)len;
  }
  jp_put(j, (const char *)s, len);
  jp_put(j, "", 1);
  j->p = p;
  return 0;
}

static rdpneg_jp_node *jp_value(jp *j);

/* A new node: the next one of the block (second pass), or the throw-away
 * node of the current nesting level (first pass, which also enforces the
 * caller's limit on the tree's size). */
static rdpneg_jp_node *jp_new(jp *j, rdpneg_jp_type t) {
  rdpneg_jp_node *n;
  if (j->build) {
    n = &j->nodes[j->nnodes++];
  } else {
    if ((j->nnodes + 1) * sizeof *n + j->nbytes > j->max_tree) {
      char what[160];
      snprintf(what, sizeof what,
               "too many values for a document of this size (the tree "
               "would take more than %zu bytes)",
               j->max_tree);
      jp_fail_at(j, j->p, what);
      return NULL;
    }
    j->nnodes++;
    n = &j->scratch[j->depth];
  }
  memset(n, 0, sizeof *n);
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
    return NULL;
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
    uint32_t key_len = 0;
    int kline = 0, kcol = 0;
    jp_ws(j);
    if (is_object) {
      if (j->p >= j->end || *j->p != '"') {
        jp_fail_at(j, j->p < j->end ? j->p : j->end,
                   j->p >= j->end ? "unexpected end of input, object member "
                                    "name expected"
                                  : "object member name (a string) expected");
        return NULL;
      }
      kline = j->line;
      kcol = jp_col(j, j->p);
      if (jp_string(j, &key, &key_len) < 0)
        return NULL;
      jp_ws(j);
      if (j->p >= j->end || *j->p != ':') {
        jp_fail_at(j, j->p, "':' expected after the member name");
        return NULL;
      }
      j->p++;
      jp_ws(j);
    }
    rdpneg_jp_node *v = jp_value(j);
    if (!v)
      return NULL;
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
      return NULL;
    }
    if (*j->p == ',') {
      j->p++;
      jp_ws(j);
      if (j->p < j->end && *j->p == close) {
        jp_fail_at(j, j->p, "trailing comma");
        return NULL;
      }
      continue;
    }
    if (*j->p == close) {
      j->p++;
      break;
    }
    jp_fail_at(j, j->p,
               is_object ? "',' or '}' expected" : "',' or ']' expected");
    return NULL;
  }
  j->depth--;
  return n;
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
    if (!n || jp_string(j, &n->str, &n->len) < 0)
      return NULL;
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
      return NULL;
    }
    return n;
  }
  default:
    if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
      n = jp_new(j, RDPNEG_JP_NUMBER);
      if (!n || jp_number(j, n) < 0)
        return NULL;
      return n;
    }
    jp_fail_at(j, j->p, "unexpected character, value expected");
    return NULL;
  }
}

/* One pass over the whole document (after an optional byte order mark). */
static rdpneg_jp_node *jp_pass(jp *j) {
  j->p = j->base;
  j->line = 1;
  j->line_start = j->p;
  j->depth = 0;
  j->nnodes = 0;
  j->nbytes = 0;
  rdpneg_jp_node *root = jp_value(j);
  if (!root)
    return NULL;
  jp_ws(j);
  if (j->p < j->end) {
    jp_fail_at(j, j->p, "unexpected data after the JSON document");
    return NULL;
  }
  return root;
}

int rdpneg_jp_parse_max(const char *data, size_t len, size_t max_tree,
                        rdpneg_jp_node **proot, char *err, size_t errlen) {
  jp j;
  memset(&j, 0, sizeof j);
  j.err = err;
  j.errlen = errlen;
  if (err && errlen)
    err[0] = 0;
  if (!proot || (!data && len))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *proot = NULL;
  if (!data)
    data = "";
  j.base = (const unsigned char *)data;
  j.end = j.base + len;
  /* lengths and counts are kept in 32 bits, positions in int */
  if (len > RDPNEG_JP_MAX_INPUT) {
    j.line_start = j.base;
    jp_fail_at(&j, j.base, "document too large");
    return j.rc;
  }
  /* A UTF-8 byte order mark is tolerated. */
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    j.base += 3;
  j.max_tree = max_tree;
  if (!jp_pass(&j))
    return j.rc ? j.rc : RDPNEG_ERR_BAD_FILE;
  size_t nn = j.nnodes, nb = j.nbytes;
  if (nn * sizeof(rdpneg_jp_node) + nb > max_tree) { /* the last strings */
    char what[160];
    snprintf(what, sizeof what,
             "document too large for its limit (the tree would take more "
             "than %zu bytes)",
             max_tree);
    jp_fail_at(&j, j.end, what);
    return j.rc;
  }
  size_t size = offsetof(jp_block, nodes) + nn * sizeof(rdpneg_jp_node) + nb;
  jp_block *b = malloc(size);
  if (!b) {
    jp_nomem(&j);
    return j.rc;
  }
  b->magic = JP_MAGIC;
  b->size = size;
  j.build = 1;
  j.nodes = b->nodes;
  j.strs = (char *)(b->nodes + nn);
  rdpneg_jp_node *root = jp_pass(&j);
  if (!root || root != b->nodes || j.nnodes != nn || j.nbytes != nb) {
    /* cannot happen: the same bytes parse the same way twice */
    free(b);
    if (!j.rc)
      jp_fail_at(&j, j.base, "internal error");
    return RDPNEG_ERR_BAD_FILE;
  }
  *proot = root;
  return 0;
}

int rdpneg_jp_parse(const char *data, size_t len, rdpneg_jp_node **proot,
                    char *err, size_t errlen) {
  return rdpneg_jp_parse_max(data, len, SIZE_MAX, proot, err, errlen);
}

void rdpneg_jp_free(rdpneg_jp_node *root) {
  if (!root)
    return;
  jp_block *b = (jp_block *)((char *)root - offsetof(jp_block, nodes));
  if (b->magic != JP_MAGIC)
    return; /* not a root from rdpneg_jp_parse: nothing of its own to free */
  b->magic = 0;
  free(b);
}

size_t rdpneg_jp_tree_size(const rdpneg_jp_node *root) {
  if (!root)
    return 0;
  const jp_block *b =
      (const jp_block *)((const char *)root - offsetof(jp_block, nodes));
  return b->magic == JP_MAGIC ? b->size : 0;
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
