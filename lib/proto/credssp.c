/* SPDX-License-Identifier: Apache-2.0 */
/* CredSSP TSRequest DER codec. See credssp.h. */
#include "proto/credssp.h"
#include "proto/crypto.h"
#include "proto/der.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

#define SEQ_TAG RDPNEG_DER_SEQUENCE
#define CTX(n) RDPNEG_DER_CTX(n)
#define BAD RDPNEG_ERR_TSREQUEST_MALFORMED

long rdpneg_tsrequest_frame_len(const uint8_t *buf, size_t len) {
  long n = rdpneg_der_frame_len(buf, len, SEQ_TAG, RDPNEG_TSREQUEST_MAX);
  return n < 0 ? BAD : n;
}

/* INTEGER as a 32-bit NTSTATUS: up to 4 content octets (two's complement)
 * or 5 with a 0x00/0xFF sign octet, low 32 bits kept. */
static int get_ntstatus(const uint8_t **p, const uint8_t *end, uint32_t *v) {
  const uint8_t *b;
  size_t l;
  if (rdpneg_der_get_tagged(p, end, RDPNEG_DER_INTEGER, &b, &l) || l == 0 ||
      l > 5)
    return BAD;
  if (l == 5 && b[0] != 0x00 && b[0] != 0xFF)
    return BAD;
  uint32_t x = (b[0] & 0x80) ? 0xFFFFFFFFu : 0;
  for (size_t i = 0; i < l; i++)
    x = (x << 8) | b[i];
  *v = x;
  return 0;
}

static int get_nego_tokens(rdpneg_tsrequest *req, const uint8_t **p,
                           const uint8_t *end) {
  size_t l;
  if (rdpneg_der_get_tag(p, end, SEQ_TAG, &l) || *p + l != end)
    return BAD;
  while (*p < end) {
    size_t il;
    if (rdpneg_der_get_tag(p, end, SEQ_TAG, &il))
      return BAD;
    const uint8_t *iend = *p + il, *tend;
    if (rdpneg_der_get_ctx(p, iend, 0, &tend) || tend != iend)
      return BAD;
    const uint8_t *v;
    size_t vl;
    if (rdpneg_der_get_octets(p, iend, &v, &vl) || *p != iend)
      return BAD;
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
    return BAD;
  const uint8_t *p = buf, *end = buf + len;
  size_t l;
  if (rdpneg_der_get_tag(&p, end, SEQ_TAG, &l) || p + l != end)
    return BAD;
  int last = -1, have_version = 0;
  while (p < end) {
    uint8_t tag = *p;
    if ((tag & 0xE0) != CTX(0) || (tag & 0x1F) == 0x1F)
      return BAD;
    int n = tag & 0x1F;
    if (n <= last)
      return BAD;
    last = n;
    const uint8_t *fend;
    if (rdpneg_der_get_ctx(&p, end, n, &fend))
      return BAD;
    int rc = 0, v;
    switch (n) {
    case 0:
      if (rdpneg_der_get_int(&p, fend, &v) || v < 0)
        return BAD;
      req->version = (uint32_t)v;
      have_version = 1;
      break;
    case 1:
      rc = get_nego_tokens(req, &p, fend);
      req->present |= RDPNEG_TSREQ_NEGO_TOKENS;
      break;
    case 2:
      rc =
          rdpneg_der_get_octets(&p, fend, &req->auth_info, &req->auth_info_len);
      req->present |= RDPNEG_TSREQ_AUTH_INFO;
      break;
    case 3:
      rc = rdpneg_der_get_octets(&p, fend, &req->pub_key_auth,
                                 &req->pub_key_auth_len);
      req->present |= RDPNEG_TSREQ_PUB_KEY_AUTH;
      break;
    case 4:
      rc = get_ntstatus(&p, fend, &req->error_code);
      req->present |= RDPNEG_TSREQ_ERROR_CODE;
      break;
    case 5:
      rc = rdpneg_der_get_octets(&p, fend, &req->client_nonce,
                                 &req->client_nonce_len);
      req->present |= RDPNEG_TSREQ_CLIENT_NONCE;
      break;
    default: /* a field from a future version: skip it */
      p = fend;
      break;
    }
    if (rc || p != fend)
      return BAD;
  }
  return have_version ? 0 : BAD;
}

/* ---- writer (backwards from the end, see der.h) ---- */

#define W(expr) RDPNEG_DER_PUT(n, expr)

static int put_ntstatus(uint8_t **p, uint8_t *start, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                  (uint8_t)v};
  size_t i = 0; /* minimal two's complement of the signed value */
  while (i < 3 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) ||
                   (b[i] == 0xFF && (b[i + 1] & 0x80))))
    i++;
  size_t n = 0;
  W(rdpneg_der_put_raw(p, start, b + i, 4 - i));
  W(rdpneg_der_put_hdr(p, start, RDPNEG_DER_INTEGER, n));
  W(rdpneg_der_put_hdr(p, start, CTX(4), n));
  return (int)n;
}

