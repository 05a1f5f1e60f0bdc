/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate analysis (rdpneg_cert_analyse) of arbitrary DER: one or more
 * concatenated certificates as the server's chain, an expected name from
 * the input, a clock and optionally the chain's own tail as trust anchors.
 *
 * Input: byte 0 options (clock, anchors), byte 1 name length N, N bytes of
 * name, then the DER certificates. */
#include "fuzz.h"

#include "proto/cert.h"

#include <rdpneg/rdpneg.h>

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

static const int64_t clocks[4] = {0, 1700000000, 1950000000, 1500000000};

/* Parses the certificates in |p| one after the other into |chain|
 * (starting at index |from|). */
static int parse_all(mbedtls_x509_crt *chain, const uint8_t *p, size_t n,
                     int from) {
  int count = 0, idx = 0;
  while (n > 0 && idx < 12) {
    unsigned char *c = (unsigned char *)p;
    size_t l;
    if (mbedtls_asn1_get_tag(&c, p + n, &l,
                             MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
      break;
    size_t tl = (size_t)(c - p) + l;
    if (idx++ >= from && mbedtls_x509_crt_parse_der(chain, p, tl) == 0)
      count++;
    p += tl;
    n -= tl;
  }
  return count;
}

/* What the name check must say: a dNSName SAN (whole, without NUL) or an
 * iPAddress SAN equal to the name, else the CN when there is no dNSName. */
static int expected_match(const mbedtls_x509_crt *c, const char *name) {
  uint8_t ip[16];
  int ipl = rdpneg_ip_parse(name, ip), have_dns = 0, match = 0;
  for (const mbedtls_x509_sequence *s = &c->subject_alt_names; s && s->buf.p;
       s = s->next) {
    int tag = s->buf.tag & 0x1f;
    if (tag == 7 && ipl && (size_t)ipl == s->buf.len &&
        memcmp(ip, s->buf.p, s->buf.len) == 0)
      match = 1;
    if (tag != 2)
      continue;
    have_dns = 1;
    if (ipl || memchr(s->buf.p, 0, s->buf.len))
      continue;
    char *t = malloc(s->buf.len + 1);
    FUZZ_ASSERT(t != NULL);
    memcpy(t, s->buf.p, s->buf.len);
    t[s->buf.len] = 0;
    match |= rdpneg_cert_dns_match(t, name);
    free(t);
  }
  if (have_dns || ipl)
    return match;
  for (const mbedtls_x509_name *n = &c->subject; n; n = n->next) {
    if (!n->oid.p || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0 ||
        memchr(n->val.p, 0, n->val.len))
      continue;
    char *t = malloc(n->val.len + 1);
    FUZZ_ASSERT(t != NULL);
    memcpy(t, n->val.p, n->val.len);
    t[n->val.len] = 0;
    match |= rdpneg_cert_dns_match(t, name);
    free(t);
  }
  return match;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  uint8_t opt = fuzz_u8(&in);
  size_t nl;
  const uint8_t *np = fuzz_bytes(&in, fuzz_u8(&in) & 63, &nl);
  char name[64];
  memcpy(name, np, nl);
  name[nl] = 0;

  mbedtls_x509_crt chain, ca;
  mbedtls_x509_crt_init(&chain);
  mbedtls_x509_crt_init(&ca);
  if (parse_all(&chain, in.p, in.n, 0) > 0) {
    int anchors = (opt & 4) && parse_all(&ca, in.p, in.n, 1) > 0;
    rdpneg_cert_ev ev;
    int rc =
        rdpneg_cert_analyse(&chain, (opt & 8) ? NULL : name, clocks[opt & 3],
                            (opt >> 4) * 10, anchors ? &ca : NULL, &ev);
    FUZZ_ASSERT(rc == 0 || rc == RDPNEG_ERR_NOMEM || rc == RDPNEG_ERR_CRYPTO);
    if (rc == 0) {
      FUZZ_ASSERT(ev.san_count >= 0 && ev.san_count <= RDPNEG_CERT_MAX_SAN);
      FUZZ_ASSERT(ev.chain_len >= 1 && ev.chain_len <= RDPNEG_CERT_MAX_CHAIN);
      FUZZ_ASSERT(strnlen(ev.subject, sizeof ev.subject) < sizeof ev.subject);
      FUZZ_ASSERT(strlen(ev.sha256) == 64);
      FUZZ_ASSERT(anchors ? (ev.trusted == 0 || ev.trusted == 1)
                          : ev.trusted == -1);
      FUZZ_ASSERT(
          !(ev.expired && ev.not_yet_valid && ev.not_before <= ev.not_after));
      if (!(opt & 8))
        FUZZ_ASSERT(ev.hostname_match == expected_match(&chain, name));
    }
  }
  mbedtls_x509_crt_free(&chain);
  mbedtls_x509_crt_free(&ca);

  /* the helpers on the name itself */
  uint8_t ip[16];
  int ipl = rdpneg_ip_parse(name, ip);
  FUZZ_ASSERT(ipl == 0 || ipl == 4 || ipl == 16);
  if (*name && !strchr(name, '*') && name[strlen(name) - 1] != '.')
    FUZZ_ASSERT(rdpneg_cert_dns_match(name, name) == 1);
  return 0;
}
