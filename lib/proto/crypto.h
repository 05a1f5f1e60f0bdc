/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto shim (internal): the hashes, HMAC, RC4 and randomness that NTLM,
 * SPNEGO and CredSSP need, behind an API with no mbedTLS type in it.
 *
 * Outside tls.c and cert.c (the TLS and certificate code) and der.c (ASN.1),
 * this pair is the only user of mbedTLS in lib/proto and
 * lib/core/session_nla.c, so a move to another mbedTLS release touches
 * crypto.c, not its callers. What such a port must do here, for mbedTLS 3.x:
 *   - MD4 is gone from 3.x: provide rdpneg_crypto_md4() locally
 *     (RFC 1320; the unit test checks the RFC's vectors);
 *   - ARC4 is gone from 3.x: RC4 is already implemented in crypto.c (its
 *     state is a plain struct kept in rdpneg_ntlm_sec, no heap);
 *   - mbedtls_md5_ret(), mbedtls_sha256_ret() and the *_starts_ret /
 *     _update_ret / _finish_ret family are gone: 3.x names them without
 *     "_ret" (same int return).
 *
 * All functions are pure over caller buffers, allocate nothing and return
 * 0 or RDPNEG_ERR_CRYPTO. Temporary copies of keys are zeroised. */
#ifndef RDPNEG_CRYPTO_H
#define RDPNEG_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_MD4_LEN 16
#define RDPNEG_MD5_LEN 16
#define RDPNEG_SHA256_LEN 32

/* One piece of a message hashed as the concatenation of several pieces
 * (avoids copying them into one buffer). |p| may be NULL when |n| is 0. */
typedef struct rdpneg_crypto_span {
  const uint8_t *p;
  size_t n;
} rdpneg_crypto_span;

/* Digests of parts[0] || ... || parts[np-1]. */
int rdpneg_crypto_md4(uint8_t out[RDPNEG_MD4_LEN],
                      const rdpneg_crypto_span *parts, size_t np);
int rdpneg_crypto_md5(uint8_t out[RDPNEG_MD5_LEN],
                      const rdpneg_crypto_span *parts, size_t np);
int rdpneg_crypto_sha256(uint8_t out[RDPNEG_SHA256_LEN],
                         const rdpneg_crypto_span *parts, size_t np);
/* HMAC-MD5 (RFC 2104) of the parts under |key| (any length). */
int rdpneg_crypto_hmac_md5(uint8_t out[RDPNEG_MD5_LEN], const uint8_t *key,
                           size_t keylen, const rdpneg_crypto_span *parts,
                           size_t np);

/* RC4 key stream state. Plain data: copy it to save a position. */
typedef struct rdpneg_crypto_rc4 {
  uint8_t s[256];
  uint8_t i, j;
} rdpneg_crypto_rc4;

/* Schedules |key| (1..256 bytes; RDPNEG_ERR_CRYPTO otherwise). */
int rdpneg_crypto_rc4_init(rdpneg_crypto_rc4 *r, const uint8_t *key,
                           size_t keylen);
/* XORs |len| key-stream bytes into |in| -> |out| (|out| may equal |in|). */
void rdpneg_crypto_rc4_crypt(rdpneg_crypto_rc4 *r, const uint8_t *in,
                             size_t len, uint8_t *out);
/* Zeroises the state. */
void rdpneg_crypto_rc4_free(rdpneg_crypto_rc4 *r);

/* A source of random bytes, same shape as mbedTLS' f_rng (the TLS layer's
 * DRBG, rdpneg_tls_random, is one): fills |buf|, returns 0 on success. */
typedef int (*rdpneg_crypto_rng_cb)(void *ctx, unsigned char *buf, size_t len);
/* Fills |buf| from |rng|; RDPNEG_ERR_CRYPTO when |rng| is NULL or fails. */
int rdpneg_crypto_random(rdpneg_crypto_rng_cb rng, void *ctx, uint8_t *buf,
                         size_t len);

/* Zeroises |len| bytes in a way the compiler does not drop. NULL is a
 * no-op. */
void rdpneg_crypto_wipe(void *p, size_t len);
/* 1 when the |n| bytes at |a| and |b| are equal, in time independent of
 * their contents. */
int rdpneg_crypto_equal(const void *a, const void *b, size_t n);

#endif
