/* SPDX-License-Identifier: Apache-2.0 */
#include "tls_peer.h"
#include "harness.h"

#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

struct fuzz_peer {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  uint32_t rng;
  int suites[2];
  int rsa;
  int own; /* |leaf| holds a certificate made for this peer */
  mbedtls_x509_crt leaf;
  uint8_t *in, *out;
  size_t in_len, in_off, out_len, out_cap;
};

/* Made once per process. */
static struct {
  int ready;
  uint32_t rng;
  mbedtls_pk_context ca_key, leaf_key[2]; /* [0] EC P-256, [1] RSA 1024 */
  mbedtls_x509_crt ca;
  mbedtls_x509_crt leaf[2], chain[2]; /* leaf alone, leaf + CA */
  uint8_t ca_der[1024];
  size_t ca_der_len;
  uint8_t pub[2][400];
  size_t pub_len[2];
} g;

static const int suite_table[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_256_GCM_SHA384,
};

/* subjectAltName: dNSName server.example */
static const uint8_t default_san[] = {0x30, 0x10, 0x82, 0x0e, 's', 'e',
                                      'r',  'v',  'e',  'r',  '.', 'e',
                                      'x',  'a',  'm',  'p',  'l', 'e'};

/* Writes a v3 certificate for |key| signed by |issuer_key| into |der|;
 * |san| (DER GeneralNames) is left out for a CA. */
static size_t make_cert(mbedtls_pk_context *key, mbedtls_pk_context *issuer_key,
                        const char *subject, const char *issuer, int ca,
                        int serial, const uint8_t *san, size_t san_len,
                        uint8_t *der, size_t cap) {
  mbedtls_x509write_cert w;
  mbedtls_mpi sn;
  uint8_t buf[2048];
  mbedtls_x509write_crt_init(&w);
  mbedtls_mpi_init(&sn);
  mbedtls_mpi_lset(&sn, serial);
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, key);
  mbedtls_x509write_crt_set_issuer_key(&w, issuer_key);
  FUZZ_ASSERT(mbedtls_x509write_crt_set_subject_name(&w, subject) == 0);
  FUZZ_ASSERT(mbedtls_x509write_crt_set_issuer_name(&w, issuer) == 0);
  FUZZ_ASSERT(mbedtls_x509write_crt_set_serial(&w, &sn) == 0);
  FUZZ_ASSERT(mbedtls_x509write_crt_set_validity(&w, "20200101000000",
                                                 "20301231235959") == 0);
  FUZZ_ASSERT(mbedtls_x509write_crt_set_basic_constraints(&w, ca, -1) == 0);
  if (!ca)
    FUZZ_ASSERT(mbedtls_x509write_crt_set_extension(
                    &w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                    MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san,
                    san_len) == 0);
  int n = mbedtls_x509write_crt_der(&w, buf, sizeof buf, fuzz_rng, &g.rng);
  FUZZ_ASSERT(n > 0 && (size_t)n <= cap);
  memcpy(der, buf + sizeof buf - n, (size_t)n);
  mbedtls_x509write_crt_free(&w);
  mbedtls_mpi_free(&sn);
  return (size_t)n;
}

