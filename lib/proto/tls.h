/* SPDX-License-Identifier: Apache-2.0 */
/* TLS client over memory buffers (internal). The only module that knows
 * mbedTLS's SSL API: a port to mbedTLS 3.6 (TLS 1.3) replaces tls.c and
 * keeps this interface. */
#ifndef RDPNEG_TLS_H
#define RDPNEG_TLS_H

#include "base/buf.h"
#include "proto/cert.h"

#include <rdpneg/rdpneg.h>

typedef struct rdpneg_tls rdpneg_tls;

typedef struct rdpneg_tls_params {
  const char *sni;  /* server name sent in SNI (not an IP literal) or NULL */
  const char *name; /* expected name for hostname_match */
  int min_version;  /* 1 = TLS 1.0, 2 = 1.1, 3 = 1.2 */
  int max_version;
  const uint8_t *ca; /* config CA records or NULL */
  size_t ca_len;
  int64_t now_unix;
  int warn_days;
} rdpneg_tls_params;

/* What the evidence knows during the handshake; the certificate's
 * analysis (7.5 KiB) is made, and allocated, at its end. */
#define RDPNEG_TLS_HS_MEMBERS                                                  \
  rdpneg_tls_status status;                                                    \
  char version[16]; /* "TLSv1.2" */                                            \
  char cipher[96];  /* IANA name */                                            \
  int alert_code;   /* -1: none */                                             \
  int alert_level;                                                             \
  int mbedtls_error;           /* raw mbedTLS code of a failure, 0 if none */  \
  char error[160];             /* mbedTLS's text for it */                     \
  int last_server_msg;         /* last server handshake message type, -1 */    \
  int server_hello_version;    /* legacy_version of a ServerHello, 0 none */   \
  int server_selected_version; /* supported_versions extension, 0 none */      \
  int requires_tls13;                                                          \
  int cert_requested; /* the server sent a CertificateRequest */               \
  size_t bytes_received;                                                       \
  uint8_t first_bytes[32]; /* first bytes of the server's answer */            \
  size_t first_len;

typedef struct rdpneg_tls_hs {
  RDPNEG_TLS_HS_MEMBERS
} rdpneg_tls_hs;

/* The TLS phase's evidence as a value (core/evidence.h keeps one per
 * attempt): the members above, then the certificate. */
typedef struct rdpneg_tls_ev {
  RDPNEG_TLS_HS_MEMBERS
  int has_cert;
  rdpneg_cert_ev cert;
} rdpneg_tls_ev;

/* The name of a handshake message type (RFC 5246 7.4, RFC 8446 4), e.g.
 * "ServerHelloDone"; NULL for a type not named here. */
const char *rdpneg_tls_hs_name(int type);

/* Returns 0 or NOMEM / CRYPTO. */
int rdpneg_tls_new(rdpneg_tls **pt, const rdpneg_tls_params *p);
void rdpneg_tls_free(rdpneg_tls *t);

/* Frees mbedTLS's context and record buffers once the connection is done
 * with TLS; the evidence, the output not yet taken and the server's
 * public key stay. Handshake, read and write then return INVALID_STATE. */
void rdpneg_tls_release(rdpneg_tls *t);

/* Appends received ciphertext. Returns 0 or NOBUF/NOMEM. */
int rdpneg_tls_input(rdpneg_tls *t, const uint8_t *data, size_t len);

/* Marks the transport as ended (EOF or reset). */
void rdpneg_tls_transport_end(rdpneg_tls *t, int reset);

/* Advances the handshake. Returns 1 when complete, 0 when waiting for input,
 * or a negative RDPNEG_ERR_* with the evidence filled in. */
int rdpneg_tls_handshake(rdpneg_tls *t);

/* Ciphertext waiting to be sent. */
rdpneg_buf *rdpneg_tls_output(rdpneg_tls *t);

/* Encrypts application data into the output. Returns 0 or an error. */
int rdpneg_tls_write(rdpneg_tls *t, const uint8_t *data, size_t len);

/* Decrypts available application data. Returns the count (> 0), 0 when more
 * input is needed, RDPNEG_ERR_PEER_CLOSED on close_notify or EOF,
 * RDPNEG_ERR_PEER_RESET, RDPNEG_ERR_TLS_ALERT, or another error. */
rdpneg_ssize rdpneg_tls_read(rdpneg_tls *t, uint8_t *out, size_t cap);

/* Queues a close_notify alert. */
void rdpneg_tls_close_notify(rdpneg_tls *t);

/* Marks a handshake that never finished as stalled (deadline passed). */
void rdpneg_tls_stalled(rdpneg_tls *t);

/* The handshake's evidence so far. */
const rdpneg_tls_hs *rdpneg_tls_hs_evidence(const rdpneg_tls *t);

/* The server certificate's analysis, NULL when there is none (yet). */
const rdpneg_cert_ev *rdpneg_tls_cert(const rdpneg_tls *t);

/* Copies the whole evidence (certificate included) into |out|. */
void rdpneg_tls_evidence_copy(const rdpneg_tls *t, rdpneg_tls_ev *out);

/* The same as one value held by |t| (made on the first call, 7.9 KiB;
 * the library itself copies): NULL when out of memory. */
const rdpneg_tls_ev *rdpneg_tls_evidence(rdpneg_tls *t);

/* The server's SubjectPublicKey (for RSA the RSAPublicKey DER), as CredSSP
 * binds it. Valid until rdpneg_tls_free. Returns 0 or INVALID_STATE. */
int rdpneg_tls_peer_pubkey(const rdpneg_tls *t, const uint8_t **key,
                           size_t *len);

/* Fills |buf| from the TLS layer's DRBG (mbedtls f_rng shape: |ctx| is the
 * rdpneg_tls). Returns 0 or an mbedTLS error. */
int rdpneg_tls_random(void *ctx, unsigned char *buf, size_t len);

/* Name of a TLS alert description (RFC 8446 6, RFC 5246 7.2) or NULL. */
const char *rdpneg_tls_alert_name(int code);

#endif
