/* SPNEGO wrapping of NTLM tokens. See spnego.h. */
#include "proto/spnego.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>

#include <stdlib.h>
#include <string.h>

#define SEQ_TAG (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))
#define GSS_TAG (0x40 | MBEDTLS_ASN1_CONSTRUCTED) /* [APPLICATION 0] */
#define BAD RDPNEG_ERR_SPNEGO_MALFORMED

/* 1.3.6.1.5.5.2 */
static const uint8_t oid_spnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};

/* SEQUENCE { OID 1.3.6.1.4.1.311.2.2.10 } */
static const uint8_t mech_types_der[] = {0x30, 0x0c, 0x06, 0x0a, 0x2b,
                                         0x06, 0x01, 0x04, 0x01, 0x82,
                                         0x37, 0x02, 0x02, 0x0a};

const uint8_t *rdpneg_spnego_mech_types(size_t *len) {
  *len = sizeof mech_types_der;
  return mech_types_der;
}

int rdpneg_spnego_is_ntlm(const uint8_t *oid, size_t len) {
  return oid && len == RDPNEG_SPNEGO_OID_NTLM_LEN &&
         memcmp(oid, RDPNEG_SPNEGO_OID_NTLM, len) == 0;
}

/* ---- parsing ----------------------------------------------------------- */

/* Content of [n] EXPLICIT, which must end exactly at |end|'s field. */
static int get_ctx(unsigned char **p, const unsigned char *end, int n,
                   const unsigned char **fend) {
  size_t l;
  if (mbedtls_asn1_get_tag(p, end, &l, CTX(n)))
    return BAD;
  *fend = *p + l;
  return 0;
}

static int get_octets(unsigned char **p, const unsigned char *end,
                      const uint8_t **v, size_t *vl) {
  size_t l;
  if (mbedtls_asn1_get_tag(p, end, &l, MBEDTLS_ASN1_OCTET_STRING))
    return BAD;
  *v = *p;
  *vl = l;
  *p += l;
  return 0;
}

static int parse_mech_types(rdpneg_spnego_init *t, unsigned char **p,
                            const unsigned char *end) {
  const unsigned char *start = *p;
  size_t l;
  if (mbedtls_asn1_get_tag(p, end, &l, SEQ_TAG) || *p + l != end)
    return BAD;
  t->mech_types = start;
  t->mech_types_len = (size_t)(end - start);
  while (*p < end) {
    size_t ol;
    if (mbedtls_asn1_get_tag(p, end, &ol, MBEDTLS_ASN1_OID))
      return BAD;
    if (t->mech_count++ == 0) {
      t->first_mech = *p;
      t->first_mech_len = ol;
    }
    if (rdpneg_spnego_is_ntlm(*p, ol))
      t->has_ntlm = 1;
    *p += ol;
  }
  return 0;
}

/* negHints ::= SEQUENCE { hintName [0] GeneralString OPTIONAL,
 *                         hintAddress [1] OCTET STRING OPTIONAL } */
static int parse_hints(rdpneg_spnego_init *t, unsigned char **p,
                       const unsigned char *end) {
  size_t l;
  if (mbedtls_asn1_get_tag(p, end, &l, SEQ_TAG) || *p + l != end)
    return BAD;
  while (*p < end) {
    unsigned char tag = **p;
    const unsigned char *fend;
    if (tag == CTX(0)) {
      if (get_ctx(p, end, 0, &fend) ||
          mbedtls_asn1_get_tag(p, fend, &l, 0x1B /* GeneralString */) ||
          *p + l != fend)
        return BAD;
      t->hint_name = *p;
      t->hint_name_len = l;
      *p += l;
    } else if (tag == CTX(1)) {
      if (get_ctx(p, end, 1, &fend))
        return BAD;
      *p = (unsigned char *)fend;
    } else
      return BAD;
  }
  return 0;
}

