/* SPDX-License-Identifier: Apache-2.0 */
/* An in-memory mbedTLS server for the TLS and CredSSP fuzz targets: a CA
 * and two leaf certificates (EC P-256, RSA 1024) made at start-up with
 * mbedtls x509write, a server context talking through two byte buffers.
 * Deterministic: its randomness is fuzz_rng. */
#ifndef RDPNEG_FUZZ_TLS_PEER_H
#define RDPNEG_FUZZ_TLS_PEER_H

#include <stddef.h>
#include <stdint.h>

typedef struct fuzz_peer fuzz_peer;

typedef struct fuzz_peer_opts {
  int rsa;         /* RSA-1024 leaf instead of EC P-256 */
  int chain;       /* send the CA certificate after the leaf */
  int min_version; /* minor: 1 = TLS 1.0 .. 3 = TLS 1.2 */
  int max_version;
  int client_cert; /* 0 none, 1 ask for one, 2 require one */
  int suite;       /* 0 mbedTLS default, else one suite from a table */
  /* when set: a leaf made for this peer, its only dNSName these bytes
   * (anything, NUL and escapes included; at most 250) */
  const uint8_t *san_name;
  size_t san_len;
} fuzz_peer_opts;

int fuzz_peer_new(fuzz_peer **pp, const fuzz_peer_opts *o);
void fuzz_peer_free(fuzz_peer *p);

/* Bytes from the client. */
void fuzz_peer_input(fuzz_peer *p, const uint8_t *data, size_t len);
/* Runs the handshake on: 1 done, 0 wants more input, < 0 failed (an alert
 * may be in the output). */
int fuzz_peer_handshake(fuzz_peer *p);
/* Application data: read (count, 0 none yet, < 0 closed/failed), write
 * (0 or < 0). */
int fuzz_peer_read(fuzz_peer *p, uint8_t *buf, size_t cap);
int fuzz_peer_write(fuzz_peer *p, const uint8_t *data, size_t len);
void fuzz_peer_close_notify(fuzz_peer *p);
/* Asks the client to renegotiate (HelloRequest). */
void fuzz_peer_hello_request(fuzz_peer *p);

/* Takes the bytes for the client: *|data| stays valid until the next call
 * on |p|. */
void fuzz_peer_output(fuzz_peer *p, const uint8_t **data, size_t *len);
void fuzz_peer_output_clear(fuzz_peer *p);

/* The leaf's public key as mbedtls_pk_write_pubkey writes it (what the
 * CredSSP public-key binding covers). */
void fuzz_peer_pubkey(const fuzz_peer *p, const uint8_t **key, size_t *len);

/* The CA certificate (DER), for rdpneg_config_add_ca. */
void fuzz_peer_ca(const uint8_t **der, size_t *len);

#endif
