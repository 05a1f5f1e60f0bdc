/* SPDX-License-Identifier: Apache-2.0 */
/* SPNEGO wrapping of NTLM tokens. See spnego.h. */
#include "proto/spnego.h"
#include "proto/der.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

#define SEQ_TAG RDPNEG_DER_SEQUENCE
#define CTX(n) RDPNEG_DER_CTX(n)
#define GSS_TAG RDPNEG_DER_APP(0)
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

static int parse_mech_types(rdpneg_spnego_init *t, const uint8_t **p,
                            const uint8_t *end) {
  const uint8_t *start = *p;
  size_t l;
  if (rdpneg_der_get_tag(p, end, SEQ_TAG, &l) || *p + l != end)
    return BAD;
  t->mech_types = start;
  t->mech_types_len = (size_t)(end - start);
  while (*p < end) {
    const uint8_t *oid;
    size_t ol;
    if (rdpneg_der_get_tagged(p, end, RDPNEG_DER_OID, &oid, &ol))
      return BAD;
    if (t->mech_count++ == 0) {
      t->first_mech = oid;
      t->first_mech_len = ol;
    }
    if (rdpneg_spnego_is_ntlm(oid, ol))
      t->has_ntlm = 1;
  }
  return 0;
}

/* negHints ::= SEQUENCE { hintName [0] GeneralString OPTIONAL,
 *                         hintAddress [1] OCTET STRING OPTIONAL } */
