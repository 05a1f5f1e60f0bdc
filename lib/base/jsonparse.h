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
 * kept (the caller decides).
 *
 * The tree is one allocation: sizeof(rdpneg_jp_node) (64 bytes on LP64)
 * per value plus the decoded strings, each with its NUL. A caller reading
 * untrusted input bounds it with rdpneg_jp_parse_max(). */
#ifndef RDPNEG_JSONPARSE_H
#define RDPNEG_JSONPARSE_H

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_JP_MAX_DEPTH 64
/* Longest input accepted (lengths are kept in 32 bits). */
#define RDPNEG_JP_MAX_INPUT (1u << 30)

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
  int key_line, key_col;
  uint32_t key_len; /* byte length of |key| */
  uint32_t len;     /* byte length of |str| */
  uint32_t count;   /* number of children */
  char *key;        /* member name (decoded) inside an object, else NULL */
  char *str;        /* STRING: decoded UTF-8, NUL-terminated; NUMBER: text */
  rdpneg_jp_node *child; /* first element / member */
  rdpneg_jp_node *next;  /* next sibling */
};

/* Parses |len| bytes at |data| (borrowed; NULL only with |len| 0). On
 * success stores the root in *|proot| (free with rdpneg_jp_free) and
 * returns 0. On failure returns RDPNEG_ERR_BAD_FILE (syntax, or more than
 * RDPNEG_JP_MAX_INPUT bytes), RDPNEG_ERR_NOMEM or
 * RDPNEG_ERR_INVALID_ARGUMENT, and writes "line N, column M: <what>" into
 * |err| (|errlen| bytes, may be 0). */
int rdpneg_jp_parse(const char *data, size_t len, rdpneg_jp_node **proot,
                    char *err, size_t errlen);

/* Like rdpneg_jp_parse, and a document whose tree would take more than
 * |max_tree| bytes (64 per value on LP64 plus the decoded strings; see
 * rdpneg_jp_tree_size) is refused with RDPNEG_ERR_BAD_FILE ("too many
 * values for a document of this size") before anything is allocated. */
int rdpneg_jp_parse_max(const char *data, size_t len, size_t max_tree,
                        rdpneg_jp_node **proot, char *err, size_t errlen);

/* Frees a tree given its root as rdpneg_jp_parse returned it (NULL is a
 * no-op; any other node of a tree is ignored: it is freed with its root). */
void rdpneg_jp_free(rdpneg_jp_node *root);

/* Bytes the tree of |root| occupies (its single allocation), 0 for NULL. */
size_t rdpneg_jp_tree_size(const rdpneg_jp_node *root);

/* Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF) that starts at |p| and ends
 * before |end|: 1..4, or 0 when invalid or |p| >= |end|. The one UTF-8
 * check of the library (JSON strings, credentials in config.c). */
size_t rdpneg_utf8_seq(const unsigned char *p, const unsigned char *end);

/* Returns a static name for |type| ("object", "string", ...). */
const char *rdpneg_jp_type_name(rdpneg_jp_type type);

#endif
