/* SPDX-License-Identifier: Apache-2.0 */
/* See selfsigned.h. */
#include "selfsigned.h"

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>

static int fixed_entropy(void *ctx, unsigned char *buf, size_t len) {
  unsigned *ctr = ctx;
  for (size_t i = 0; i < len; i++)
    buf[i] = (unsigned char)(++*ctr * 131u + 7u);
  return 0;
}

static int make_key(selfsigned *s, mbedtls_pk_type_t type) {
  if (mbedtls_pk_setup(&s->key, mbedtls_pk_info_from_type(type)))
    return -1;
  if (type == MBEDTLS_PK_RSA)
    return mbedtls_rsa_gen_key(mbedtls_pk_rsa(s->key), mbedtls_ctr_drbg_random,
                               &s->drbg, 1024, 65537);
  return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(s->key),
                             mbedtls_ctr_drbg_random, &s->drbg);
}

static int make_cert(selfsigned *s, const char *name, int serial) {
  unsigned char der[2048];
  mbedtls_x509write_cert w;
  mbedtls_mpi sn;
  int rc = -1;
  mbedtls_x509write_crt_init(&w);
  mbedtls_mpi_init(&sn);
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, &s->key);
  mbedtls_x509write_crt_set_issuer_key(&w, &s->key);
  if (mbedtls_mpi_lset(&sn, serial) ||
      mbedtls_x509write_crt_set_serial(&w, &sn) ||
      mbedtls_x509write_crt_set_subject_name(&w, name) ||
      mbedtls_x509write_crt_set_issuer_name(&w, name) ||
      mbedtls_x509write_crt_set_validity(&w, "20200101000000",
                                         "20400101000000"))
    goto out;
  int n = mbedtls_x509write_crt_der(&w, der, sizeof der,
                                    mbedtls_ctr_drbg_random, &s->drbg);
  if (n > 0 &&
      !mbedtls_x509_crt_parse_der(&s->crt, der + sizeof der - n, (size_t)n))
    rc = 0;
out:
  mbedtls_x509write_crt_free(&w);
  mbedtls_mpi_free(&sn);
  return rc;
}

int selfsigned_init(selfsigned *s, mbedtls_pk_type_t type, const char *name,
                    int serial) {
  s->ctr = 0;
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_pk_init(&s->key);
  mbedtls_x509_crt_init(&s->crt);
  if (mbedtls_ctr_drbg_seed(&s->drbg, fixed_entropy, &s->ctr, NULL, 0) ||
      make_key(s, type) || make_cert(s, name, serial))
    return -1;
  return 0;
}

int selfsigned_reseed(selfsigned *s) {
  s->ctr = 0;
  mbedtls_ctr_drbg_free(&s->drbg);
  mbedtls_ctr_drbg_init(&s->drbg);
  return mbedtls_ctr_drbg_seed(&s->drbg, fixed_entropy, &s->ctr, NULL, 0);
}

void selfsigned_free(selfsigned *s) {
  mbedtls_x509_crt_free(&s->crt);
  mbedtls_pk_free(&s->key);
  mbedtls_ctr_drbg_free(&s->drbg);
}
