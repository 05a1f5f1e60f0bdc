/* SPDX-License-Identifier: Apache-2.0 */
/* The batch's listener table (batch_int.h): a hash table of address and
 * port that doubles as it fills, holding only the listeners some target
 * still names. */
#include "uv/batch_int.h"

#include <uv.h>

#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024 /* at first */

static batch_listener **bucket(batch_listener **buckets, size_t nbuckets,
                               const char *addr, uint16_t port) {
  uint64_t h = 1469598103934665603ull;
  for (const char *c = addr; *c; c++)
    h = (h ^ (unsigned char)*c) * 1099511628211ull;
  h ^= port;
  return &buckets[h & (nbuckets - 1)];
}

int batch_listeners_init(batch_listeners *t) {
  t->n = 0;
  t->nbuckets = NBUCKETS;
  t->buckets = calloc(NBUCKETS, sizeof *t->buckets);
  return t->buckets ? 0 : RDPNEG_ERR_NOMEM;
}

/* Doubles the table when it holds twice as many listeners as chains (it
 * stays as it is without memory for a larger one). */
static void grow(batch_listeners *t) {
  if (t->n < 2 * t->nbuckets || t->nbuckets >= ((size_t)1 << 24))
    return;
  size_t nn = 2 * t->nbuckets;
  batch_listener **nb = calloc(nn, sizeof *nb);
  if (!nb)
    return;
  for (size_t i = 0; i < t->nbuckets; i++) {
    for (batch_listener *l = t->buckets[i], *nx; l; l = nx) {
      nx = l->next;
      batch_listener **bk = bucket(nb, nn, l->addr, l->port);
      l->next = *bk;
      *bk = l;
    }
  }
  free(t->buckets);
  t->buckets = nb;
  t->nbuckets = nn;
}

batch_listener *batch_listener_ref(batch_listeners *t, const char *addr,
                                   uint16_t port) {
  batch_listener **bk = bucket(t->buckets, t->nbuckets, addr, port);
  for (batch_listener *l = *bk; l; l = l->next) {
    if (l->port == port && strcmp(l->addr, addr) == 0) {
      l->refs++;
      return l;
    }
  }
  batch_listener *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  size_t n = strlen(addr);
  if (n >= sizeof l->addr)
    n = sizeof l->addr - 1;
  memcpy(l->addr, addr, n);
  l->port = port;
  l->refs = 1;
  l->next = *bk;
  *bk = l;
  t->n++;
  grow(t);
  return l;
}

void batch_listener_unref(batch_listeners *t, batch_listener *l) {
  if (--l->refs > 0)
    return;
  batch_listener **pl = bucket(t->buckets, t->nbuckets, l->addr, l->port);
  while (*pl != l)
    pl = &(*pl)->next;
  *pl = l->next;
  free(l);
  t->n--;
}

void batch_listeners_free(batch_listeners *t) {
  for (size_t i = 0; i < t->nbuckets && t->buckets; i++) {
    for (batch_listener *l = t->buckets[i], *nx; l; l = nx) {
      nx = l->next;
      free(l);
    }
  }
  free(t->buckets);
  t->buckets = NULL;
  t->nbuckets = t->n = 0;
}

int batch_canon_addr(const char *host, char *out) {
  unsigned char a[16];
  if (uv_inet_pton(AF_INET, host, a) == 0)
    return uv_inet_ntop(AF_INET, a, out, 48) == 0 ? 0 : -1;
  if (uv_inet_pton(AF_INET6, host, a) != 0)
    return -1;
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                           0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(a, mapped, 12) == 0)
    return uv_inet_ntop(AF_INET, a + 12, out, 48) == 0 ? 0 : -1;
  return uv_inet_ntop(AF_INET6, a, out, 48) == 0 ? 0 : -1;
}
