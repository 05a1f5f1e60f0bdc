/* CredSSP TSRequest DER codec. See credssp.h. */
#include "proto/credssp.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>

#include <stdlib.h>
#include <string.h>

#define SEQ_TAG (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))

long rdpneg_tsrequest_frame_len(const uint8_t *buf, size_t len) {
  if (len == 0)
    return 0;
  if (buf[0] != SEQ_TAG)
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  unsigned char *p = (unsigned char *)buf;
  size_t l = 0;
  int rc = mbedtls_asn1_get_tag(&p, buf + len, &l, SEQ_TAG);
  if (rc == MBEDTLS_ERR_ASN1_OUT_OF_DATA) {
    /* mbedtls_asn1_get_len() only moves past the length octets once they
     * are all there (and has then stored the length): if |p| is still on
     * them, the header itself is incomplete. */
    if (p == buf + 1)
      return 0;
  } else if (rc != 0) {
    return RDPNEG_ERR_TSREQUEST_MALFORMED; /* indefinite / > 4 octets */
  }
  size_t hdr = (size_t)(p - buf);
  if (l > RDPNEG_TSREQUEST_MAX || hdr + l > RDPNEG_TSREQUEST_MAX)
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  return hdr + l <= len ? (long)(hdr + l) : 0;
}

/* OCTET STRING filling [p, end) exactly. */
static int get_octets(unsigned char **p, const unsigned char *end,
                      const uint8_t **v, size_t *vlen) {
  size_t l;
  if (mbedtls_asn1_get_tag(p, end, &l, MBEDTLS_ASN1_OCTET_STRING))
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  *v = *p;
  *vlen = l;
  *p += l;
  return 0;
}

/* INTEGER as a 32-bit NTSTATUS: up to 4 content octets (two's complement)
 * or 5 with a 0x00/0xFF sign octet, low 32 bits kept. */
static int get_ntstatus(unsigned char **p, const unsigned char *end,
                        uint32_t *v) {
  size_t l;
  if (mbedtls_asn1_get_tag(p, end, &l, MBEDTLS_ASN1_INTEGER) || l == 0 || l > 5)
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  const unsigned char *b = *p;
  if (l == 5 && b[0] != 0x00 && b[0] != 0xFF)
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  uint32_t x = (b[0] & 0x80) ? 0xFFFFFFFFu : 0;
  for (size_t i = 0; i < l; i++)
    x = (x << 8) | b[i];
  *v = x;
  *p += l;
  return 0;
}

static int get_nego_tokens(rdpneg_tsrequest *req, unsigned char **p,
                           const unsigned char *end) {
  size_t l;
  if (mbedtls_asn1_get_tag(p, end, &l, SEQ_TAG) || *p + l != end)
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  while (*p < end) {
    size_t il, tl;
    if (mbedtls_asn1_get_tag(p, end, &il, SEQ_TAG))
      return RDPNEG_ERR_TSREQUEST_MALFORMED;
    const unsigned char *iend = *p + il;
    if (mbedtls_asn1_get_tag(p, iend, &tl, CTX(0)) || *p + tl != iend)
      return RDPNEG_ERR_TSREQUEST_MALFORMED;
    const uint8_t *v;
    size_t vl;
    if (get_octets(p, iend, &v, &vl) || *p != iend)
      return RDPNEG_ERR_TSREQUEST_MALFORMED;
    if (req->nego_token_count++ == 0) {
      req->nego_token = v;
      req->nego_token_len = vl;
    }
  }
  return 0;
}

int rdpneg_tsrequest_parse(rdpneg_tsrequest *req, const uint8_t *buf,
                           size_t len) {
  memset(req, 0, sizeof *req);
  if (!buf)
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  unsigned char *p = (unsigned char *)buf;
  const unsigned char *end = buf + len;
  size_t l;
  if (mbedtls_asn1_get_tag(&p, end, &l, SEQ_TAG) || p + l != end)
    return RDPNEG_ERR_TSREQUEST_MALFORMED;
  int last = -1, have_version = 0;
  while (p < end) {
    unsigned char tag = *p;
    if ((tag & 0xE0) != CTX(0) || (tag & 0x1F) == 0x1F)
      return RDPNEG_ERR_TSREQUEST_MALFORMED;
    int n = tag & 0x1F;
    if (n <= last)
      return RDPNEG_ERR_TSREQUEST_MALFORMED;
    last = n;
    size_t fl;
    if (mbedtls_asn1_get_tag(&p, end, &fl, tag))
      return RDPNEG_ERR_TSREQUEST_MALFORMED;
    const unsigned char *fend = p + fl;
    int rc = 0, v;
    switch (n) {
    case 0:
      if (mbedtls_asn1_get_int(&p, fend, &v) || v < 0)
        return RDPNEG_ERR_TSREQUEST_MALFORMED;
      req->version = (uint32_t)v;
      have_version = 1;
      break;
    case 1:
      rc = get_nego_tokens(req, &p, fend);
      req->present |= RDPNEG_TSREQ_NEGO_TOKENS;
      break;
    case 2:
      rc = get_octets(&p, fend, &req->auth_info, &req->auth_info_len);
      req->present |= RDPNEG_TSREQ_AUTH_INFO;
      break;
    case 3:
      rc = get_octets(&p, fend, &req->pub_key_auth, &req->pub_key_auth_len);
      req->present |= RDPNEG_TSREQ_PUB_KEY_AUTH;
      break;
    case 4:
      rc = get_ntstatus(&p, fend, &req->error_code);
      req->present |= RDPNEG_TSREQ_ERROR_CODE;
      break;
    case 5:
      rc = get_octets(&p, fend, &req->client_nonce, &req->client_nonce_len);
      req->present |= RDPNEG_TSREQ_CLIENT_NONCE;
      break;
    default: /* a field from a future version: skip it */
      p = (unsigned char *)fend;
      break;
    }
    if (rc || p != fend)
      return RDPNEG_ERR_TSREQUEST_MALFORMED;
  }
  return have_version ? 0 : RDPNEG_ERR_TSREQUEST_MALFORMED;
}

