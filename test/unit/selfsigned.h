/* SPDX-License-Identifier: Apache-2.0 */
/* The key and certificate of the test servers (test/unit/oom_peer.c, the
 * in-memory server of the OOM, credentials and soak programs;
 * test/bench/responder.c, the benchmark's responder): a DRBG over fixed
 * "entropy" (a test server's randomness need not be secret, and a fixed
 * one makes the same key and certificate on every run), a key made with it
 * and a self-signed certificate for the key. */
#ifndef RDPNEG_TEST_SELFSIGNED_H
#define RDPNEG_TEST_SELFSIGNED_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

typedef struct selfsigned {
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context key;
  mbedtls_x509_crt crt; /* X.509 v3, SHA-256, valid 2020 to 2040 */
  unsigned ctr;         /* the fixed entropy's counter */
} selfsigned;

/* Makes the key, MBEDTLS_PK_RSA (1024 bits, e = 65537) or MBEDTLS_PK_ECKEY
 * (P-256), and its certificate with subject and issuer |name| ("CN=...")
 * and serial number |serial|. 0 or -1; free with selfsigned_free either
 * way. */
int selfsigned_init(selfsigned *s, mbedtls_pk_type_t type, const char *name,
                    int serial);

/* Seeds the DRBG again as at the start: the randomness that follows is the
 * same every time. 0 or an mbedTLS error. */
int selfsigned_reseed(selfsigned *s);

void selfsigned_free(selfsigned *s);

#endif
