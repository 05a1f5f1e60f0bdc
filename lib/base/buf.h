/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded growable byte queue (internal). */
#ifndef RDPNEG_BUF_H
#define RDPNEG_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct rdpneg_buf {
  uint8_t *data;
  size_t off; /* first unread byte */
  size_t len; /* bytes stored from data[0], unread are data[off..len) */
  size_t cap;
  size_t limit; /* maximum unread bytes; 0 = unlimited */
} rdpneg_buf;

void rdpneg_buf_init(rdpneg_buf *b, size_t limit);
/* Frees and zeroises the storage. */
void rdpneg_buf_free(rdpneg_buf *b);
/* Appends |n| bytes. Returns 0, RDPNEG_ERR_NOBUF over the limit or NOMEM. */
int rdpneg_buf_append(rdpneg_buf *b, const uint8_t *p, size_t n);
/* Unread bytes and their count. */
static inline const uint8_t *rdpneg_buf_peek(const rdpneg_buf *b) {
  return b->data ? b->data + b->off : (const uint8_t *)"";
}
static inline size_t rdpneg_buf_size(const rdpneg_buf *b) {
  return b->len - b->off;
}
/* Drops |n| unread bytes. */
void rdpneg_buf_consume(rdpneg_buf *b, size_t n);
/* Copies up to |cap| unread bytes out and consumes them; returns count. */
size_t rdpneg_buf_take(rdpneg_buf *b, uint8_t *dest, size_t cap);

#endif
