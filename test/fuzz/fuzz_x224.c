/* SPDX-License-Identifier: Apache-2.0 */
/* X.224 codec: TPKT framing and decoding of arbitrary bytes (as a
 * Connection Confirm or as a Connection Request), and a Connection Request
 * encoded from fuzzed fields must decode back to the same fields.
 *
 * Input: byte 0 selects confirm/request decoding; bytes 1..6 are the
 * request fields (requestedProtocols, flags, form); the rest is decoded
 * and also used as the cookie / routing token text. */
#include "fuzz.h"

#include "proto/x224.h"

#include <string.h>

static void decode(const uint8_t *p, size_t n, int expect_cr) {
  rdpneg_ssize fl = rdpneg_x224_tpkt_frame(p, n);
  FUZZ_ASSERT(fl >= 0 || fl == RDPNEG_ERR_NOT_RDP ||
              fl == RDPNEG_ERR_TPKT_MALFORMED);
  if (fl <= 0)
    return;
  FUZZ_ASSERT((size_t)fl <= n);
  rdpneg_x224_pdu pdu;
  const char *why = NULL;
  int rc = rdpneg_x224_decode(p, (size_t)fl, expect_cr, &pdu, &why);
  if (rc) {
    FUZZ_ASSERT(rc == RDPNEG_ERR_X224_MALFORMED && why && *why);
    return;
  }
  if (pdu.token) {
    FUZZ_ASSERT(pdu.token >= p && pdu.token + pdu.token_len <= p + fl);
  }
  const char *names[8];
  int k = rdpneg_x224_rsp_flag_names(pdu.neg_flags, names);
  FUZZ_ASSERT(k >= 0 && k <= 8);
  for (int i = 0; i < k; i++)
    FUZZ_ASSERT(names[i] && *names[i]);
  k = rdpneg_x224_protocol_names(pdu.neg_value, names);
  FUZZ_ASSERT(k >= 0 && k <= 8);
  FUZZ_ASSERT(pdu.neg_value != 0 || k == 1); /* "RDP" */
  for (int i = 0; i < k; i++)
    FUZZ_ASSERT(names[i] && *names[i]);
  (void)rdpneg_protocol_name(pdu.neg_value);
  (void)rdpneg_failure_name(pdu.neg_value);
}

static void roundtrip(fuzz_in *in, const uint8_t *text, size_t text_len) {
  rdpneg_x224_req req;
  memset(&req, 0, sizeof req);
  req.requested = fuzz_u32(in);
  req.flags = fuzz_u8(in);
  uint8_t form = fuzz_u8(in);
  req.send_neg_req = !(form & 1);
  /* routing tokens are "Cookie: msts=..." (MS-RDPBCGR 2.2.1.1) */
  char str[320] = "Cookie: msts=";
  size_t pre = (form & 4) ? strlen(str) : 0;
  size_t sl = text_len < 300 ? text_len : 300;
  memcpy(str + pre, text, sl);
  str[pre + sl] = 0;
  if (form & 2)
    req.cookie = str + pre;
  if (form & 4)
    req.routing_token = str;
  uint8_t corr[16];
  if (form & 8) {
    for (int i = 0; i < 16; i++)
      corr[i] = (uint8_t)(i * 17 + form);
    req.correlation_id = corr;
  }
  uint8_t out[600];
  rdpneg_ssize n =
      rdpneg_x224_encode_cr(&req, out, (form & 16) ? 24 : sizeof out);
  if (n < 0) {
    FUZZ_ASSERT(n == RDPNEG_ERR_INVALID_ARGUMENT || n == RDPNEG_ERR_NOBUF);
    return;
  }
  /* the length indicator is one byte: a longer request is refused
   * (regress/x224/li-overflow) */
  FUZZ_ASSERT(n <= 260);
  rdpneg_x224_pdu pdu;
  const char *why = NULL;
  FUZZ_ASSERT(rdpneg_x224_tpkt_frame(out, (size_t)n) == n);
  int rc = rdpneg_x224_decode(out, (size_t)n, 1, &pdu, &why);
  if (rc)
    fprintf(stderr, "our own request does not decode: %s\n", why);
  FUZZ_ASSERT(rc == 0);
  FUZZ_ASSERT(pdu.code == RDPNEG_X224_CR);
  FUZZ_ASSERT(pdu.has_neg == req.send_neg_req);
  if (req.send_neg_req) {
    FUZZ_ASSERT(pdu.neg_type == RDPNEG_NEG_TYPE_REQ);
    FUZZ_ASSERT(pdu.neg_value == req.requested);
  }
  const char *tok = req.cookie ? req.cookie : req.routing_token;
  if (tok && *tok) {
    FUZZ_ASSERT(pdu.token != NULL);
    FUZZ_ASSERT(pdu.token_is_cookie || !req.cookie);
    FUZZ_ASSERT(pdu.token_len ==
                strlen(tok) + (req.cookie ? strlen("Cookie: mstshash=") : 0));
    FUZZ_ASSERT(
        memcmp(pdu.token + pdu.token_len - strlen(tok), tok, strlen(tok)) == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  uint8_t mode = fuzz_u8(&in);
  fuzz_in fields = in;
  size_t skip;
  fuzz_bytes(&in, 6, &skip);
  decode(in.p, in.n, mode & 1);
  roundtrip(&fields, in.p, in.n);
  return 0;
}