static int put_nego(uint8_t **p, uint8_t *start, const uint8_t *v, size_t vl) {
  size_t n = 0;
  if (v) {
    W(rdpneg_der_put_ctx_octets(p, start, 0, v, vl)); /* negoToken [0] */
    W(rdpneg_der_put_hdr(p, start, SEQ_TAG, n));      /* NegoData item */
  }
  W(rdpneg_der_put_hdr(p, start, SEQ_TAG, n)); /* SEQUENCE OF */
  W(rdpneg_der_put_hdr(p, start, CTX(1), n));
  return (int)n;
}

static int put_version(uint8_t **p, uint8_t *start, uint32_t version) {
  size_t n = 0;
  W(rdpneg_der_put_int(p, start, (int)version));
  W(rdpneg_der_put_hdr(p, start, CTX(0), n));
  return (int)n;
}

static int put_all(const rdpneg_tsrequest *r, uint8_t **p, uint8_t *start) {
  size_t n = 0;
  if (r->present & RDPNEG_TSREQ_CLIENT_NONCE)
    W(rdpneg_der_put_ctx_octets(p, start, 5, r->client_nonce,
                                r->client_nonce_len));
  if (r->present & RDPNEG_TSREQ_ERROR_CODE)
    W(put_ntstatus(p, start, r->error_code));
  if (r->present & RDPNEG_TSREQ_PUB_KEY_AUTH)
    W(rdpneg_der_put_ctx_octets(p, start, 3, r->pub_key_auth,
                                r->pub_key_auth_len));
  if (r->present & RDPNEG_TSREQ_AUTH_INFO)
    W(rdpneg_der_put_ctx_octets(p, start, 2, r->auth_info, r->auth_info_len));
  if (r->present & RDPNEG_TSREQ_NEGO_TOKENS)
    W(put_nego(p, start, r->nego_token, r->nego_token_len));
  W(put_version(p, start, r->version));
  W(rdpneg_der_put_hdr(p, start, SEQ_TAG, n));
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
  uint8_t *buf = malloc(cap);
  if (!buf)
    return RDPNEG_ERR_NOMEM;
  uint8_t *p = buf + cap;
  int n = put_all(req, &p, buf);
  return rdpneg_der_finish(buf, p, n, out, outlen);
}

/* ---- public-key binding ---------------------------------------------------
 */

static const char magic_c2s[] = "CredSSP Client-To-Server Binding Hash";
static const char magic_s2c[] = "CredSSP Server-To-Client Binding Hash";

int rdpneg_credssp_binding_hash(uint8_t out[32], int server,
                                const uint8_t nonce[RDPNEG_CREDSSP_NONCE_LEN],
                                const uint8_t *pubkey, size_t pubkey_len) {
  const rdpneg_crypto_span parts[3] = {
      {(const uint8_t *)(server ? magic_s2c : magic_c2s), sizeof magic_c2s},
      {nonce, RDPNEG_CREDSSP_NONCE_LEN},
      {pubkey, pubkey_len}};
  return rdpneg_crypto_sha256(out, parts, 3);
}

int rdpneg_credssp_check_server_binding(
    uint32_t version, const uint8_t nonce[RDPNEG_CREDSSP_NONCE_LEN],
    const uint8_t *pubkey, size_t pubkey_len, const uint8_t *plain,
    size_t plain_len, int *ok) {
  *ok = 0;
  if (version >= 5) {
    uint8_t expect[32];
    int rc = rdpneg_credssp_binding_hash(expect, 1, nonce, pubkey, pubkey_len);
    if (rc)
      return rc;
    *ok = plain_len == 32 && rdpneg_crypto_equal(expect, plain, 32);
    return 0;
  }
  *ok = plain_len == pubkey_len && plain_len > 0 &&
        plain[0] == (uint8_t)(pubkey[0] + 1) &&
        memcmp(plain + 1, pubkey + 1, plain_len - 1) == 0;
  return 0;
}