static int parse_hints(rdpneg_spnego_init *t, const uint8_t **p,
                       const uint8_t *end) {
  size_t l;
  if (rdpneg_der_get_tag(p, end, SEQ_TAG, &l) || *p + l != end)
    return BAD;
  while (*p < end) {
    uint8_t tag = **p;
    const uint8_t *fend;
    if (tag == CTX(0)) {
      if (rdpneg_der_get_ctx(p, end, 0, &fend) ||
          rdpneg_der_get_tagged(p, fend, RDPNEG_DER_GENERAL_STRING,
                                &t->hint_name, &t->hint_name_len) ||
          *p != fend)
        return BAD;
    } else if (tag == CTX(1)) {
      if (rdpneg_der_get_ctx(p, end, 1, &fend))
        return BAD;
      *p = fend;
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
  const uint8_t *p = buf, *end = buf + len, *oid;
  size_t l;
  if (*p == GSS_TAG) { /* InitialContextToken: thisMech then the token */
    if (rdpneg_der_get_tag(&p, end, GSS_TAG, &l) || p + l != end ||
        rdpneg_der_get_tagged(&p, end, RDPNEG_DER_OID, &oid, &l) ||
        l != sizeof oid_spnego || memcmp(oid, oid_spnego, l) != 0)
      return BAD;
  }
  const uint8_t *iend;
  if (rdpneg_der_get_ctx(&p, end, 0, &iend) || iend != end ||
      rdpneg_der_get_tag(&p, end, SEQ_TAG, &l) || p + l != end)
    return BAD;
  int last = -1;
  while (p < end) {
    uint8_t tag = *p;
    if ((tag & 0xE0) != CTX(0) || (tag & 0x1F) <= last || (tag & 0x1F) > 4)
      return BAD;
    int n = tag & 0x1F;
    last = n;
    const uint8_t *fend;
    if (rdpneg_der_get_ctx(&p, end, n, &fend))
      return BAD;
    int rc = 0;
    switch (n) {
    case 0:
      rc = parse_mech_types(t, &p, fend);
      break;
    case 1: /* reqFlags: ignored */
      p = fend;
      break;
    case 2:
      rc = rdpneg_der_get_octets(&p, fend, &t->mech_token, &t->mech_token_len);
      break;
    case 3: /* mechListMIC (RFC 4178) or negHints (NegTokenInit2) */
      if (p < fend && *p == SEQ_TAG)
        rc = parse_hints(t, &p, fend);
      else
        rc = rdpneg_der_get_octets(&p, fend, &t->mech_list_mic,
                                   &t->mech_list_mic_len);
      break;
    case 4: /* mechListMIC of NegTokenInit2 */
      rc = rdpneg_der_get_octets(&p, fend, &t->mech_list_mic,
                                 &t->mech_list_mic_len);
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
  const uint8_t *p = buf, *end = buf + len, *fend;
  size_t l;
  if (rdpneg_der_get_ctx(&p, end, 1, &fend) || fend != end ||
      rdpneg_der_get_tag(&p, end, SEQ_TAG, &l) || p + l != end)
    return BAD;
  int last = -1;
  while (p < end) {
    uint8_t tag = *p;
    if ((tag & 0xE0) != CTX(0) || (tag & 0x1F) <= last || (tag & 0x1F) > 3)
      return BAD;
    int n = tag & 0x1F, rc = 0, v;
    last = n;
    if (rdpneg_der_get_ctx(&p, end, n, &fend))
      return BAD;
    switch (n) {
    case 0:
      if (rdpneg_der_get_enum(&p, fend, &v) || v < 0 || v > 3)
        rc = BAD;
      else
        r->neg_state = v;
      break;
    case 1:
      if (rdpneg_der_get_tagged(&p, fend, RDPNEG_DER_OID, &r->supported_mech,
                                &r->supported_mech_len))
        rc = BAD;
      break;
    case 2:
      rc = rdpneg_der_get_octets(&p, fend, &r->response_token,
                                 &r->response_token_len);
      break;
    case 3:
      rc = rdpneg_der_get_octets(&p, fend, &r->mech_list_mic,
                                 &r->mech_list_mic_len);
      break;
    }
    if (rc || p != fend)
      return BAD;
  }
  return 0;
}

/* ---- writing (backwards from the end, see der.h) ------------------------ */

#define W(expr) RDPNEG_DER_PUT(n, expr)

static int put_init(uint8_t **p, uint8_t *start, const uint8_t *tok,
                    size_t tl) {
  size_t n = 0;
  W(rdpneg_der_put_ctx_octets(p, start, 2, tok, tl)); /* mechToken */
  W(rdpneg_der_put_raw(p, start, mech_types_der, sizeof mech_types_der));
  W(rdpneg_der_put_hdr(p, start, CTX(0), sizeof mech_types_der));
  W(rdpneg_der_put_hdr(p, start, SEQ_TAG, n)); /* NegTokenInit */
  W(rdpneg_der_put_hdr(p, start, CTX(0), n));  /* NegotiationToken */
  W(rdpneg_der_put_oid(p, start, oid_spnego, sizeof oid_spnego));
  W(rdpneg_der_put_hdr(p, start, GSS_TAG, n));
  return (int)n;
}

static int put_resp(uint8_t **p, uint8_t *start, const rdpneg_spnego_resp *r) {
  size_t n = 0;
  if (r->mech_list_mic)
    W(rdpneg_der_put_ctx_octets(p, start, 3, r->mech_list_mic,
                                r->mech_list_mic_len));
  if (r->response_token)
    W(rdpneg_der_put_ctx_octets(p, start, 2, r->response_token,
                                r->response_token_len));
  if (r->supported_mech) {
    size_t m = n;
    W(rdpneg_der_put_oid(p, start, r->supported_mech, r->supported_mech_len));
    W(rdpneg_der_put_hdr(p, start, CTX(1), n - m));
  }
  if (r->neg_state >= 0) {
    size_t m = n;
    W(rdpneg_der_put_enum(p, start, r->neg_state));
    W(rdpneg_der_put_hdr(p, start, CTX(0), n - m));
  }
  W(rdpneg_der_put_hdr(p, start, SEQ_TAG, n));
  W(rdpneg_der_put_hdr(p, start, CTX(1), n));
  return (int)n;
}

int rdpneg_spnego_write_init(const uint8_t *mech_token, size_t len,
                             uint8_t **out, size_t *outlen) {
  *out = NULL;
  *outlen = 0;
  if (len > 0x1000000)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  size_t cap = len + 64;
  uint8_t *buf = malloc(cap);
  if (!buf)
    return RDPNEG_ERR_NOMEM;
  uint8_t *p = buf + cap;
  int n = put_init(&p, buf, mech_token, len);
  return rdpneg_der_finish(buf, p, n, out, outlen);
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
  uint8_t *buf = malloc(cap);
  if (!buf)
    return RDPNEG_ERR_NOMEM;
  uint8_t *p = buf + cap;
  int n = put_resp(&p, buf, r);
  return rdpneg_der_finish(buf, p, n, out, outlen);
}
