/* SPDX-License-Identifier: Apache-2.0 */
/* Private to librdpneg-uv's batch (batch.c, batch_result.c). */
#ifndef RDPNEG_UV_BATCH_INT_H
#define RDPNEG_UV_BATCH_INT_H

#include <rdpneg/rdpneg_batch.h>
#include <rdpneg/rdpneg_diagnosis.h>

struct rdpneg_batch_result {
  rdpneg_batch_result *next;
  rdpneg_evidence *ev;
  int status;
  int64_t index;
  uint64_t t0, t1;
  uint16_t port;
  char *spec, *host;
};

/* Parses a target specification (rdpneg_batch_add). On success *|pspec|
 * is a new allocation holding |spec| then the host (*|phost| points into
 * it; free *|pspec| only) and *|pport| the port (|defport| when none).
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
int batch_parse_target(const char *spec, uint16_t defport, char **pspec,
                       char **phost, uint16_t *pport);

/* ---- the listener table (batch_listen.c), under the batch's lock ---- */

struct batch_target;

/* A listener (address and port) and the targets waiting on it. */
typedef struct batch_listener {
  struct batch_listener *next; /* hash chain */
  int inflight;                /* plans running against it */
  int refs; /* targets naming it (queued, waiting or running) */
  struct batch_target *whead, *wtail; /* waiting targets */
  uint16_t port;
  char addr[48]; /* batch_canon_addr's text */
} batch_listener;

typedef struct batch_listeners {
  batch_listener **buckets;
  size_t nbuckets, n;
} batch_listeners;

/* An empty table; 0 or RDPNEG_ERR_NOMEM. */
int batch_listeners_init(batch_listeners *t);

/* The listener of |addr| (canonical text) and |port|, created when no
 * target names it yet, with one more reference; NULL without memory. */
batch_listener *batch_listener_ref(batch_listeners *t, const char *addr,
                                   uint16_t port);

/* Drops a reference; the last one frees the listener (no target waits on
 * a listener it does not name). */
void batch_listener_unref(batch_listeners *t, batch_listener *l);

/* Frees every listener and the table. */
void batch_listeners_free(batch_listeners *t);

/* The canonical text of an address literal (IPv4-mapped IPv6 as IPv4)
 * into |out| (48 bytes); 0, or -1 when |host| is not a literal. */
int batch_canon_addr(const char *host, char *out);

#endif
