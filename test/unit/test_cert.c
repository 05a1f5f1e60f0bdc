/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate evidence from hostile certificates (issue 12): every
 * server-supplied text is terminal-safe, a dNSName with an embedded NUL
 * never matches, long dNSNames are compared on their whole length. The
 * certificates are built at run time with mbedTLS' x509write (self-signed
 * P-256, deterministic key), so no file is needed. */
#include "tap.h"

#include "proto/cert.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <stdlib.h>
#include <string.h>

#define NOW 1767225600 /* 2026-01-01 */

static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context key;
static int key_ok;

/* Fixed "entropy": the test key and signatures are the same every run. */
static int fixed_entropy(void *ctx, unsigned char *out, size_t len) {
  (void)ctx;
  for (size_t i = 0; i < len; i++)
    out[i] = (unsigned char)(i * 13 + 7);
  return 0;
}

static void init_key(void) {
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_pk_init(&key);
  key_ok = mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL,
                                 (const unsigned char *)"test_cert", 9) == 0 &&
           mbedtls_pk_setup(&key,
                            mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0 &&
           mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
                               mbedtls_ctr_drbg_random, &drbg) == 0;
}

/* One SubjectAltName entry: [2] dNSName or [7] iPAddress, raw bytes. */
typedef struct gn {
  int tag;
  const char *v;
  size_t len;
} gn;

#define DNS(s)                                                                 \
  { 2, s, sizeof s - 1 }

/* Builds and parses a self-signed certificate. |cn| (|cn_len| bytes, may
 * hold a NUL) is the subject CN; |issuer| an mbedTLS name string. Returns
 * 0 on success. */
static int make_cert(mbedtls_x509_crt *crt, const char *cn, size_t cn_len,
                     const char *issuer, const gn *san, int nsan) {
  static unsigned char der[4096];
  unsigned char ext[2048], *p = ext + sizeof ext;
  mbedtls_x509write_cert w;
  mbedtls_mpi serial;
  mbedtls_x509write_crt_init(&w);
  mbedtls_mpi_init(&serial);
  mbedtls_x509_crt_init(crt);
  int rc = key_ok ? 0 : -1;
  size_t n = 0; /* GeneralNames, written backwards */
  for (int i = nsan - 1; !rc && i >= 0; i--) {
    int r1 = mbedtls_asn1_write_raw_buffer(
        &p, ext, (const unsigned char *)san[i].v, san[i].len);
    int r2 = r1 < 0 ? r1 : mbedtls_asn1_write_len(&p, ext, san[i].len);
    int r3 =
        r2 < 0
            ? r2
            : mbedtls_asn1_write_tag(
                  &p, ext,
                  (unsigned char)(MBEDTLS_ASN1_CONTEXT_SPECIFIC | san[i].tag));
    if (r3 < 0)
      rc = r3;
    else
      n += (size_t)(r1 + r2 + r3);
  }
  if (!rc && nsan) {
    int r1 = mbedtls_asn1_write_len(&p, ext, n);
    int r2 =
        r1 < 0 ? r1
               : mbedtls_asn1_write_tag(
                     &p, ext, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (r2 < 0)
      rc = r2;
    else
      n += (size_t)(r1 + r2);
  }
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, &key);
  mbedtls_x509write_crt_set_issuer_key(&w, &key);
  if (!rc) { /* set directly: a name string cannot carry a NUL */
    mbedtls_asn1_named_data *d = mbedtls_asn1_store_named_data(
        &w.subject, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN),
        (const unsigned char *)cn, cn_len);
    if (d)
      d->val.tag = MBEDTLS_ASN1_UTF8_STRING;
    else
      rc = -1;
  }
  if (!rc)
    rc = mbedtls_x509write_crt_set_issuer_name(&w, issuer);
  if (!rc)
    rc = mbedtls_mpi_lset(&serial, 4242);
  if (!rc)
    rc = mbedtls_x509write_crt_set_serial(&w, &serial);
  if (!rc)
    rc = mbedtls_x509write_crt_set_validity(&w, "20200101000000",
                                            "20400101000000");
  if (!rc && nsan)
    rc = mbedtls_x509write_crt_set_extension(
        &w, MBEDTLS_OID_SUBJECT_ALT_NAME,
        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p, n);
  int len = rc ? -1
               : mbedtls_x509write_crt_der(&w, der, sizeof der,
                                           mbedtls_ctr_drbg_random, &drbg);
  if (len > 0)
    rc = mbedtls_x509_crt_parse_der(crt, der + sizeof der - len, (size_t)len);
  else
    rc = -1;
  mbedtls_x509write_crt_free(&w);
  mbedtls_mpi_free(&serial);
  return rc;
}

/* No C0, DEL or UTF-8 C1 control, no ill-formed UTF-8 lead left. */
static int terminal_safe(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; u[i]; i++) {
    if (u[i] < 0x20 || u[i] == 0x7F)
      return 0;
    if (u[i] == 0xC2 && u[i + 1] >= 0x80 && u[i + 1] < 0xA0)
      return 0;
    if (u[i] >= 0x80 && u[i] < 0xC0 && (i == 0 || u[i - 1] < 0x80))
      return 0; /* stray continuation byte */
  }
  return 1;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

