/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto shim over mbedTLS 2.28. See crypto.h for what a port to 3.x
 * changes here. */
#include "proto/crypto.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/md4.h>
#include <mbedtls/md5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include <string.h>

void rdpneg_crypto_wipe(void *p, size_t len) {
  if (p && len)
    mbedtls_platform_zeroize(p, len);
}

int rdpneg_crypto_equal(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++)
    d |= (uint8_t)(x[i] ^ y[i]);
  return d == 0;
}

/* ---- hashes (contexts on the stack: no allocation) -------------------- */

int rdpneg_crypto_md4(uint8_t out[RDPNEG_MD4_LEN],
                      const rdpneg_crypto_span *parts, size_t np) {
  mbedtls_md4_context c;
  mbedtls_md4_init(&c);
  int rc = mbedtls_md4_starts_ret(&c);
  for (size_t i = 0; !rc && i < np; i++)
    if (parts[i].n)
      rc = mbedtls_md4_update_ret(&c, parts[i].p, parts[i].n);
  if (!rc)
    rc = mbedtls_md4_finish_ret(&c, out);
  mbedtls_md4_free(&c);
  return rc ? RDPNEG_ERR_CRYPTO : 0;
}

int rdpneg_crypto_md5(uint8_t out[RDPNEG_MD5_LEN],
                      const rdpneg_crypto_span *parts, size_t np) {
  mbedtls_md5_context c;
  mbedtls_md5_init(&c);
  int rc = mbedtls_md5_starts_ret(&c);
  for (size_t i = 0; !rc && i < np; i++)
    if (parts[i].n)
      rc = mbedtls_md5_update_ret(&c, parts[i].p, parts[i].n);
  if (!rc)
    rc = mbedtls_md5_finish_ret(&c, out);
  mbedtls_md5_free(&c);
  return rc ? RDPNEG_ERR_CRYPTO : 0;
}

int rdpneg_crypto_sha256(uint8_t out[RDPNEG_SHA256_LEN],
                         const rdpneg_crypto_span *parts, size_t np) {
  mbedtls_sha256_context c;
  mbedtls_sha256_init(&c);
  int rc = mbedtls_sha256_starts_ret(&c, 0);
  for (size_t i = 0; !rc && i < np; i++)
    if (parts[i].n)
      rc = mbedtls_sha256_update_ret(&c, parts[i].p, parts[i].n);
  if (!rc)
    rc = mbedtls_sha256_finish_ret(&c, out);
  mbedtls_sha256_free(&c);
  return rc ? RDPNEG_ERR_CRYPTO : 0;
}

/* HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)), block size 64. */
int rdpneg_crypto_hmac_md5(uint8_t out[RDPNEG_MD5_LEN], const uint8_t *key,
                           size_t keylen, const rdpneg_crypto_span *parts,
                           size_t np) {
  enum { BLOCK = 64 };
  uint8_t k0[BLOCK] = {0}, pad[BLOCK], inner[RDPNEG_MD5_LEN];
  int rc = 0;
  if (keylen > BLOCK) {
    rdpneg_crypto_span kp = {key, keylen};
    rc = rdpneg_crypto_md5(k0, &kp, 1);
  } else if (keylen) {
    memcpy(k0, key, keylen);
  }
  mbedtls_md5_context c;
  mbedtls_md5_init(&c);
  for (int i = 0; i < BLOCK; i++)
    pad[i] = (uint8_t)(k0[i] ^ 0x36);
  if (!rc)
    rc = mbedtls_md5_starts_ret(&c);
  if (!rc)
    rc = mbedtls_md5_update_ret(&c, pad, BLOCK);
  for (size_t i = 0; !rc && i < np; i++)
    if (parts[i].n)
      rc = mbedtls_md5_update_ret(&c, parts[i].p, parts[i].n);
  if (!rc)
    rc = mbedtls_md5_finish_ret(&c, inner);
  for (int i = 0; i < BLOCK; i++)
    pad[i] = (uint8_t)(k0[i] ^ 0x5c);
  if (!rc)
    rc = mbedtls_md5_starts_ret(&c);
  if (!rc)
    rc = mbedtls_md5_update_ret(&c, pad, BLOCK);
  if (!rc)
    rc = mbedtls_md5_update_ret(&c, inner, sizeof inner);
  if (!rc)
    rc = mbedtls_md5_finish_ret(&c, out);
  mbedtls_md5_free(&c); /* zeroises the context */
  rdpneg_crypto_wipe(k0, sizeof k0);
  rdpneg_crypto_wipe(pad, sizeof pad);
  rdpneg_crypto_wipe(inner, sizeof inner);
  return rc ? RDPNEG_ERR_CRYPTO : 0;
}

/* ---- RC4 (local: mbedTLS 3.x has none) --------------------------------- */

int rdpneg_crypto_rc4_init(rdpneg_crypto_rc4 *r, const uint8_t *key,
                           size_t keylen) {
  if (!key || keylen == 0 || keylen > 256)
    return RDPNEG_ERR_CRYPTO;
  for (int i = 0; i < 256; i++)
    r->s[i] = (uint8_t)i;
  uint8_t j = 0;
  for (int i = 0; i < 256; i++) {
    j = (uint8_t)(j + r->s[i] + key[(size_t)i % keylen]);
    uint8_t t = r->s[i];
    r->s[i] = r->s[j];
    r->s[j] = t;
  }
  r->i = r->j = 0;
  return 0;
}

void rdpneg_crypto_rc4_crypt(rdpneg_crypto_rc4 *r, const uint8_t *in,
                             size_t len, uint8_t *out) {
  uint8_t i = r->i, j = r->j;
  for (size_t k = 0; k < len; k++) {
    i = (uint8_t)(i + 1);
    uint8_t si = r->s[i];
    j = (uint8_t)(j + si);
    uint8_t sj = r->s[j];
    r->s[i] = sj;
    r->s[j] = si;
    out[k] = (uint8_t)(in[k] ^ r->s[(uint8_t)(si + sj)]);
  }
  r->i = i;
  r->j = j;
}

void rdpneg_crypto_rc4_free(rdpneg_crypto_rc4 *r) {
  rdpneg_crypto_wipe(r, sizeof *r);
}

/* ---- randomness ---------------------------------------------------------- */

int rdpneg_crypto_random(rdpneg_crypto_rng_cb rng, void *ctx, uint8_t *buf,
                         size_t len) {
  if (!rng)
    return RDPNEG_ERR_CRYPTO;
  return rng(ctx, buf, len) ? RDPNEG_ERR_CRYPTO : 0;
}