int rdpneg_spnego_parse_init(rdpneg_spnego_init *t, const uint8_t *buf,
                             size_t len) {
  memset(t, 0, sizeof *t);
  if (!buf || !len)
    return BAD;
  unsigned char *p = (unsigned char *)buf;
  const unsigned char *end = buf + len;
  size_t l;
  if (*p == GSS_TAG) { /* InitialContextToken: thisMech then the token */
    if (mbedtls_asn1_get_tag(&p, end, &l, GSS_TAG) || p + l != end ||
        mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_OID) ||
        l != sizeof oid_spnego || memcmp(p, oid_spnego, l) != 0)
      return BAD;
    p += l;
  }
  const unsigned char *iend;
  if (get_ctx(&p, end, 0, &iend) || iend != end ||
      mbedtls_asn1_get_tag(&p, end, &l, SEQ_TAG) || p + l != end)
    return BAD;
  int last = -1;
  while (p < end) {
    unsigned char tag = *p;
    if ((tag & 0xE0) != CTX(0) || (tag & 0x1F) <= last || (tag & 0x1F) > 4)
      return BAD;
    int n = tag & 0x1F;
    last = n;
    const unsigned char *fend;
    if (get_ctx(&p, end, n, &fend))
      return BAD;
    int rc = 0;
    switch (n) {
    case 0:
      rc = parse_mech_types(t, &p, fend);
      break;
    case 1: /* reqFlags: ignored */
      p = (unsigned char *)fend;
      break;
    case 2:
      rc = get_octets(&p, fend, &t->mech_token, &t->mech_token_len);
      break;
    case 3: /* mechListMIC (RFC 4178) or negHints (NegTokenInit2) */
      if (p < fend && *p == SEQ_TAG)
        rc = parse_hints(t, &p, fend);
      else
        rc = get_octets(&p, fend, &t->mech_list_mic, &t->mech_list_mic_len);
      break;
    case 4: /* mechListMIC of NegTokenInit2 */
      rc = get_octets(&p, fend, &t->mech_list_mic, &t->mech_list_mic_len);
      break;
    }
    if (rc || p != fend)
      return BAD;
  }
  return t->mech_types ? 0 : BAD;
}

int rdpneg_spnego_parse_resp(rdpneg_spnego_resp *r, const uint8_t *buf,
                             size_t len) {
  memset(r, 0, sizeof *r);
  r->neg_state = -1;
  if (!buf || !len)
    return BAD;
  unsigned char *p = (unsigned char *)buf;
  const unsigned char *end = buf + len, *fend;
  size_t l;
  if (get_ctx(&p, end, 1, &fend) || fend != end ||
      mbedtls_asn1_get_tag(&p, end, &l, SEQ_TAG) || p + l != end)
    return BAD;
  int last = -1;
  while (p < end) {
    unsigned char tag = *p;
    if ((tag & 0xE0) != CTX(0) || (tag & 0x1F) <= last || (tag & 0x1F) > 3)
      return BAD;
    int n = tag & 0x1F, rc = 0, v;
    last = n;
    if (get_ctx(&p, end, n, &fend))
      return BAD;
    switch (n) {
    case 0:
      if (mbedtls_asn1_get_enum(&p, fend, &v) || v < 0 || v > 3)
        rc = BAD;
      else
        r->neg_state = v;
      break;
    case 1:
      if (mbedtls_asn1_get_tag(&p, fend, &l, MBEDTLS_ASN1_OID))
        rc = BAD;
      else {
        r->supported_mech = p;
        r->supported_mech_len = l;
        p += l;
      }
      break;
    case 2:
      rc = get_octets(&p, fend, &r->response_token, &r->response_token_len);
      break;
    case 3:
      rc = get_octets(&p, fend, &r->mech_list_mic, &r->mech_list_mic_len);
      break;
    }
    if (rc || p != fend)
      return BAD;
  }
  return 0;
}

/* ---- writing ------------------------------------------------------------ */

#define W(expr)                                                                \
  do {                                                                         \
    int w_ = (expr);                                                           \
    if (w_ < 0)                                                                \
      return w_;                                                               \
    n += (size_t)w_;                                                           \
  } while (0)