TAP_TEST(safe_text_rules) {
  char o[64];
  CHECK_EQ_INT(
      rdpneg_cert_safe_text(o, sizeof o, (const uint8_t *)"a\x1b[2Jb", 6), 0);
  CHECK_EQ_STR(o, "a\\x1b[2Jb");
  CHECK_EQ_INT(
      rdpneg_cert_safe_text(o, sizeof o, (const uint8_t *)"x\0y\x7f", 4), 0);
  CHECK_EQ_STR(o, "x\\x00y\\x7f");
  /* C1 CSI as UTF-8, then a lone C1 byte, then valid é and U+1F600 */
  rdpneg_cert_safe_text(o, sizeof o,
                        (const uint8_t *)"\xc2\x9b"
                                         "1m\x9b\xc3\xa9\xf0\x9f\x98\x80",
                        11);
  CHECK_EQ_STR(o, "\\xc2\\x9b1m\\x9b\xc3\xa9\xf0\x9f\x98\x80");
  /* overlong "/" and a UTF-16 surrogate are not UTF-8 */
  rdpneg_cert_safe_text(o, sizeof o, (const uint8_t *)"\xc0\xaf\xed\xa0\x80",
                        5);
  CHECK_EQ_STR(o, "\\xc0\\xaf\\xed\\xa0\\x80");
  rdpneg_cert_safe_text(o, sizeof o, (const uint8_t *)"a\\b", 3);
  CHECK_EQ_STR(o, "a\\b");
  /* exact fit: no mark; one more byte: cut with "..." inside |cap| */
  char s8[8];
  CHECK_EQ_INT(
      rdpneg_cert_safe_text(s8, sizeof s8, (const uint8_t *)"1234567", 7), 0);
  CHECK_EQ_STR(s8, "1234567");
  CHECK_EQ_INT(
      rdpneg_cert_safe_text(s8, sizeof s8, (const uint8_t *)"12345678", 8), 1);
  CHECK_EQ_STR(s8, "1234...");
  /* an escape is never split by the cut */
  CHECK_EQ_INT(
      rdpneg_cert_safe_text(s8, sizeof s8, (const uint8_t *)"ab\x1b\x1b", 4),
      1);
  CHECK_EQ_STR(s8, "ab...");
  /* nor is a multi-byte character */
  CHECK_EQ_INT(rdpneg_cert_safe_text(
                   s8, sizeof s8, (const uint8_t *)"abc\xf0\x9f\x98\x80z", 8),
               1);
  CHECK_EQ_STR(s8, "abc...");
}

TAP_TEST(hostile_sans_are_escaped_and_never_match) {
  static char longname[201];
  memset(longname, 'a', 200);
  memcpy(longname + 200 - 8, ".example", 8);
  const gn san[] = {
      DNS("evil\x1b]0;pwned\x07\x1b[31m.example"),
      DNS("server.example\0.evil.com"),
      DNS("c1\xc2\x9b"
          "31m.example"),
      {2, longname, 200},
      {7, "\x7f\x00\x00\x01", 4},
  };
  mbedtls_x509_crt crt;
  const char cn[] = "bad\x1b[2Jname\xc2\x80";
  CHECK_EQ_INT(
      make_cert(&crt, cn, sizeof cn - 1, "CN=Evil CA\x1b[0m,O=x\x7f", san, 5),
      0);
  rdpneg_cert_ev ev;
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, "server.example", NOW, 30, NULL, &ev),
               0);
  CHECK_EQ_INT(ev.san_count, 5);
  CHECK_EQ_STR(ev.san[0], "evil\\x1b]0;pwned\\x07\\x1b[31m.example");
  CHECK_EQ_STR(ev.san[1], "server.example\\x00.evil.com");
  CHECK_EQ_STR(ev.san[2], "c1\\xc2\\x9b31m.example");
  CHECK(strlen(ev.san[3]) < sizeof ev.san[3]);
  CHECK(ends_with(ev.san[3], "..."));
  CHECK(strncmp(ev.san[3], longname, strlen(ev.san[3]) - 3) == 0);
  CHECK_EQ_STR(ev.san[4], "127.0.0.1");
  /* the NUL SAN is not "server.example" */
  CHECK_EQ_INT(ev.hostname_match, 0);
  for (int i = 0; i < ev.san_count; i++)
    CHECK(terminal_safe(ev.san[i]));
  CHECK(terminal_safe(ev.subject));
  CHECK(terminal_safe(ev.issuer));
  CHECK(strstr(ev.subject, "bad") != NULL);
  CHECK(strstr(ev.issuer, "Evil CA") != NULL);
  CHECK_EQ_INT(ev.chain_len, 1);
  CHECK(terminal_safe(ev.chain[0].subject));
  CHECK(terminal_safe(ev.chain[0].issuer));
  CHECK_EQ_INT(ev.self_signed, 0); /* issuer name differs from subject */

  /* the long dNSName matches on its whole length, not on a prefix */
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, longname, NOW, 30, NULL, &ev), 0);
  CHECK_EQ_INT(ev.hostname_match, 1);
  char prefix[128];
  memcpy(prefix, longname, 127);
  prefix[127] = 0;
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, prefix, NOW, 30, NULL, &ev), 0);
  CHECK_EQ_INT(ev.hostname_match, 0);
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, "127.0.0.1", NOW, 30, NULL, &ev), 0);
  CHECK_EQ_INT(ev.hostname_match, 1);
  mbedtls_x509_crt_free(&crt);

  /* a SAN that is a 127-byte name plus more never matches that name */
  char over[160];
  memcpy(over, prefix, 127);
  memcpy(over + 127, ".evil.example", 13);
  const gn san2[] = {{2, over, 140}};
  CHECK_EQ_INT(make_cert(&crt, "x", 1, "CN=x", san2, 1), 0);
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, prefix, NOW, 30, NULL, &ev), 0);
  CHECK_EQ_INT(ev.hostname_match, 0);
  CHECK(ends_with(ev.san[0], "..."));
  mbedtls_x509_crt_free(&crt);
}

