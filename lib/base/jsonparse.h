/* SPDX-License-Identifier: Apache-2.0 */
/* Small bounded JSON reader (internal), RFC 8259.
 *
 * Parses a whole document into a tree of nodes that remember their line and
 * column (1-based, columns counted in bytes), so that callers validating
 * the content can name the exact position of a problem. Strings are decoded
 * to UTF-8 (escapes, surrogate pairs); invalid UTF-8, control characters,
 * "\u0000", lone surrogates, trailing garbage, nesting deeper than
 * RDPNEG_JP_MAX_DEPTH and documents larger than the caller's limit are
 * errors. Numbers are validated and kept as text. Duplicate object keys are
 * kept (the caller decides). */
#ifndef RDPNEG_JSONPARSE_H
#define RDPNEG_JSONPARSE_H

#include <stddef.h>

#define RDPNEG_JP_MAX_DEPTH 64

typedef enum rdpneg_jp_type {
  RDPNEG_JP_NULL = 0,
  RDPNEG_JP_FALSE,
  RDPNEG_JP_TRUE,
  RDPNEG_JP_NUMBER,
  RDPNEG_JP_STRING,
  RDPNEG_JP_ARRAY,
  RDPNEG_JP_OBJECT
} rdpneg_jp_type;

typedef struct rdpneg_jp_node rdpneg_jp_node;
struct rdpneg_jp_node {
  rdpneg_jp_type type;
  int line, col; /* position of the value's first byte */
  char *key;     /* member name (decoded) inside an object, else NULL */
  size_t key_len;
  int key_line, key_col;
  char *str;  /* STRING: decoded UTF-8, NUL-terminated; NUMBER: text */
  size_t len; /* byte length of |str| */
  rdpneg_jp_node *child; /* first element / member */
  rdpneg_jp_node *next;  /* next sibling */
  size_t count;          /* number of children */
};

/* Parses |len| bytes at |data| (borrowed). On success stores the root in
 * *|proot| (free with rdpneg_jp_free) and returns 0. On failure returns
 * RDPNEG_ERR_BAD_FILE (syntax) or RDPNEG_ERR_NOMEM, and writes
 * "line N, column M: <what>" into |err| (|errlen| bytes, may be 0). */
int rdpneg_jp_parse(const char *data, size_t len, rdpneg_jp_node **proot,
                    char *err, size_t errlen);

/* Frees a tree (NULL is a no-op). */
void rdpneg_jp_free(rdpneg_jp_node *node);

/* Returns a static name for |type| ("object", "string", ...). */
const char *rdpneg_jp_type_name(rdpneg_jp_type type);

#endif