static int wrap(unsigned char **p, unsigned char *start, size_t len,
                unsigned char tag) {
  size_t n = 0;
  W(mbedtls_asn1_write_len(p, start, len));
  W(mbedtls_asn1_write_tag(p, start, tag));
  return (int)n;
}

static int put_ctx_octets(unsigned char **p, unsigned char *start, int tag,
                          const uint8_t *v, size_t vl) {
  size_t n = 0;
  W(mbedtls_asn1_write_octet_string(p, start, v, vl));
  W(wrap(p, start, n, (unsigned char)CTX(tag)));
  return (int)n;
}

static int put_init(unsigned char **p, unsigned char *start, const uint8_t *tok,
                    size_t tl) {
  size_t n = 0;
  W(put_ctx_octets(p, start, 2, tok, tl)); /* mechToken */
  W(mbedtls_asn1_write_raw_buffer(p, start, mech_types_der,
                                  sizeof mech_types_der));
  W(wrap(p, start, sizeof mech_types_der, (unsigned char)CTX(0)));
  W(wrap(p, start, n, SEQ_TAG));               /* NegTokenInit */
  W(wrap(p, start, n, (unsigned char)CTX(0))); /* NegotiationToken */
  W(mbedtls_asn1_write_oid(p, start, (const char *)oid_spnego,
                           sizeof oid_spnego));
  W(wrap(p, start, n, GSS_TAG));
  return (int)n;
}

static int put_resp(unsigned char **p, unsigned char *start,
                    const rdpneg_spnego_resp *r) {
  size_t n = 0;
  if (r->mech_list_mic)
    W(put_ctx_octets(p, start, 3, r->mech_list_mic, r->mech_list_mic_len));
  if (r->response_token)
    W(put_ctx_octets(p, start, 2, r->response_token, r->response_token_len));
  if (r->supported_mech) {
    size_t m = n;
    W(mbedtls_asn1_write_oid(p, start, (const char *)r->supported_mech,
                             r->supported_mech_len));
    W(wrap(p, start, n - m, (unsigned char)CTX(1)));
  }
  if (r->neg_state >= 0) {
    size_t m = n;
    W(mbedtls_asn1_write_enum(p, start, r->neg_state));
    W(wrap(p, start, n - m, (unsigned char)CTX(0)));
  }
  W(wrap(p, start, n, SEQ_TAG));
  W(wrap(p, start, n, (unsigned char)CTX(1)));
  return (int)n;
}

/* Moves the |n| bytes written backwards to |p| to the start of |buf|. */
static int finish(unsigned char *buf, unsigned char *p, int n, uint8_t **out,
                  size_t *outlen) {
  if (n < 0) {
    free(buf);
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  memmove(buf, p, (size_t)n);
  *out = buf;
  *outlen = (size_t)n;
  return 0;
}

int rdpneg_spnego_write_init(const uint8_t *mech_token, size_t len,
                             uint8_t **out, size_t *outlen) {
  *out = NULL;
  *outlen = 0;
  if (len > 0x1000000)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  size_t cap = len + 64;
  unsigned char *buf = malloc(cap);
  if (!buf)
    return RDPNEG_ERR_NOMEM;
  unsigned char *p = buf + cap;
  int n = put_init(&p, buf, mech_token, len);
  return finish(buf, p, n, out, outlen);
}

int rdpneg_spnego_write_resp(const rdpneg_spnego_resp *r, uint8_t **out,
                             size_t *outlen) {
  *out = NULL;
  *outlen = 0;
  size_t payload =
      r->response_token_len + r->mech_list_mic_len + r->supported_mech_len;
  if (payload > 0x1000000)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  size_t cap = payload + 64;
  unsigned char *buf = malloc(cap);
  if (!buf)
    return RDPNEG_ERR_NOMEM;
  unsigned char *p = buf + cap;
  int n = put_resp(&p, buf, r);
  return finish(buf, p, n, out, outlen);
}
