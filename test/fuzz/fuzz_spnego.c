/* SPDX-License-Identifier: Apache-2.0 */
/* SPNEGO (RFC 4178): NegTokenInit / NegTokenInit2 and NegTokenResp parsing
 * of arbitrary bytes. A parsed NegTokenResp must write back to bytes that
 * parse to the same fields; a mechToken found in a NegTokenInit must
 * re-wrap into an initial token that parses back to it. */
#include "fuzz.h"

#include "proto/spnego.h"

#include <rdpneg/rdpneg.h>

#include <string.h>

static int same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
  return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

static int inside(const uint8_t *p, size_t l, const uint8_t *buf, size_t n) {
  return !p || (p >= buf && p + l <= buf + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rdpneg_spnego_init t;
  if (rdpneg_spnego_parse_init(&t, data, size) == 0) {
    FUZZ_ASSERT(inside(t.mech_types, t.mech_types_len, data, size));
    FUZZ_ASSERT(inside(t.mech_token, t.mech_token_len, data, size));
    FUZZ_ASSERT(inside(t.hint_name, t.hint_name_len, data, size));
    FUZZ_ASSERT(inside(t.mech_list_mic, t.mech_list_mic_len, data, size));
    FUZZ_ASSERT(!t.has_ntlm || t.mech_count > 0);
    if (t.mech_token) {
      uint8_t *out = NULL;
      size_t outlen = 0;
      if (rdpneg_spnego_write_init(t.mech_token, t.mech_token_len, &out,
                                   &outlen) == 0) {
        rdpneg_spnego_init u;
        FUZZ_ASSERT(rdpneg_spnego_parse_init(&u, out, outlen) == 0);
        FUZZ_ASSERT(u.has_ntlm && u.mech_count == 1);
        FUZZ_ASSERT(same(u.mech_token, u.mech_token_len, t.mech_token,
                         t.mech_token_len));
        free(out);
      }
    }
  }

  rdpneg_spnego_resp r;
  if (rdpneg_spnego_parse_resp(&r, data, size) != 0)
    return 0;
  FUZZ_ASSERT(r.neg_state >= -1);
  FUZZ_ASSERT(inside(r.supported_mech, r.supported_mech_len, data, size));
  FUZZ_ASSERT(inside(r.response_token, r.response_token_len, data, size));
  FUZZ_ASSERT(inside(r.mech_list_mic, r.mech_list_mic_len, data, size));
  (void)rdpneg_spnego_is_ntlm(r.supported_mech, r.supported_mech_len);
  uint8_t *out = NULL;
  size_t outlen = 0;
  int rc = rdpneg_spnego_write_resp(&r, &out, &outlen);
  if (rc != 0) {
    FUZZ_ASSERT(rc == RDPNEG_ERR_INVALID_ARGUMENT || rc == RDPNEG_ERR_NOMEM);
    return 0;
  }
  rdpneg_spnego_resp b;
  FUZZ_ASSERT(rdpneg_spnego_parse_resp(&b, out, outlen) == 0);
  FUZZ_ASSERT(b.neg_state == r.neg_state);
  FUZZ_ASSERT(same(b.supported_mech, b.supported_mech_len, r.supported_mech,
                   r.supported_mech_len));
  FUZZ_ASSERT(same(b.response_token, b.response_token_len, r.response_token,
                   r.response_token_len));
  FUZZ_ASSERT(same(b.mech_list_mic, b.mech_list_mic_len, r.mech_list_mic,
                   r.mech_list_mic_len));
  free(out);
  return 0;
}
