/* SPDX-License-Identifier: Apache-2.0 */
#include "base/buf.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

void rdpneg_buf_init(rdpneg_buf *b, size_t limit) {
  memset(b, 0, sizeof *b);
  b->limit = limit;
}

void rdpneg_buf_free(rdpneg_buf *b) {
  if (b->data) {
    mbedtls_platform_zeroize(b->data, b->cap);
    free(b->data);
  }
  b->data = NULL;
  b->off = b->len = b->cap = 0;
}

int rdpneg_buf_append(rdpneg_buf *b, const uint8_t *p, size_t n) {
  if (n == 0)
    return 0;
  if (b->limit && rdpneg_buf_size(b) + n > b->limit)
    return RDPNEG_ERR_NOBUF;
  if (b->off && b->off == b->len)
    b->off = b->len = 0;
  if (b->len + n > b->cap && b->off) {
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->len + n)
      cap *= 2;
    uint8_t *nd = malloc(cap);
    if (!nd)
      return RDPNEG_ERR_NOMEM;
    if (b->data) {
      memcpy(nd, b->data, b->len);
      mbedtls_platform_zeroize(b->data, b->cap);
      free(b->data);
    }
    b->data = nd;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

void rdpneg_buf_consume(rdpneg_buf *b, size_t n) {
  size_t have = rdpneg_buf_size(b);
  b->off += n < have ? n : have;
  if (b->off == b->len)
    b->off = b->len = 0;
}

size_t rdpneg_buf_take(rdpneg_buf *b, uint8_t *dest, size_t cap) {
  size_t n = rdpneg_buf_size(b);
  if (n > cap)
    n = cap;
  if (n)
    memcpy(dest, rdpneg_buf_peek(b), n);
  rdpneg_buf_consume(b, n);
  return n;
}
