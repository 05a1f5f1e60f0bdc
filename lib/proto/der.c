/* SPDX-License-Identifier: Apache-2.0 */
/* DER helpers over mbedtls/asn1.h and asn1write.h. See der.h. */
#include "proto/der.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>

#include <stdlib.h>
#include <string.h>

/* mbedTLS' readers take a non-const cursor but never write through it. */
#define CUR(p) ((unsigned char **)(p))

long rdpneg_der_frame_len(const uint8_t *buf, size_t len, int tag, size_t max) {
  if (len == 0)
    return 0;
  if (buf[0] != tag)
    return -1;
  unsigned char *p = (unsigned char *)buf;
  size_t l = 0;
  int rc = mbedtls_asn1_get_tag(&p, buf + len, &l, tag);
  if (rc == MBEDTLS_ERR_ASN1_OUT_OF_DATA) {
    /* mbedtls_asn1_get_len() only moves past the length octets once they
     * are all there (and has then stored the length): if |p| is still on
     * them, the header itself is incomplete. */
    if (p == buf + 1)
      return 0;
  } else if (rc != 0) {
    return -1; /* indefinite / more than 4 length octets */
  }
  size_t hdr = (size_t)(p - buf);
  if (l > max || hdr + l > max)
    return -1;
  return hdr + l <= len ? (long)(hdr + l) : 0;
}

int rdpneg_der_get_tag(const uint8_t **p, const uint8_t *end, int tag,
                       size_t *len) {
  return mbedtls_asn1_get_tag(CUR(p), end, len, tag) ? -1 : 0;
}

int rdpneg_der_get_ctx(const uint8_t **p, const uint8_t *end, int n,
                       const uint8_t **fend) {
  size_t l;
  if (mbedtls_asn1_get_tag(CUR(p), end, &l, RDPNEG_DER_CTX(n)))
    return -1;
  *fend = *p + l;
  return 0;
}

int rdpneg_der_get_tagged(const uint8_t **p, const uint8_t *end, int tag,
                          const uint8_t **v, size_t *vlen) {
  size_t l;
  if (mbedtls_asn1_get_tag(CUR(p), end, &l, tag))
    return -1;
  *v = *p;
  *vlen = l;
  *p += l;
  return 0;
}

int rdpneg_der_get_octets(const uint8_t **p, const uint8_t *end,
                          const uint8_t **v, size_t *vlen) {
  return rdpneg_der_get_tagged(p, end, RDPNEG_DER_OCTET_STRING, v, vlen);
}

int rdpneg_der_get_int(const uint8_t **p, const uint8_t *end, int *v) {
  return mbedtls_asn1_get_int(CUR(p), end, v) ? -1 : 0;
}

int rdpneg_der_get_enum(const uint8_t **p, const uint8_t *end, int *v) {
  return mbedtls_asn1_get_enum(CUR(p), end, v) ? -1 : 0;
}

/* ---- writing ------------------------------------------------------------ */

static int wr(int rc) {
  if (rc >= 0)
    return rc;
  return rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? RDPNEG_ERR_INVALID_ARGUMENT
                                              : RDPNEG_ERR_INTERNAL;
}

int rdpneg_der_put_raw(uint8_t **p, uint8_t *start, const uint8_t *v,
                       size_t len) {
  return wr(mbedtls_asn1_write_raw_buffer(p, start, v, len));
}

int rdpneg_der_put_hdr(uint8_t **p, uint8_t *start, int tag, size_t len) {
  size_t n = 0;
  RDPNEG_DER_PUT(n, wr(mbedtls_asn1_write_len(p, start, len)));
  RDPNEG_DER_PUT(n, wr(mbedtls_asn1_write_tag(p, start, (unsigned char)tag)));
  return (int)n;
}

int rdpneg_der_put_octets(uint8_t **p, uint8_t *start, const uint8_t *v,
                          size_t len) {
  return wr(mbedtls_asn1_write_octet_string(p, start, v, len));
}

int rdpneg_der_put_ctx_octets(uint8_t **p, uint8_t *start, int ctx,
                              const uint8_t *v, size_t len) {
  size_t n = 0;
  RDPNEG_DER_PUT(n, rdpneg_der_put_octets(p, start, v, len));
  RDPNEG_DER_PUT(n, rdpneg_der_put_hdr(p, start, RDPNEG_DER_CTX(ctx), n));
  return (int)n;
}

int rdpneg_der_put_int(uint8_t **p, uint8_t *start, int v) {
  return wr(mbedtls_asn1_write_int(p, start, v));
}

int rdpneg_der_put_enum(uint8_t **p, uint8_t *start, int v) {
  return wr(mbedtls_asn1_write_enum(p, start, v));
}

int rdpneg_der_put_oid(uint8_t **p, uint8_t *start, const uint8_t *oid,
                       size_t len) {
  return wr(mbedtls_asn1_write_oid(p, start, (const char *)oid, len));
}

int rdpneg_der_finish(uint8_t *buf, uint8_t *p, int n, uint8_t **out,
                      size_t *outlen) {
  if (n < 0) {
    free(buf);
    return n;
  }
  memmove(buf, p, (size_t)n);
  *out = buf;
  *outlen = (size_t)n;
  return 0;
}
