/* SPDX-License-Identifier: Apache-2.0 */
/* An RDP server in memory for the test programs: X.224 confirm, a real TLS
 * server (mbedTLS, a certificate made at start-up) and CredSSP with NTLM
 * that checks nothing but answers like a server that accepts the
 * credentials, proving the public-key binding (pubKeyAuth, CredSSP v6)
 * and, for HYBRID_EX, sending the Early User Authorization Result.
 *
 * Everything it does runs with the allocation wrappers paused
 * (oom_alloc.h), so a sweep fails only the client's allocations. */
#ifndef RDPNEG_OOM_PEER_H
#define RDPNEG_OOM_PEER_H

#include <stddef.h>
#include <stdint.h>

#define PEER_HOST "oom.test"
#define PEER_PASSWORD "Tr0ub4dor&3-oom"

typedef struct peer peer;

typedef struct peer_opts {
  uint32_t selected;       /* RDPNEG_PROTOCOL_* the confirm selects */
  int reject_spnego;       /* answer a SPNEGO NEGOTIATE with an errorCode */
  int64_t now_unix;        /* the CHALLENGE's timestamp (0: 1700000000) */
  int require_client_cert; /* TLS: CertificateRequest, and a handshake
                              without a client certificate fails */
} peer_opts;

/* Key and certificate, once per program. Returns 0 or -1. */
int peer_global_init(void);
void peer_global_free(void);

peer *peer_new(const peer_opts *o);
void peer_free(peer *p);
/* Bytes from the client. Returns 0, or -1 when the server gave up. */
int peer_input(peer *p, const uint8_t *data, size_t len);
/* Takes up to |cap| bytes the server sends. */
size_t peer_output(peer *p, uint8_t *dst, size_t cap);
/* 1 once the server has closed its side (after its last answer, or on a
 * protocol error, or after the client's close_notify). */
int peer_closed(const peer *p);
/* For diagnostics: the server's state (0 X.224, 1 TLS, 2 waiting for the
 * NEGOTIATE, 3 for the AUTHENTICATE, 4 answered, 5 closed), the bytes it
 * received and its last mbedTLS handshake result. */
int peer_debug(const peer *p, size_t *rx, int *rc);

typedef struct rdpneg_session rdpneg_session;
/* Runs |s| (started, TCP connected) against |p| until it is done, at most
 * 100 rounds of 1 ms from |ts|: what the session writes goes to the server,
 * what the server sends is read, its close is the transport's. */
void peer_run(peer *p, rdpneg_session *s, uint64_t ts);

#endif