static void global_init(void) {
  if (g.ready)
    return;
  g.rng = 0x12345678u;
  mbedtls_pk_init(&g.ca_key);
  FUZZ_ASSERT(mbedtls_pk_setup(
                  &g.ca_key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0);
  FUZZ_ASSERT(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1,
                                  mbedtls_pk_ec(g.ca_key), fuzz_rng,
                                  &g.rng) == 0);
  mbedtls_pk_init(&g.leaf_key[0]);
  FUZZ_ASSERT(mbedtls_pk_setup(&g.leaf_key[0], mbedtls_pk_info_from_type(
                                                   MBEDTLS_PK_ECKEY)) == 0);
  FUZZ_ASSERT(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1,
                                  mbedtls_pk_ec(g.leaf_key[0]), fuzz_rng,
                                  &g.rng) == 0);
  mbedtls_pk_init(&g.leaf_key[1]);
  FUZZ_ASSERT(mbedtls_pk_setup(&g.leaf_key[1],
                               mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0);
  FUZZ_ASSERT(mbedtls_rsa_gen_key(mbedtls_pk_rsa(g.leaf_key[1]), fuzz_rng,
                                  &g.rng, 1024, 65537) == 0);

  g.ca_der_len = make_cert(&g.ca_key, &g.ca_key, "CN=Fuzz CA,O=librdpneg",
                           "CN=Fuzz CA,O=librdpneg", 1, 1, NULL, 0, g.ca_der,
                           sizeof g.ca_der);
  mbedtls_x509_crt_init(&g.ca);
  FUZZ_ASSERT(mbedtls_x509_crt_parse_der(&g.ca, g.ca_der, g.ca_der_len) == 0);
  for (int k = 0; k < 2; k++) {
    uint8_t der[1024];
    size_t n = make_cert(&g.leaf_key[k], &g.ca_key, "CN=server.example",
                         "CN=Fuzz CA,O=librdpneg", 0, 2 + k, default_san,
                         sizeof default_san, der, sizeof der);
    mbedtls_x509_crt_init(&g.leaf[k]);
    mbedtls_x509_crt_init(&g.chain[k]);
    FUZZ_ASSERT(mbedtls_x509_crt_parse_der(&g.leaf[k], der, n) == 0);
    FUZZ_ASSERT(mbedtls_x509_crt_parse_der(&g.chain[k], der, n) == 0);
    FUZZ_ASSERT(
        mbedtls_x509_crt_parse_der(&g.chain[k], g.ca_der, g.ca_der_len) == 0);
    uint8_t *end = g.pub[k] + sizeof g.pub[k], *c = end;
    int l = mbedtls_pk_write_pubkey(&c, g.pub[k], &g.leaf_key[k]);
    FUZZ_ASSERT(l > 0);
    memmove(g.pub[k], end - l, (size_t)l);
    g.pub_len[k] = (size_t)l;
  }
  g.ready = 1;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  fuzz_peer *p = ctx;
  if (p->out_len + len > p->out_cap) {
    size_t cap = (p->out_len + len) * 2;
    uint8_t *nb = realloc(p->out, cap);
    FUZZ_ASSERT(nb != NULL);
    p->out = nb;
    p->out_cap = cap;
  }
  memcpy(p->out + p->out_len, buf, len);
  p->out_len += len;
  return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  fuzz_peer *p = ctx;
  size_t have = p->in_len - p->in_off;
  if (!have)
    return MBEDTLS_ERR_SSL_WANT_READ;
  if (len > have)
    len = have;
  memcpy(buf, p->in + p->in_off, len);
  p->in_off += len;
  return (int)len;
}