TAP_TEST(nul_in_wildcard_or_cn_never_matches) {
  mbedtls_x509_crt crt;
  const gn wild[] = {DNS("*.example\0.evil.com")};
  rdpneg_cert_ev ev;
  CHECK_EQ_INT(make_cert(&crt, "x", 1, "CN=x", wild, 1), 0);
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, "a.example", NOW, 30, NULL, &ev), 0);
  CHECK_EQ_INT(ev.hostname_match, 0);
  CHECK_EQ_STR(ev.san[0], "*.example\\x00.evil.com");
  mbedtls_x509_crt_free(&crt);

  /* no dNSName: the subject CN is used, on its whole length */
  const char cn[] = "server.example\0.evil.com";
  CHECK_EQ_INT(make_cert(&crt, cn, sizeof cn - 1, "CN=x", NULL, 0), 0);
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, "server.example", NOW, 30, NULL, &ev),
               0);
  CHECK_EQ_INT(ev.hostname_match, 0);
  CHECK(terminal_safe(ev.subject));
  mbedtls_x509_crt_free(&crt);

  CHECK_EQ_INT(make_cert(&crt, "server.example", 14, "CN=x", NULL, 0), 0);
  CHECK_EQ_INT(rdpneg_cert_analyse(&crt, "server.example", NOW, 30, NULL, &ev),
               0);
  CHECK_EQ_INT(ev.hostname_match, 1);
  mbedtls_x509_crt_free(&crt);
}

TAP_TEST(plain_names_still_match) {
  mbedtls_x509_crt crt;
  const gn san[] = {DNS("server.example"),
                    DNS("*.wild.example"),
                    {7,
                     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                     "\x00\x00\x00\x01",
                     16}};
  rdpneg_cert_ev ev;
  CHECK_EQ_INT(
      make_cert(&crt, "server.example", 14, "CN=server.example", san, 3), 0);
  static const struct {
    const char *name;
    int match;
  } cases[] = {{"server.example", 1},   {"SERVER.Example.", 1},
               {"a.wild.example", 1},   {"wild.example", 0},
               {"a.b.wild.example", 0}, {"::1", 1},
               {"other.example", 0},    {"server.exampl", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK_EQ_INT(rdpneg_cert_analyse(&crt, cases[i].name, NOW, 30, NULL, &ev),
                 0);
    CHECK_EQ_INT(ev.hostname_match, cases[i].match);
  }
  CHECK_EQ_STR(ev.san[0], "server.example");
  CHECK_EQ_STR(ev.san[2], "::1");
  CHECK_EQ_STR(ev.subject, "CN=server.example");
  CHECK_EQ_INT(ev.self_signed, 1);
  CHECK_EQ_STR(ev.not_before_iso, "2020-01-01T00:00:00Z");
  CHECK_EQ_STR(ev.not_after_iso, "2040-01-01T00:00:00Z");

  /* the SubjectPublicKey CredSSP binds: the uncompressed P-256 point */
  uint8_t pk[200];
  CHECK_EQ_INT(rdpneg_cert_pubkey(&crt, pk, sizeof pk), 65);
  CHECK_EQ_INT(pk[0], 0x04);
  CHECK_EQ_INT(rdpneg_cert_pubkey(&crt, pk, 64), RDPNEG_ERR_INVALID_ARGUMENT);
  mbedtls_x509_crt_free(&crt);
}

int main(void) {
  init_key();
  TAP_RUN(safe_text_rules);
  TAP_RUN(hostile_sans_are_escaped_and_never_match);
  TAP_RUN(nul_in_wildcard_or_cn_never_matches);
  TAP_RUN(plain_names_still_match);
  mbedtls_pk_free(&key);
  mbedtls_ctr_drbg_free(&drbg);
  return tap_done();
}