/* ---- writer (mbedtls_asn1_write_* write backwards from the end) ---- */

#define W(expr)                                                                \
  do {                                                                         \
    int w_ = (expr);                                                           \
    if (w_ < 0)                                                                \
      return w_;                                                               \
    n += (size_t)w_;                                                           \
  } while (0)

/* [tag] { OCTET STRING v } */
static int put_octets(unsigned char **p, unsigned char *start, int tag,
                      const uint8_t *v, size_t vl) {
  size_t n = 0;
  W(mbedtls_asn1_write_octet_string(p, start, v, vl));
  W(mbedtls_asn1_write_len(p, start, n));
  W(mbedtls_asn1_write_tag(p, start, (unsigned char)CTX(tag)));
  return (int)n;
}

static int put_ntstatus(unsigned char **p, unsigned char *start, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                  (uint8_t)v};
  size_t i = 0; /* minimal two's complement of the signed value */
  while (i < 3 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) ||
                   (b[i] == 0xFF && (b[i + 1] & 0x80))))
    i++;
  size_t n = 0;
  W(mbedtls_asn1_write_raw_buffer(p, start, b + i, 4 - i));
  W(mbedtls_asn1_write_len(p, start, n));
  W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_INTEGER));
  W(mbedtls_asn1_write_len(p, start, n));
  W(mbedtls_asn1_write_tag(p, start, (unsigned char)CTX(4)));
  return (int)n;
}

static int put_nego(unsigned char **p, unsigned char *start, const uint8_t *v,
                    size_t vl) {
  size_t n = 0;
  if (v) {
    W(put_octets(p, start, 0, v, vl)); /* negoToken [0] */
    W(mbedtls_asn1_write_len(p, start, n));
    W(mbedtls_asn1_write_tag(p, start, SEQ_TAG)); /* NegoData item */
  }
  W(mbedtls_asn1_write_len(p, start, n));
  W(mbedtls_asn1_write_tag(p, start, SEQ_TAG)); /* SEQUENCE OF */
  W(mbedtls_asn1_write_len(p, start, n));
  W(mbedtls_asn1_write_tag(p, start, (unsigned char)CTX(1)));
  return (int)n;
}

static int put_version(unsigned char **p, unsigned char *start,
                       uint32_t version) {
  size_t n = 0;
  W(mbedtls_asn1_write_int(p, start, (int)version));
  W(mbedtls_asn1_write_len(p, start, n));
  W(mbedtls_asn1_write_tag(p, start, (unsigned char)CTX(0)));
  return (int)n;
}

static int put_all(const rdpneg_tsrequest *r, unsigned char **p,
                   unsigned char *start) {
  size_t n = 0;
  if (r->present & RDPNEG_TSREQ_CLIENT_NONCE)
    W(put_octets(p, start, 5, r->client_nonce, r->client_nonce_len));
  if (r->present & RDPNEG_TSREQ_ERROR_CODE)
    W(put_ntstatus(p, start, r->error_code));
  if (r->present & RDPNEG_TSREQ_PUB_KEY_AUTH)
    W(put_octets(p, start, 3, r->pub_key_auth, r->pub_key_auth_len));
  if (r->present & RDPNEG_TSREQ_AUTH_INFO)
    W(put_octets(p, start, 2, r->auth_info, r->auth_info_len));
  if (r->present & RDPNEG_TSREQ_NEGO_TOKENS)
    W(put_nego(p, start, r->nego_token, r->nego_token_len));
  W(put_version(p, start, r->version));
  W(mbedtls_asn1_write_len(p, start, n));
  W(mbedtls_asn1_write_tag(p, start, SEQ_TAG));
  return (int)n;
}

int rdpneg_tsrequest_write(const rdpneg_tsrequest *req, uint8_t **out,
                           size_t *outlen) {
  *out = NULL;
  *outlen = 0;
  if (req->version > 0x7FFFFFFF)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  size_t payload = req->nego_token_len + req->auth_info_len +
                   req->pub_key_auth_len + req->client_nonce_len;
  if (payload > RDPNEG_TSREQUEST_MAX)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  size_t cap = payload + 128; /* 6 fields x (<= 3 headers x 6 octets) */
  unsigned char *buf = malloc(cap);
  if (!buf)
    return RDPNEG_ERR_NOMEM;
  unsigned char *p = buf + cap;
  int n = put_all(req, &p, buf);
  if (n < 0) {
    free(buf);
    return n == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? RDPNEG_ERR_INVALID_ARGUMENT
                                               : RDPNEG_ERR_INTERNAL;
  }
  memmove(buf, p, (size_t)n);
  *out = buf;
  *outlen = (size_t)n;
  return 0;
}
