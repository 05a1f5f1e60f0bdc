/* SPDX-License-Identifier: Apache-2.0 */
/* The loopback responder of the scale benchmark and of the burst test: a
 * child process (fork, then responder_main) with one libuv loop that
 * listens on 127.0.0.1-127.0.0.8, one port per mode, the same port on
 * every address (connections spread over the addresses so that 100,000
 * of them do not run out of ephemeral ports). Per mode:
 *  - M_X224: a Connection Confirm selecting SSL, then it waits for the
 *    client to close.
 *  - M_TLS: the confirm, then a real TLS 1.2 server (mbedTLS) with a
 *    self-signed 1024-bit RSA certificate made at start:
 *    TLS_RSA_WITH_AES_128_GCM_SHA256 (RSA key transport), or with |ecdhe|
 *    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 over X25519.
 *  - M_SILENT: reads the request and never answers.
 *  - M_HOLD: as M_TLS up to the ServerHelloDone; the client's key
 *    exchange and Finished are never answered.
 *  - M_TLS_LATE: as M_TLS, but the answer to the client's key
 *    exchange and Finished (our ChangeCipherSpec and Finished) goes out
 *    RESPONDER_LATE_MS after it was made (counted in |late| when made).
 * Counters are shared with the parent (MAP_SHARED). */
#ifndef RDPNEG_BENCH_RESPONDER_H
#define RDPNEG_BENCH_RESPONDER_H

#include <stdatomic.h>

#define RESPONDER_ADDRS 8
#define RESPONDER_MAX 8
#define RESPONDER_LATE_MS 1500

enum { M_X224, M_TLS, M_SILENT, M_HOLD, M_TLS_LATE, M_COUNT };

typedef struct responder_shared {
  atomic_int ready;
  atomic_long requests[M_COUNT]; /* Connection Requests read */
  atomic_long held;              /* TLS clients waiting for our Finished */
  atomic_long handshakes;        /* TLS handshakes completed */
  atomic_long late;              /* M_TLS_LATE answers made, not yet sent */
  int port[RESPONDER_MAX][M_COUNT];
} responder_shared;

/* Counters in memory shared with children forked after. NULL on error. */
responder_shared *responder_shared_new(void);

/* Runs responder |idx| (ports in shared->port[idx]) until killed; never
 * returns. */
void responder_main(responder_shared *shared, int idx, int ecdhe);

#endif
