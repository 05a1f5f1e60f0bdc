/* SPDX-License-Identifier: Apache-2.0 */
/* CredSSP TSRequest (MS-CSSP 2.2.1): framing and parsing of arbitrary
 * bytes. What parses must frame as exactly its own length (and every
 * prefix as "need more"), and must write back to bytes that parse to the
 * same fields. */
#include "fuzz.h"

#include "proto/credssp.h"

#include <rdpneg/rdpneg.h>

#include <string.h>

static int same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
  return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  long fl = rdpneg_tsrequest_frame_len(data, size);
  FUZZ_ASSERT(fl == RDPNEG_ERR_TSREQUEST_MALFORMED ||
              (fl >= 0 && (size_t)fl <= size));
  if (fl > 0) {
    rdpneg_tsrequest first;
    (void)rdpneg_tsrequest_parse(&first, data, (size_t)fl);
  }

  rdpneg_tsrequest a;
  if (rdpneg_tsrequest_parse(&a, data, size) != 0)
    return 0;
  FUZZ_ASSERT(size <= RDPNEG_TSREQUEST_MAX
                  ? fl == (long)size
                  : fl == RDPNEG_ERR_TSREQUEST_MALFORMED);
  if (size <= RDPNEG_TSREQUEST_MAX) {
    size_t cut[3] = {1, size / 2, size - 1};
    for (int i = 0; i < 3; i++)
      if (cut[i] > 0 && cut[i] < size)
        FUZZ_ASSERT(rdpneg_tsrequest_frame_len(data, cut[i]) == 0);
  }
  if (a.nego_token)
    FUZZ_ASSERT(a.nego_token >= data &&
                a.nego_token + a.nego_token_len <= data + size);
  if (a.pub_key_auth)
    FUZZ_ASSERT(a.pub_key_auth >= data &&
                a.pub_key_auth + a.pub_key_auth_len <= data + size);

  uint8_t *out = NULL;
  size_t outlen = 0;
  int rc = rdpneg_tsrequest_write(&a, &out, &outlen);
  if (rc != 0) {
    FUZZ_ASSERT(rc == RDPNEG_ERR_INVALID_ARGUMENT || rc == RDPNEG_ERR_NOMEM);
    return 0;
  }
  rdpneg_tsrequest b;
  rc = rdpneg_tsrequest_parse(&b, out, outlen);
  FUZZ_ASSERT(rc == 0);
  FUZZ_ASSERT(b.version == a.version);
  FUZZ_ASSERT(b.present == a.present);
  FUZZ_ASSERT(
      same(b.nego_token, b.nego_token_len, a.nego_token, a.nego_token_len));
  FUZZ_ASSERT(b.nego_token_count == (a.nego_token_count ? 1u : 0u));
  FUZZ_ASSERT(same(b.auth_info, b.auth_info_len, a.auth_info, a.auth_info_len));
  FUZZ_ASSERT(same(b.pub_key_auth, b.pub_key_auth_len, a.pub_key_auth,
                   a.pub_key_auth_len));
  FUZZ_ASSERT(b.error_code == a.error_code);
  FUZZ_ASSERT(same(b.client_nonce, b.client_nonce_len, a.client_nonce,
                   a.client_nonce_len));
  free(out);
  return 0;
}