int fuzz_peer_new(fuzz_peer **pp, const fuzz_peer_opts *o) {
  global_init();
  fuzz_peer *p = calloc(1, sizeof *p);
  FUZZ_ASSERT(p != NULL);
  p->rng = 0xC0FFEEu;
  p->rsa = o->rsa ? 1 : 0;
  mbedtls_ssl_init(&p->ssl);
  mbedtls_ssl_config_init(&p->conf);
  FUZZ_ASSERT(mbedtls_ssl_config_defaults(&p->conf, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT) == 0);
  mbedtls_ssl_conf_rng(&p->conf, fuzz_rng, &p->rng);
  mbedtls_x509_crt_init(&p->leaf);
  if (o->san_name) {
    /* a leaf whose dNSName is whatever the input says */
    uint8_t san[300], der[1536];
    size_t nl = o->san_len < 250 ? o->san_len : 250;
    san[0] = 0x30;
    san[1] = 0x81;
    san[2] = (uint8_t)(nl + 3);
    san[3] = 0x82;
    san[4] = 0x81;
    san[5] = (uint8_t)nl;
    memcpy(san + 6, o->san_name, nl);
    size_t n =
        make_cert(&g.leaf_key[p->rsa], &g.ca_key, "CN=hostile",
                  "CN=Fuzz CA,O=librdpneg", 0, 9, san, nl + 6, der, sizeof der);
    FUZZ_ASSERT(mbedtls_x509_crt_parse_der(&p->leaf, der, n) == 0);
    if (o->chain)
      FUZZ_ASSERT(
          mbedtls_x509_crt_parse_der(&p->leaf, g.ca_der, g.ca_der_len) == 0);
    p->own = 1;
  }
  FUZZ_ASSERT(mbedtls_ssl_conf_own_cert(&p->conf,
                                        p->own     ? &p->leaf
                                        : o->chain ? &g.chain[p->rsa]
                                                   : &g.leaf[p->rsa],
                                        &g.leaf_key[p->rsa]) == 0);
  int lo = o->min_version < 1 ? 1 : o->min_version > 3 ? 3 : o->min_version;
  int hi = o->max_version < lo ? lo : o->max_version > 3 ? 3 : o->max_version;
  mbedtls_ssl_conf_min_version(&p->conf, MBEDTLS_SSL_MAJOR_VERSION_3, lo);
  mbedtls_ssl_conf_max_version(&p->conf, MBEDTLS_SSL_MAJOR_VERSION_3, hi);
  mbedtls_ssl_conf_renegotiation(&p->conf, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
  if (o->client_cert) {
    mbedtls_ssl_conf_authmode(&p->conf, o->client_cert == 1
                                            ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                            : MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&p->conf, &g.ca, NULL);
  }
  if (o->suite > 0) {
    size_t n = sizeof suite_table / sizeof suite_table[0];
    p->suites[0] = suite_table[(size_t)(o->suite - 1) % n];
    p->suites[1] = 0;
    mbedtls_ssl_conf_ciphersuites(&p->conf, p->suites);
  }
  FUZZ_ASSERT(mbedtls_ssl_setup(&p->ssl, &p->conf) == 0);
  mbedtls_ssl_set_bio(&p->ssl, p, bio_send, bio_recv, NULL);
  *pp = p;
  return 0;
}

void fuzz_peer_free(fuzz_peer *p) {
  if (!p)
    return;
  mbedtls_ssl_free(&p->ssl);
  mbedtls_ssl_config_free(&p->conf);
  mbedtls_x509_crt_free(&p->leaf);
  free(p->in);
  free(p->out);
  free(p);
}

void fuzz_peer_input(fuzz_peer *p, const uint8_t *data, size_t len) {
  if (!len)
    return;
  /* drop what was read, then append */
  if (p->in_off) {
    memmove(p->in, p->in + p->in_off, p->in_len - p->in_off);
    p->in_len -= p->in_off;
    p->in_off = 0;
  }
  uint8_t *nb = realloc(p->in, p->in_len + len);
  FUZZ_ASSERT(nb != NULL);
  p->in = nb;
  memcpy(p->in + p->in_len, data, len);
  p->in_len += len;
}

int fuzz_peer_handshake(fuzz_peer *p) {
  int rv = mbedtls_ssl_handshake(&p->ssl);
  if (rv == 0)
    return 1;
  if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
    return 0;
  return rv < 0 ? rv : -1;
}

int fuzz_peer_read(fuzz_peer *p, uint8_t *buf, size_t cap) {
  int rv = mbedtls_ssl_read(&p->ssl, buf, cap);
  if (rv > 0)
    return rv;
  if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
    return 0;
  return -1;
}

int fuzz_peer_write(fuzz_peer *p, const uint8_t *data, size_t len) {
  while (len) {
    int rv = mbedtls_ssl_write(&p->ssl, data, len);
    if (rv <= 0)
      return -1;
    data += rv;
    len -= (size_t)rv;
  }
  return 0;
}

void fuzz_peer_close_notify(fuzz_peer *p) {
  mbedtls_ssl_close_notify(&p->ssl);
}

void fuzz_peer_hello_request(fuzz_peer *p) {
  mbedtls_ssl_renegotiate(&p->ssl);
}

void fuzz_peer_output(fuzz_peer *p, const uint8_t **data, size_t *len) {
  *data = p->out;
  *len = p->out_len;
}

void fuzz_peer_output_clear(fuzz_peer *p) {
  p->out_len = 0;
}

void fuzz_peer_pubkey(const fuzz_peer *p, const uint8_t **key, size_t *len) {
  *key = g.pub[p->rsa];
  *len = g.pub_len[p->rsa];
}

void fuzz_peer_ca(const uint8_t **der, size_t *len) {
  global_init();
  *der = g.ca_der;
  *len = g.ca_der_len;
}
